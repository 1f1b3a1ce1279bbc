package cli

import (
	"fmt"
	"os"

	"github.com/krmfn/krm-fn/internal/argocd"
	"github.com/spf13/cobra"
)

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
			if len(args) == 0 && os.Getenv(argocd.EnvOverlay) != "" {
				// Only an Application meant for this plugin sets its env;
				// generate reports a wrong overlay better than "no plugin".
				fmt.Fprintf(cmd.OutOrStdout(), "%s=%s\n", argocd.EnvOverlay, os.Getenv(argocd.EnvOverlay))
				return nil
			}
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			for _, f := range argocd.Discover(dir) {
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
			return argocd.Generate(cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.AddCommand(discover, generate)
	return cmd
}
