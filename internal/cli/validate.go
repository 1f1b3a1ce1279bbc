package cli

import (
	"io"

	"github.com/krmfn/krm-fn/internal/validate"
	"github.com/spf13/cobra"
)

func (a app) newValidateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE|DIR...",
		Short: "Check ServiceExposure and ExposurePlatform specs without rendering them",
		Long: `validate judges specs as kustomize builds them. Under each DIR, every overlay
that runs krm-fn (a kustomization, not a Component, that lists a krm-fn
function config itself or through what it includes) is built in process,
as krm-fn render builds it, and its problems are printed: a base spec whose
namespace the overlay sets, or a patch file holding part of a spec, is
judged by the overlays that use it.

The other files (FILEs, and the .yaml/.yml files under each DIR that no
such overlay reads) are one environment: every ServiceExposure and
ExposurePlatform among them runs the checks a render runs (strict
decoding, defaults, validation, the checks across exposures), each
ExposurePlatform with every ServiceExposure; with none, the built-in
defaults apply, which have no domain. Other objects (Services, Namespaces,
workloads) take part as they would in a render. Under a DIR, hidden files
and directories, kustomization files and YAML that is no Kubernetes object
(no apiVersion and kind) are skipped.

Every problem is printed on stderr, naming the overlay or the file, the
object and the field, and the exit status is 1 when there is any.`,
		Example: `  # every overlay of the repository, and any spec no overlay uses
  krm-fn validate .

  # the prd environment of the example, from its files
  krm-fn validate overlays/prd/platform.yaml bases/

  # one spec on its own (its hosts must then be fully qualified)
  krm-fn validate exposure.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return validate.Run(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, a.validateOverlay)
		},
	}
}

// validateOverlay builds the overlay in dir, in the repository root, as
// krm-fn render does (renderOverlay), for validate.
func (a app) validateOverlay(dir, root string, stderr io.Writer) ([]byte, error) {
	return a.renderOverlay("validate", dir, root, stderr)
}
