// Package argocd tests deploy/argocd/plugin.yaml in Argo CD's real
// argocd-cmp-server (built by hack/tools.sh argocd from this module), talking
// to it with Argo CD's own client code, as the repo-server does.
package argocd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argoproj/argo-cd/v3/cmpserver/apiclient"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/util/app/discovery"
	"github.com/argoproj/argo-cd/v3/util/cmp"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc/status"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// root is the krm-fn repository.
const root = "../.."

// tool finds a pinned tool from its environment variable (set by .ci/run
// from hack/tools.sh). CI must have it; elsewhere the test is skipped.
func tool(t *testing.T, env, hint string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("CI must set %s: %s", env, hint)
	}
	t.Skipf("%s is not set (%s)", env, hint)
	return ""
}

// krmFn is the krm-fn binary built from this checkout by TestMain.
var krmFn string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "krm-fn-argocd")
	if err != nil {
		panic(err)
	}
	krmFn = filepath.Join(dir, "krm-fn")
	build := exec.Command("go", "build", "-o", krmFn, "./cmd/krm-fn")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		panic("building krm-fn: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running argocd-cmp-server with the project's plugin.yaml.
type server struct {
	sockets string        // ARGOCD_PLUGINSOCKFILEPATH
	bin     string        // the sidecar's PATH: krm-fn and kustomize only
	log     *bytes.Buffer // its log, shown when a test fails
	pid     int           // the plugin's commands run as its children
	workFS  string        // what it unpacks repositories on: "disk" or "tmpfs"
}

// tmpfsMagic is statfs's type of a tmpfs (linux/magic.h).
const tmpfsMagic = 0x01021994

// startServer sets the sidecar up as the Dockerfile's argocd-cmp image and
// deploy/argocd do: plugin.yaml as the config, krm-fn on PATH, a socket
// directory and a work directory of its own. The PATH also holds the
// pinned kustomize, which the image does not: the attacks of
// attack_test.go name it (and /bin/sh) and must not get it run; the
// tests also build the example with it, to compare.
func startServer(t *testing.T) *server {
	t.Helper()
	cmpServer := tool(t, "ARGOCD_CMP_SERVER", "hack/tools.sh argocd builds it")
	kustomize := tool(t, "KUSTOMIZE", "hack/tools.sh kustomize builds it")

	dir := t.TempDir()
	s := &server{sockets: filepath.Join(dir, "plugins"), bin: filepath.Join(dir, "bin"), log: &bytes.Buffer{}}
	config := filepath.Join(dir, "config")
	for _, d := range []string{s.sockets, s.bin, config} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, krmFn, filepath.Join(s.bin, "krm-fn"), 0o755)
	copyFile(t, kustomize, filepath.Join(s.bin, "kustomize"), 0o755)
	copyFile(t, filepath.Join(root, "deploy", "argocd", "plugin.yaml"), filepath.Join(config, "plugin.yaml"), 0o644)

	// Where argocd-cmp-server unpacks each request's repository: the
	// sidecar's /tmp. KRMFN_ARGOCD_CMP_WORKDIR puts it elsewhere, such as
	// a tmpfs (an emptyDir of medium Memory; docs/argocd.md).
	work := filepath.Join(dir, "work")
	if d := os.Getenv("KRMFN_ARGOCD_CMP_WORKDIR"); d != "" {
		var err error
		if work, err = os.MkdirTemp(d, "cmp-work-"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(work) })
	}
	s.workFS = "disk"
	var fs syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(work), &fs); err == nil && fs.Type == tmpfsMagic {
		s.workFS = "tmpfs"
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, cmpServer, "--config-dir-path", config, "--logformat", "text")
	cmd.Env = []string{
		"PATH=" + s.bin,
		"HOME=" + dir,
		"ARGOCD_PLUGINSOCKFILEPATH=" + s.sockets,
		"ARGOCD_CMP_WORKDIR=" + work,
	}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.pid = cmd.Process.Pid
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("argocd-cmp-server log:\n%s", s.log)
		}
	})

	// The repo-server finds plugins by their sockets in this directory.
	t.Setenv("ARGOCD_PLUGINSOCKFILEPATH", s.sockets)
	sock := filepath.Join(s.sockets, "krm-fn.sock")
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			t.Fatalf("argocd-cmp-server did not create %s", sock)
		}
	}
	return s
}

