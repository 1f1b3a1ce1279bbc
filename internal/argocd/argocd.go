// Package argocd is what krm-fn's Argo CD config management plugin runs
// (deploy/argocd/plugin.yaml; docs/argocd.md): discovery of the
// applications it renders, and their rendering.
package argocd

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/internal/kustomization"
	"sigs.k8s.io/kustomize/api/filesys"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The environment Argo CD gives a config management plugin: the
// Application's spec.source.plugin.env entries prefixed ARGOCD_ENV_, and the
// destination cluster's version and API versions.
const (
	EnvOverlay         = "ARGOCD_ENV_OVERLAY"
	envAllowEmpty      = "ARGOCD_ENV_ALLOW_EMPTY"
	envCheckAPI        = "ARGOCD_ENV_CHECK_API_VERSIONS"
	envKubeVersion     = "KUBE_VERSION"
	envKubeAPIVersions = "KUBE_API_VERSIONS"
)

// generatedGroupVersions are the API versions of what the function emits
// that a cluster may not serve, with what serves them.
var generatedGroupVersions = map[string]string{
	"networking.istio.io/v1": "Istio 1.22 or later, with its CRDs",
	"networking.k8s.io/v1":   "Kubernetes 1.19 or later",
}

// overlayDir is the directory to render: ARGOCD_ENV_OVERLAY, relative and
// inside the application's directory, else the application's directory.
func overlayDir() (string, error) {
	dir := os.Getenv(EnvOverlay)
	if dir == "" {
		return ".", nil
	}
	if !filepath.IsLocal(dir) {
		return "", fmt.Errorf("krm-fn: %s=%q must be a path inside the application's directory (relative, without ..)", EnvOverlay, dir)
	}
	return dir, nil
}

// Discover lists the files that hold an exposure.krmfn.io function config
// in the kustomization of dir and the local kustomizations it includes;
// none when dir is not a kustomization.
func Discover(dir string) []string {
	fsys := filesys.MakeFsOnDisk()
	var found []string
	seen := map[string]bool{}
	var walk func(dir string)
	walk = func(dir string) {
		kf, err := kustomization.Read(fsys, dir)
		if err != nil || seen[dir] {
			return // none, or kustomize could not read it either
		}
		k := kf.Kustomization
		seen[dir] = true
		for _, list := range [][]string{k.Resources, k.Components, k.Generators, k.Transformers, k.Validators} {
			for _, entry := range list {
				if strings.Contains(entry, "\n") { // an inline function config
					if hasFunctionConfig([]byte(entry)) {
						found = append(found, filepath.Join(dir, "kustomization"))
					}
					continue
				}
				path := filepath.Join(dir, entry)
				info, err := os.Stat(path)
				switch {
				case err != nil: // remote, or missing: kustomize will say
				case info.IsDir():
					walk(path)
				default:
					if b, err := os.ReadFile(path); err == nil && hasFunctionConfig(b) {
						found = append(found, path)
					}
				}
			}
		}
	}
	walk(filepath.Clean(dir))
	return slices.Compact(found)
}

// hasFunctionConfig says whether the YAML documents of b include an
// exposure.krmfn.io object that names a function to run.
func hasFunctionConfig(b []byte) bool {
	if !bytes.Contains(b, []byte(v1alpha1.Group+"/")) {
		return false
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
	return err == nil && slices.ContainsFunc(nodes, func(n *yaml.RNode) bool {
		_, isFunction := n.GetAnnotations()[runtimeutil.FunctionAnnotationKey]
		return v1alpha1.InGroup(n.GetApiVersion()) && isFunction
	})
}

// Generate renders the overlay as the plugin's generate command.
func Generate(stdout, stderr io.Writer) error {
	dir, err := overlayDir()
	if err != nil {
		return err
	}
	kustomize, err := exec.LookPath("kustomize")
	if err != nil {
		return fmt.Errorf("krm-fn: kustomize is not on PATH: the plugin's image must provide it (%w)", err)
	}
	var out bytes.Buffer
	build := exec.Command(kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	build.Stdout, build.Stderr = &out, stderr
	// Messages name the overlay as the repository does, not the sidecar's
	// copy of it.
	dir = filepath.Join(os.Getenv("ARGOCD_APP_SOURCE_PATH"), dir)
	if err := build.Run(); err != nil {
		return fmt.Errorf("krm-fn: kustomize build %s failed (%v); nothing was rendered", dir, err)
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(out.Bytes()), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return fmt.Errorf("krm-fn: kustomize build %s printed something that is not YAML: %w", dir, err)
	}
	if len(nodes) == 0 && os.Getenv(envAllowEmpty) != "true" {
		return fmt.Errorf("krm-fn: kustomize build %s rendered no objects, and Argo CD would prune every object of the application: "+
			"check the overlay, or set the Application's plugin env %s=true if that is intended", dir, strings.TrimPrefix(envAllowEmpty, "ARGOCD_ENV_"))
	}
	if err := servedByCluster(nodes); err != nil {
		return err
	}
	_, err = stdout.Write(out.Bytes())
	return err
}

// servedByCluster checks that the destination cluster serves the API
// versions of the generated kinds the rendering uses. Argo CD sets
// KUBE_API_VERSIONS ("group/version" and "group/version/Kind" entries);
// without it, nothing is checked.
func servedByCluster(nodes []*yaml.RNode) error {
	list := os.Getenv(envKubeAPIVersions)
	if list == "" || os.Getenv(envCheckAPI) == "false" {
		return nil
	}
	served := strings.Split(list, ",")
	var missing []string
	for _, n := range nodes {
		gv := n.GetApiVersion()
		if needs, ok := generatedGroupVersions[gv]; ok && !slices.Contains(served, gv) {
			if m := fmt.Sprintf("%s (needs %s)", gv, needs); !slices.Contains(missing, m) {
				missing = append(missing, m)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	cluster := "the destination cluster"
	if v := os.Getenv(envKubeVersion); v != "" {
		cluster += " (Kubernetes " + v + ")"
	}
	return fmt.Errorf("krm-fn: %s does not serve %s, which the rendered objects use; "+
		"if this application installs it, set the Application's plugin env %s=false",
		cluster, strings.Join(missing, " or "), strings.TrimPrefix(envCheckAPI, "ARGOCD_ENV_"))
}
