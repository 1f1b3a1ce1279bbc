package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/krmfn/krm-fn/internal/importer"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The exit statuses of krm-fn import (0: everything carried over).
const (
	importError      = 1
	importLossy      = 2
	importDifference = 3
)

// ExitStatus is an error that ends the process with its own status.
type ExitStatus struct {
	Code    int
	Message string
}

func (e ExitStatus) Error() string { return e.Message }

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
carried over, 3 when --verify found a difference in the routing.`,
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
			return runImport(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, opts, verify)
		},
	}
	cmd.Flags().BoolVar(&verify, "verify", false, "render what is printed and compare its routing with the input's")
	cmd.Flags().StringVar(&domain, "domain", "", `the platform's domain (default: the one most hosts are one label under; "" for none)`)
	cmd.Flags().StringVar(&name, "name", "imported", "the name of the ExposurePlatform")
	return cmd
}

func runImport(stdin io.Reader, stdout, stderr io.Writer, paths []string, opts importer.Options, verify bool) error {
	nodes, err := readManifests(stdin, paths)
	if err != nil {
		return ExitStatus{importError, fmt.Sprintf("krm-fn import: %v", err)}
	}
	res, err := importer.Import(nodes, opts)
	var probs importer.Problems
	if errors.As(err, &probs) {
		for _, p := range probs {
			fmt.Fprintln(stderr, p)
		}
		return ExitStatus{importError, fmt.Sprintf("krm-fn import: %d problems in the input; nothing was imported", len(probs))}
	}
	if err != nil {
		return ExitStatus{importError, fmt.Sprintf("krm-fn import: %v", err)}
	}
	out, err := res.YAML()
	if err != nil {
		return ExitStatus{importError, fmt.Sprintf("krm-fn import: %v", err)}
	}
	fmt.Fprint(stdout, out)
	lost := 0
	for _, l := range res.Losses {
		fmt.Fprintln(stderr, l)
		if !l.Note {
			lost++
		}
	}
	if verify {
		diffs, err := importer.Verify(nodes, res)
		if err != nil {
			return ExitStatus{importError, fmt.Sprintf("krm-fn import: --verify: %v", err)}
		}
		for _, d := range diffs {
			fmt.Fprintln(stderr, d)
		}
		if len(diffs) > 0 {
			return ExitStatus{importDifference, fmt.Sprintf("krm-fn import: --verify: %d routing differences between the input and the rendering of the import", len(diffs))}
		}
	}
	if lost > 0 {
		return ExitStatus{importLossy, fmt.Sprintf("krm-fn import: %d settings not carried over", lost)}
	}
	return nil
}

// readManifests reads the objects of paths ("-": stdin), directories
// recursively, as validate reads them; YAML of something else found under
// a directory is skipped.
func readManifests(stdin io.Reader, paths []string) ([]*yaml.RNode, error) {
	var in inputs
	return in.objects(stdin, paths, func(string) bool { return true })
}
