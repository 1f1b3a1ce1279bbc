package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/krmfn/krm-fn/internal/render"
	"github.com/spf13/cobra"
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
through what it includes. Hidden directories are skipped.`,
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
			failed := 0
			for _, dir := range overlays {
				if _, err := a.renderOverlay("hook", dir, ".", cmd.ErrOrStderr()); err != nil {
					failed++
				}
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
			changed, failed := 0, 0
			for _, dir := range dirs {
				dir = filepath.Clean(dir)
				name := dir
				if name == "." {
					name = "root"
				}
				dst := filepath.Join(out, name+".yaml")
				b, err := a.renderOverlay("hook", dir, ".", cmd.ErrOrStderr())
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "krm-fn hook render: %s does not build; %s is left as it was\n", dir, dst)
					failed++
					continue
				}
				if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, b) {
					continue
				}
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					return err
				}
				if err := writeAtomically(dst, bytes.NewReader(b), 0o644); err != nil {
					return err
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
