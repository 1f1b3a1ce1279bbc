package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/internal/validate"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

func (a app) newValidateCommand() *cobra.Command {
	var root, format string
	cmd := &cobra.Command{
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
and directories, directories named testdata (test fixtures, by Go's
convention), what the repository's .krmfnignore names (patterns as in
.gitignore; "!testdata/" looks into them again), kustomization files and
YAML that is no Kubernetes object (no apiVersion and kind) are skipped.
The repository is the git work tree holding each path, found as git finds
it wherever validate runs (--root names another).

Every problem is printed once, naming its file and line, the object and
the field, and the overlays whose builds found it (a problem of a base is
one problem, whichever overlays use it); the exit status is 1 when there
is any. -o json prints them as a JSON list on stdout, -o github as GitHub
Actions annotations (on the pull request's files and lines). An overlay's
files are named from the repository's root, the other files as given: in
CI, run it from the repository's root.`,
		Example: `  # every overlay of the repository, and any spec no overlay uses
  krm-fn validate .

  # the prd environment of the example, from its files
  krm-fn validate overlays/prd/platform.yaml bases/

  # one spec on its own (its hosts must then be fully qualified)
  krm-fn validate exposure.yaml

  # in a GitHub Actions workflow: every problem on its file and line
  krm-fn validate -o github .`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(validate.Formats, format) {
				return fmt.Errorf("krm-fn validate: -o %s: want one of %s", format, strings.Join(validate.Formats, ", "))
			}
			return validate.Run(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, validate.Options{
				Build:  a.validateOverlay,
				Root:   root,
				Format: format,
			})
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", validate.FormatText, "how to print the problems: "+strings.Join(validate.Formats, ", "))
	cmd.Flags().StringVar(&root, "root", "", "the repository: nothing outside it is read (default: the git work tree holding each path)")
	return cmd
}

// validateOverlay builds the overlay in dir, in the repository root, as
// krm-fn render does (renderOverlay), for validate.
func (a app) validateOverlay(dir, root string, results func(framework.Results)) ([]byte, error) {
	return a.renderOverlay(dir, root, results)
}
