package cli

import (
	"time"

	"github.com/krmfn/krm-fn/internal/argocd"
	"github.com/spf13/cobra"
)

func (a app) newArgoCDCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "argocd",
		Short: "What Argo CD's config management plugin runs (plugin.yaml; see docs/argocd.md)",
		Long: `The commands deploy/argocd/plugin.yaml gives argocd-cmp-server. They run in
the application's directory with the environment Argo CD sets: the
Application's plugin parameters as PARAM_<NAME> (plugin.yaml announces
them) or its plugin env as ARGOCD_ENV_<NAME> (a parameter wins),
KUBE_VERSION and KUBE_API_VERSIONS of the destination cluster.

  OVERLAY             the kustomization to render, relative to the
                      application's path (default: the path itself)
  ALLOW_EMPTY         "true": an overlay may render no objects
  CHECK_API_VERSIONS  "false": do not check KUBE_API_VERSIONS (for an
                      application that installs Istio's or the Gateway
                      API's CRDs itself)`,
	}
	discover := &cobra.Command{
		Use:   "discover [DIR]",
		Short: "Print the files that make the overlay a krm-fn kustomization (none: not ours)",
		Long: `discover prints the files of the overlay's kustomization, and of the
kustomizations it includes (resources, components, generators,
transformers, validators), that hold an exposure.krmfn.io function config
(an ExposurePlatform or ServiceExposure with a config.kubernetes.io/function
annotation among its generators, transformers or validators). Argo CD takes
any output as "this plugin renders the application"; no output leaves the
application to another plugin. DIR is the overlay (default: the plugin env
OVERLAY, else "."). The walk stays inside the repository, follows no
remote reference and is bounded in depth and size, whatever the tree
(symbolic link loops included).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			}
			return argocd.Discover(cmd.OutOrStdout(), dir)
		},
	}
	var flags renderFlags
	generate := &cobra.Command{
		Use:   "generate",
		Short: "Render the overlay as krm-fn render does: the manifests on stdout, or the problems on stderr and exit 1",
		Long: `generate renders the overlay in process as "krm-fn render" does (the bytes
"kustomize build --enable-alpha-plugins --enable-exec" prints) and prints
the manifests only when the build succeeded: a failed build prints every
problem on stderr and nothing on stdout, so Argo CD shows the error and
never applies or prunes half an application. An empty rendering is an
error too (Argo CD would prune everything) unless ALLOW_EMPTY is "true".
When KUBE_API_VERSIONS is set, the API versions of the kinds krm-fn
renders that the rendering uses (Istio's, the Gateway API's, Ingress)
must be among them (unless CHECK_API_VERSIONS is "false").

The repository is untrusted: it can make the plugin run no program, fetch
nothing and read no file outside the repository (docs/security.md). The
flags are the plugin administrator's (plugin.yaml), never the
repository's.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			root, err := argocd.Root()
			if err != nil {
				return err
			}
			if flags.root == "" {
				flags.root = root
			}
			o, err := a.options(&flags, ".")
			if err != nil {
				return err
			}
			return a.building(argocd.Application(), flags.timeout, func() error {
				return argocd.Generate(cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
			})
		},
	}
	// Well under Argo CD's own limit (the repo-server's 90 s by default),
	// so that the application shows krm-fn's message, not a deadline.
	flags.timeout = 60 * time.Second
	flags.add(generate)
	cmd.AddCommand(discover, generate)
	return cmd
}
