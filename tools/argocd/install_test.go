package argocd

import (
	"bufio"
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argoproj/argo-cd/v3/common"
	gocmp "github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// TestInstallManifests applies the deploy/argocd component to Argo CD
// v3.2.12's own install.yaml (from the argo-cd module) and checks that the
// sidecar is wired as argocd-cmp-server and the repo-server expect: their
// binary from copyutil, the socket directory shared with the repo-server,
// the plugin config where the image puts it, UID 999. The Helm values must
// add the same container.
func TestInstallManifests(t *testing.T) {
	kustomize := tool(t, "KUSTOMIZE", "hack/tools.sh kustomize builds it")
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/argoproj/argo-cd/v3").Output()
	if err != nil {
		t.Fatalf("locating the argo-cd module: %v", err)
	}
	argo := strings.TrimSpace(string(out))

	dir := t.TempDir()
	copyFile(t, filepath.Join(argo, "manifests", "install.yaml"), filepath.Join(dir, "install.yaml"), 0o644)
	if err := os.CopyFS(filepath.Join(dir, "krm-fn"), os.DirFS(filepath.Join(root, "deploy", "argocd"))); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "kustomization.yaml"), `resources:
- install.yaml
components:
- krm-fn
images:
- name: krm-fn-argocd-cmp
  newName: registry.example.com/krm-fn-argocd-cmp
  newTag: v1.0.0
`)
	var stdout, stderr bytes.Buffer
	build := exec.Command(kustomize, "build", dir)
	build.Stdout, build.Stderr = &stdout, &stderr
	if err := build.Run(); err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr.String())
	}
	repoServer := findDeployment(t, &stdout, "argocd-repo-server")
	pod := repoServer.Spec.Template.Spec

	sidecar := container(pod.Containers, "krm-fn")
	if sidecar == nil {
		t.Fatalf("no krm-fn container in argocd-repo-server: %v", pod.Containers)
	}
	if want := "registry.example.com/krm-fn-argocd-cmp:v1.0.0"; sidecar.Image != want {
		t.Errorf("image %s, want %s", sidecar.Image, want)
	}
	sc := sidecar.SecurityContext
	if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != 999 || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("the sidecar must run as UID 999, non-root: %+v", sc)
	}

	// Its memory holds krm-fn's guard bound (internal/guard, docs/security.md:
	// 256 MiB + 100 times the bytes of the files a build reads) for the
	// example's overlays, so that the guard's message, not the kernel, ends
	// a build that passes it; it asks for the guard's base.
	limit, request := sidecar.Resources.Limits.Memory(), sidecar.Resources.Requests.Memory()
	var files int64
	for _, d := range []string{"bases", "overlays"} {
		_ = filepath.WalkDir(filepath.Join(root, d), func(_ string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				if info, err := e.Info(); err == nil {
					files += info.Size()
				}
			}
			return nil
		})
	}
	if bound := int64(256<<20) + 100*files; limit.IsZero() || limit.Value() <= bound || request.Value() != 256<<20 {
		t.Errorf("the sidecar's memory: limit %v, request %v; want a limit above the guard's bound for the example (%d MiB) and a request of its base, 256Mi", limit, request, bound>>20)
	}
	if cpu := sidecar.Resources.Limits.Cpu(); !cpu.IsZero() {
		t.Errorf("the sidecar has a CPU limit (%v): a throttled build may pass Argo CD's timeout", cpu)
	}

	// argocd-cmp-server is the file copyutil writes into a volume the
	// sidecar mounts.
	copyutil := container(pod.InitContainers, "copyutil")
	if copyutil == nil || len(sidecar.Command) != 1 {
		t.Fatalf("copyutil %v, sidecar command %v", copyutil, sidecar.Command)
	}
	target := copyutil.Command[len(copyutil.Command)-1]
	if target != sidecar.Command[0] {
		t.Errorf("copyutil writes %s, the sidecar runs %s", target, sidecar.Command[0])
	}
	if a, b := mountOf(copyutil, target), mountOf(sidecar, target); a == nil || b == nil || a.Name != b.Name {
		t.Errorf("copyutil and the sidecar do not share the volume of %s: %v, %v", target, a, b)
	}

	// The socket directory argocd-cmp-server uses by default is mounted in
	// the repo-server, from the same volume.
	socket := filepath.Join(common.DefaultPluginSockFilePath, "krm-fn.sock")
	repo := container(pod.Containers, "argocd-repo-server")
	if a, b := mountOf(repo, socket), mountOf(sidecar, socket); a == nil || b == nil || a.Name != b.Name || a.MountPath != b.MountPath {
		t.Errorf("the repo-server and the sidecar do not share %s: %v, %v", socket, a, b)
	}

	// Every mount is of a volume of the pod.
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = true
	}
	for _, m := range sidecar.VolumeMounts {
		if !volumes[m.Name] {
			t.Errorf("the sidecar mounts volume %s, which the pod does not have", m.Name)
		}
	}

	// The image puts plugin.yaml where argocd-cmp-server reads it by default.
	dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(common.DefaultPluginConfigFilePath, common.PluginConfigFileName)
	if !strings.Contains(string(dockerfile), "COPY deploy/argocd/plugin.yaml "+config+"\n") {
		t.Errorf("the Dockerfile does not copy deploy/argocd/plugin.yaml to %s", config)
	}

	// The Helm values add the same container and volume.
	var values struct {
		RepoServer struct {
			ExtraContainers []corev1.Container `json:"extraContainers"`
			Volumes         []corev1.Volume    `json:"volumes"`
		} `json:"repoServer"`
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy", "argocd", "helm-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, &values); err != nil {
		t.Fatalf("helm-values.yaml: %v", err)
	}
	if len(values.RepoServer.ExtraContainers) != 1 {
		t.Fatalf("helm-values.yaml has %d extra containers, want 1", len(values.RepoServer.ExtraContainers))
	}
	helm := values.RepoServer.ExtraContainers[0]
	helm.Image = sidecar.Image
	if diff := gocmp.Diff(*sidecar, helm); diff != "" {
		t.Errorf("the Helm values' container differs from the manifests' (-manifests +helm):\n%s", diff)
	}
	for _, v := range values.RepoServer.Volumes {
		if !volumes[v.Name] {
			t.Errorf("the Helm values add volume %s, which the manifests do not", v.Name)
		}
	}
	docs, err := os.ReadFile(filepath.Join(root, "docs", "argocd.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(docs), string(b)) {
		t.Error("docs/argocd.md does not show deploy/argocd/helm-values.yaml as it is")
	}
}

func findDeployment(t *testing.T, r io.Reader, name string) *appsv1.Deployment {
	t.Helper()
	docs := utilyaml.NewYAMLReader(bufio.NewReader(r))
	for {
		doc, err := docs.Read()
		if err == io.EOF {
			t.Fatalf("no Deployment %s", name)
		}
		if err != nil {
			t.Fatal(err)
		}
		var d appsv1.Deployment
		if err := yaml.Unmarshal(doc, &d); err != nil {
			t.Fatal(err)
		}
		if d.Kind == "Deployment" && d.Name == name {
			return &d
		}
	}
}

func container(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

// mountOf is the mount of c that holds path.
func mountOf(c *corev1.Container, path string) *corev1.VolumeMount {
	if c == nil {
		return nil
	}
	for i, m := range c.VolumeMounts {
		if strings.HasPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/") {
			return &c.VolumeMounts[i]
		}
	}
	return nil
}