// repoServerEnv is the environment the repo-server sends with a request
// (reposerver/repository: newEnv and getPluginEnvs), plus the
// Application's plugin env.
func repoServerEnv(sourcePath string, pluginEnv ...string) []string {
	env := []string{
		"ARGOCD_APP_NAME=shop-prd",
		"ARGOCD_APP_NAMESPACE=argocd",
		"ARGOCD_APP_PROJECT_NAME=default",
		"ARGOCD_APP_REVISION=0123456789abcdef0123456789abcdef01234567",
		"ARGOCD_APP_REVISION_SHORT=0123456",
		"ARGOCD_APP_REVISION_SHORT_8=01234567",
		"ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/shop.git",
		"ARGOCD_APP_SOURCE_PATH=" + sourcePath,
		"ARGOCD_APP_SOURCE_TARGET_REVISION=HEAD",
		"KUBE_VERSION=1.34.0",
		"KUBE_API_VERSIONS=" + strings.Join([]string{
			"apps/v1", "apps/v1/Deployment", "networking.istio.io/v1", "networking.istio.io/v1/Gateway",
			"networking.istio.io/v1/VirtualService", "networking.istio.io/v1/DestinationRule",
			"networking.k8s.io/v1", "networking.k8s.io/v1/Ingress", "v1", "v1/Namespace", "v1/Service",
		}, ","),
	}
	for _, e := range pluginEnv {
		env = append(env, "ARGOCD_ENV_"+e)
	}
	return env
}

// generate asks the plugin for the manifests of appPath in repo as the
// repo-server does: discovery (unless the Application names the plugin),
// then the repository streamed to GenerateManifest.
func generate(t *testing.T, repo, appPath, pluginName string, env []string) ([]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, client, err := discover(ctx, repo, appPath, pluginName, env)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return generateManifests(t, ctx, client, repo, appPath, env)
}

// discover is generate's first half, the plugin's discovery (separate so
// that the benchmark can time it alone).
func discover(ctx context.Context, repo, appPath, pluginName string, env []string) (io.Closer, apiclient.ConfigManagementPluginServiceClient, error) {
	conn, client, err := discovery.DetectConfigManagementPlugin(ctx, appPath, repo, pluginName, env, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("discovery: %w", err)
	}
	return conn, client, nil
}

// generateManifests is generate's second half: the repository streamed to
// the discovered plugin's GenerateManifest.
func generateManifests(t *testing.T, ctx context.Context, client apiclient.ConfigManagementPluginServiceClient, repo, appPath string, env []string) ([]string, error) {
	t.Helper()
	stream, err := client.GenerateManifest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmp.SendRepoStream(stream.Context(), appPath, repo, stream, env, nil); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return nil, err
	}
	return resp.GetManifests(), nil
}

// example copies the example's bases and overlays into a new repository.
func example(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	for _, d := range []string{"bases", "overlays"} {
		if err := os.CopyFS(filepath.Join(repo, d), os.DirFS(filepath.Join(root, d))); err != nil {
			t.Fatal(err)
		}
	}
	return repo
}

