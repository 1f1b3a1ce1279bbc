package cli

import (
	"github.com/krmfn/krm-fn/internal/importer"
	"github.com/spf13/cobra"
)

// ExitStatus is an error that ends the process with its own status
// (krm-fn import's).
type ExitStatus = importer.ExitStatus

func newImportCommand() *cobra.Command {
	var verify bool
	var domain, name string
	cmd := &cobra.Command{
		Use:   "import FILE|DIR...",
		Short: "Turn hand-written Ingress, Istio and Service manifests into an ExposurePlatform and ServiceExposures",
		Long: `import reads hand-written manifests (multi-document YAML files, directories
recursively, or kustomize build output on stdin as "-"): ALB Ingresses
(extensions/v1beta1, networking.k8s.io/v1beta1 and v1), Istio Gateways,
VirtualServices and DestinationRules (networking.istio.io v1alpha3, v1beta1,
v1), Services and Namespaces. It prints the ExposurePlatform and one
ServiceExposure per exposed Service, by namespace and name, that render the
same routing, with short hosts under the platform's domain. Other objects
are left out: they stay as they are.

Every source setting it cannot carry over is one line on stderr (file,
object, field, why); a "note:" line is something the rendering does
differently that loses nothing the source said.

--verify renders what it printed, in process, and compares the routing
with the input's: hosts, matches in order, destinations, weights, subsets,
rewrites, header operations, timeouts, retries, faults, mirrors, CORS,
traffic policies, the namespaces the mesh routing is exported to and the
ALB settings, apart from the modernisations
(current API versions, the health check, the redirect at the ALB; see
docs/adoption.md). Every difference is one line on stderr.

Exit status: 0 when everything was carried over (and --verify found no
difference), 1 when the input cannot be read, 2 when a setting was not
carried over or krm-fn's own checks refuse a value of the import (each
named on stderr: a certificate ARN left as a placeholder, say), 3 when
--verify found a difference in the routing.`,
		Example: `  # an environment's manifests, checked by rendering the result
  krm-fn import --verify manifests/ > exposures.yaml

  # what kustomize builds today
  kustomize build overlays/prd | krm-fn import -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := importer.Options{Name: name}
			if cmd.Flags().Changed("domain") {
				opts.Domain = &domain
			}
			return importer.Run(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, opts, verify)
		},
	}
	cmd.Flags().BoolVar(&verify, "verify", false, "render what is printed and compare its routing with the input's")
	cmd.Flags().StringVar(&domain, "domain", "", `the platform's domain (default: the one most hosts are one label under; "" for none)`)
	cmd.Flags().StringVar(&name, "name", "imported", "the name of the ExposurePlatform")
	return cmd
}
