package fn

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The environment Argo CD gives a config management plugin: the
// Application's spec.source.plugin.env entries prefixed ARGOCD_ENV_, and the
// destination cluster's version and API versions.
const (
	envOverlay         = "ARGOCD_ENV_OVERLAY"
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

func newArgoCDCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "argocd",
		Short: "What Argo CD's config management plugin runs (plugin.yaml; see docs/argocd.md)",
		Long: `The commands deploy/argocd/plugin.yaml gives argocd-cmp-server. They run in
the application's directory with the environment Argo CD sets: the
Application's plugin env as ARGOCD_ENV_<NAME>, KUBE_VERSION and
KUBE_API_VERSIONS of the destination cluster.

  ARGOCD_ENV_OVERLAY      the kustomization to render, relative to the
                          application's path (default: the path itself)
  ARGOCD_ENV_ALLOW_EMPTY  "true": an overlay may render no objects
  ARGOCD_ENV_CHECK_API_VERSIONS
                          "false": do not check KUBE_API_VERSIONS (for an
                          application that installs Istio's CRDs itself)`,
	}
	discover := &cobra.Command{
		Use:   "discover [DIR]",
		Short: "Print the files that make the overlay a krm-fn kustomization (none: not ours)",
		Long: `discover prints the files of the overlay's kustomization, and of the local
kustomizations it includes (resources, components, generators,
transformers, validators), that hold an exposure.krmfn.io object with a
config.kubernetes.io/function annotation: a function config kustomize runs
krm-fn for. Argo CD takes any output as "this plugin renders the
application". DIR is the overlay (default "."). An Application that sets
the plugin env OVERLAY is always claimed: only one meant for this plugin
sets it.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && os.Getenv(envOverlay) != "" {
				// Only an Application meant for this plugin sets its env;
				// generate reports a wrong overlay better than "no plugin".
				fmt.Fprintf(cmd.OutOrStdout(), "%s=%s\n", envOverlay, os.Getenv(envOverlay))
				return nil
			}
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			for _, f := range discover(dir) {
				fmt.Fprintln(cmd.OutOrStdout(), f)
			}
			return nil
		},
	}
	generate := &cobra.Command{
		Use:   "generate",
		Short: "Render the overlay with kustomize: the manifests on stdout, or the problems on stderr and exit 1",
		Long: `generate runs "kustomize build --enable-alpha-plugins --enable-exec" (the
kustomize on PATH) on the overlay and prints the manifests only when the
build succeeded: a failed build prints kustomize's (and krm-fn's)
messages on stderr and nothing on stdout, so Argo CD shows the error and
never applies or prunes half an application. An empty rendering is an
error too (Argo CD would prune everything) unless ARGOCD_ENV_ALLOW_EMPTY is
"true". When KUBE_API_VERSIONS is set, the rendered Istio and Ingress
objects' API versions must be among them (unless
ARGOCD_ENV_CHECK_API_VERSIONS is "false").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return generateForArgoCD(cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.AddCommand(showErrors(discover), showErrors(generate))
	return cmd
}

// overlayDir is the directory to render: ARGOCD_ENV_OVERLAY, relative and
// inside the application's directory, else the application's directory.
func overlayDir() (string, error) {
	dir := os.Getenv(envOverlay)
	if dir == "" {
		return ".", nil
	}
	if !filepath.IsLocal(dir) {
		return "", fmt.Errorf("krm-fn: %s=%q must be a path inside the application's directory (relative, without ..)", envOverlay, dir)
	}
	return dir, nil
}

// discover lists the files that hold an exposure.krmfn.io function config
// in the kustomization of dir and the local kustomizations it includes;
// none when dir is not a kustomization.
func discover(dir string) []string {
	var found []string
	seen := map[string]bool{}
	var walk func(dir string)
	walk = func(dir string) {
		k := readKustomization(dir)
		if k == nil || seen[dir] {
			return
		}
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

// readKustomization reads the kustomization of dir; nil if there is none
// or kustomize could not read it either.
func readKustomization(dir string) *types.Kustomization {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		k := &types.Kustomization{}
		if err := k.Unmarshal(b); err != nil {
			return nil
		}
		k.FixKustomization()
		return k
	}
	return nil
}

// hasFunctionConfig says whether the YAML documents of b include an
// exposure.krmfn.io object that names a function to run.
func hasFunctionConfig(b []byte) bool {
	if !bytes.Contains(b, []byte(Group+"/")) {
		return false
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
	return err == nil && slices.ContainsFunc(nodes, func(n *yaml.RNode) bool {
		_, isFunction := n.GetAnnotations()[runtimeutil.FunctionAnnotationKey]
		return isOurs(n) && isFunction
	})
}

// generateForArgoCD renders the overlay as the plugin's generate command.
func generateForArgoCD(stdout, stderr io.Writer) error {
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