// TestPluginRendersOverlay is the Argo CD path end to end: the prd overlay's
// manifests from the plugin must be the objects kustomize build renders.
func TestPluginRendersOverlay(t *testing.T) {
	s := startServer(t)
	repo := example(t)
	want := kustomizeBuild(t, s, filepath.Join(repo, "overlays", "prd"))

	for _, tc := range []struct {
		name, appPath, pluginName string
		pluginEnv                 []string
	}{
		{"discovered", "overlays/prd", "", nil},
		{"named in the Application", "overlays/prd", "krm-fn", nil},
		{"overlay chosen by ARGOCD_ENV_OVERLAY", "overlays", "", []string{"OVERLAY=prd"}},
		{"overlay chosen by the parameter OVERLAY", "overlays", "krm-fn", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := repoServerEnv(tc.appPath, tc.pluginEnv...)
			if tc.pluginEnv == nil && tc.appPath == "overlays" {
				// spec.source.plugin.parameters: [{name: OVERLAY, string: prd}],
				// as the repo-server passes them (ApplicationSourcePluginParameters.Environ).
				prd := "prd"
				params := v1alpha1.ApplicationSourcePluginParameters{{Name: "OVERLAY", String_: &prd}}
				pe, err := params.Environ()
				if err != nil {
					t.Fatal(err)
				}
				env = append(env, pe...)
			}
			manifests, err := generate(t, repo, filepath.Join(repo, tc.appPath), tc.pluginName, env)
			if err != nil {
				t.Fatal(err)
			}
			got := parseManifests(t, manifests)
			if diff := gocmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("the plugin's manifests differ from kustomize build (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPluginDiscovery: the plugin claims overlays that run krm-fn, and
// nothing else: not the bases (they hold specs but no function config),
// nor an Application whose plugin env OVERLAY names no such overlay, even
// when it names the plugin.
func TestPluginDiscovery(t *testing.T) {
	startServer(t)
	repo := example(t)
	for _, app := range []string{"bases", "bases/cb-test-api", "overlays"} {
		_, err := generate(t, repo, filepath.Join(repo, app), "", repoServerEnv(app))
		if err == nil || !strings.Contains(err.Error(), "could not find plugin supporting the given repository") {
			t.Errorf("%s: the plugin claimed it (err %v)", app, err)
		}
	}
	for _, overlay := range []string{"../bases", "prdd", "../../../.."} {
		_, err := generate(t, repo, filepath.Join(repo, "overlays", "prd"), "krm-fn", repoServerEnv("overlays/prd", "OVERLAY="+overlay))
		if err == nil || !strings.Contains(err.Error(), `could not find cmp-server plugin with name "krm-fn" supporting the given repository`) {
			t.Errorf("OVERLAY=%s: the plugin claimed it (err %v)", overlay, err)
		}
	}
}

// TestPluginErrors: a bad spec, or a cluster without Istio's API, comes
// back as an error naming the object and field, never as manifests.
func TestPluginErrors(t *testing.T) {
	startServer(t)
	broken := example(t)
	writeFile(t, filepath.Join(broken, "overlays", "prd", "broken.yaml"), `apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: broken, namespace: prd-api}
spec:
  hosts: [broken]
  service: {port: 8080}
  routes:
  - backends:
    - {subset: v1, weight: 50}
`)
	kust := filepath.Join(broken, "overlays", "prd", "kustomization.yaml")
	b, err := os.ReadFile(kust)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, kust, strings.Replace(string(b), "- ../../bases\n", "- ../../bases\n- broken.yaml\n", 1))

	noIstio := repoServerEnv("overlays/prd")
	noIstio[len(noIstio)-1] = "KUBE_API_VERSIONS=v1,apps/v1,networking.k8s.io/v1"

	for _, tc := range []struct {
		name, repo string
		env        []string
		want       []string
	}{{
		name: "broken spec",
		repo: broken,
		env:  repoServerEnv("overlays/prd"),
		want: []string{
			`ServiceExposure prd-api/broken: spec.routes[0].backends: Invalid value: 50: the weights must sum to 100, they sum to 50`,
			`ServiceExposure prd-api/broken: spec.routes[0].backends[0].subset: Not found: "v1"`,
		},
	}, {
		name: "cluster without networking.istio.io/v1",
		repo: example(t),
		env:  noIstio,
		want: []string{"the destination cluster (Kubernetes 1.34.0) does not serve networking.istio.io/v1 (needs Istio 1.22 or later, with its CRDs)"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			manifests, err := generate(t, tc.repo, filepath.Join(tc.repo, "overlays", "prd"), "krm-fn", tc.env)
			if err == nil {
				t.Fatalf("the plugin rendered %d manifests, want an error", len(manifests))
			}
			if len(manifests) != 0 {
				t.Errorf("an error came with %d manifests", len(manifests))
			}
			msg := status.Convert(err).Message()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the error lacks %q:\n%s", w, msg)
				}
			}
		})
	}
}

// kustomizeBuild renders dir with the pinned kustomize and krm-fn, as a
// user's terminal would, and parses the objects.
func kustomizeBuild(t *testing.T, s *server, dir string) []map[string]any {
	t.Helper()
	objs := renderObjects(t, s, "kustomize", "build", "--enable-alpha-plugins", "--enable-exec", dir)
	if len(objs) < 10 {
		t.Fatalf("kustomize build %s rendered %d objects; the example has more", dir, len(objs))
	}
	return objs
}

// renderObjects runs a renderer from the sidecar's PATH and parses the
// objects it prints.
func renderObjects(t *testing.T, s *server, name string, args ...string) []map[string]any {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Env = append(os.Environ(), "PATH="+s.bin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	var docs []string
	r := utilyaml.NewYAMLReader(bufio.NewReader(&stdout))
	for {
		doc, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(doc))
	}
	return parseManifests(t, docs)
}

// parseManifests parses each manifest (YAML or JSON, one object each).
func parseManifests(t *testing.T, manifests []string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for _, m := range manifests {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(m), &obj); err != nil {
			t.Fatalf("a manifest does not parse: %v\n%s", err, m)
		}
		objs = append(objs, obj)
	}
	return objs
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
