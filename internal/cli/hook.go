package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/render"
	"github.com/krmfn/krm-fn/internal/repofile"
	"github.com/krmfn/krm-fn/internal/validate"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// newHookCommand is `krm-fn hook`: what the pre-commit hooks run
// (.pre-commit-hooks.yaml; docs/pre-commit.md).
func (a app) newHookCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hook",
		Short: "What the pre-commit hooks run: check or render every overlay of the repository (docs/pre-commit.md)",
		Long: `The commands of the pre-commit hooks. They run from the repository's root and
build, in process and as krm-fn render does (no kustomize needed), every
overlay of the repository that runs krm-fn: a kustomization (not a
Component) that lists an exposure.krmfn.io function config itself or
through what it includes. Hidden directories, directories named testdata
and what the repository's .krmfnignore names are skipped (as krm-fn
validate skips them).`,
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Build every overlay that runs krm-fn; print every problem and fail if there is any",
		Long: `check builds every overlay of the repository that runs krm-fn, as krm-fn
render does, and prints every problem of every overlay: each one names the
overlay, then the object and the field. Specs are judged as kustomize
builds them, so a patch file or a base whose namespace an overlay sets is
fine as long as the overlays that use it build.`,
		Args: cobra.ArbitraryArgs, // pre-commit may pass file names; every overlay is checked
		RunE: func(cmd *cobra.Command, _ []string) error {
			overlays, err := render.Overlays(".", ".", nil)
			if err != nil {
				return err
			}
			var report validate.Report
			failed := 0
			for _, dir := range overlays {
				if _, err := a.renderOverlay(dir, ".", report.Results(dir)); err != nil {
					report.AddBuildError(dir, err)
					failed++
				}
			}
			if err := report.Write(cmd.ErrOrStderr(), validate.FormatText, 0); err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("krm-fn hook check: %d of %d overlays do not build", failed, len(overlays))
			}
			return nil
		},
	}
	out := "rendered"
	renderCmd := &cobra.Command{
		Use:   "render [OVERLAY...]",
		Short: "Write each overlay's rendering to OUT/<overlay>.yaml; fail when that changed a file",
		Long: `render writes the rendering of each OVERLAY (default: every overlay of the
repository that runs krm-fn) to OUT/<overlay path>.yaml, replacing each
file atomically, and fails when a file changed: the rendered manifests are
committed with their sources, so a review shows what a change does. An
overlay that does not build leaves its file as it was.`,
		Example: `  krm-fn hook render                      # rendered/overlays/prd.yaml, ...
  krm-fn hook render --out manifests overlays/prd`,
		RunE: func(cmd *cobra.Command, args []string) error {
			dirs := args
			if len(dirs) == 0 {
				var err error
				if dirs, err = render.Overlays(".", ".", []string{out}); err != nil {
					return err
				}
			}
			// The hook writes inside the repository only: every directory
			// on the way resolves inside it, symbolic links included.
			repo, err := os.OpenRoot(".")
			if err != nil {
				return err
			}
			defer repo.Close()
			var report validate.Report
			defer func() { _ = report.Write(cmd.ErrOrStderr(), validate.FormatText, 0) }()
			changed, failed := 0, 0
			for _, dir := range dirs {
				dir = filepath.Clean(dir)
				name := dir
				if name == "." {
					name = "root"
				}
				dst := filepath.Join(out, name+".yaml")
				b, err := a.renderOverlay(dir, ".", report.Results(dir))
				if err != nil {
					report.AddBuildError(dir, err)
					fmt.Fprintf(cmd.ErrOrStderr(), "krm-fn hook render: %s does not build; %s is left as it was\n", dir, dst)
					failed++
					continue
				}
				if old, err := repofile.ReadIn(repo, dst, krmio.MaxInputBytes); err == nil && bytes.Equal(old, b) {
					continue
				}
				if err := repofile.WriteIn(repo, dst, bytes.NewReader(b), 0o644); err != nil {
					return fmt.Errorf("krm-fn hook render: writing %s: %w (it writes inside the repository only, and follows no symbolic link out of it)", dst, err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "krm-fn hook render: %s was not the rendering of %s: rewrote it; review and git add it\n", dst, dir)
				changed++
			}
			if changed+failed > 0 {
				return fmt.Errorf("krm-fn hook render: %d rendered files rewritten, %d overlays do not build", changed, failed)
			}
			return nil
		},
	}
	renderCmd.Flags().StringVar(&out, "out", out, "the directory of the rendered manifests (the hook owns it)")
	cmd.AddCommand(check, renderCmd)
	return cmd
}

// overlayTimeout bounds the build of one overlay by the hooks and
// validate: far above any real overlay's (a 1000-service environment takes
// seconds), so that a repository cannot hold a commit or a CI job forever.
const overlayTimeout = 5 * time.Minute

// renderOverlay builds the overlay in dir as krm-fn render does, in the
// repository root, under the process's guard; krm-fn's problems and
// warnings go to results.
func (a app) renderOverlay(dir, root string, results func(framework.Results)) ([]byte, error) {
	o, err := a.options(&renderFlags{root: root}, dir)
	if err != nil {
		return nil, err
	}
	o.Stderr, o.Notes, o.Results = io.Discard, io.Discard, results
	var b []byte
	err = a.building(dir, overlayTimeout, func() (err error) {
		b, err = render.Render(dir, o)
		return err
	})
	return b, err
}
