package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/internal/kustomization"
	"github.com/krmfn/krm-fn/internal/render"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// maxWalk bounds the directories the hooks look at for overlays.
const maxWalk = 100000

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
			overlays, err := findOverlays(".", ".", nil)
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
				if dirs, err = findOverlays(".", ".", []string{out}); err != nil {
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

// renderOverlay builds the overlay in dir as krm-fn render does, in the
// repository root; its problems go to stderr, under a line naming the
// overlay.
func (a app) renderOverlay(command, dir, root string, stderr io.Writer) ([]byte, error) {
	o, err := a.options(&renderFlags{root: root}, dir)
	if err != nil {
		return nil, err
	}
	var problems bytes.Buffer
	o.Stderr, o.Notes = &problems, io.Discard
	b, err := render.Render(dir, o)
	if err != nil {
		fmt.Fprintf(stderr, "krm-fn %s: %s:\n", command, dir)
		stderr.Write(problems.Bytes())
		fmt.Fprintln(stderr, strings.TrimRight(err.Error(), "\n"))
		return nil, err
	}
	stderr.Write(problems.Bytes()) // warnings
	return b, nil
}

// findOverlays lists the directories under root, in order, whose
// kustomization (a Kustomization, not a Component) runs krm-fn: lists an
// exposure.krmfn.io function config itself or through what it includes
// (within the repository repo, which holds root). Hidden directories and
// those of skip are not looked into.
func findOverlays(root, repo string, skip []string) ([]string, error) {
	fsys := filesys.MakeFsOnDisk()
	var dirs []string
	walked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case !d.IsDir():
			return nil
		case path != root && (strings.HasPrefix(d.Name(), ".") || slices.Contains(skip, path)):
			return filepath.SkipDir
		}
		if walked++; walked > maxWalk {
			return fmt.Errorf("more than %d directories under %s: krm-fn stops there", maxWalk, root)
		}
		kf, err := kustomization.Read(fsys, path)
		if errors.Is(err, kustomization.ErrNone) || err == nil && kf.Kustomization.Kind == types.ComponentKind {
			return nil
		}
		if err != nil {
			dirs = append(dirs, path) // kustomize will say what is wrong with it
			return nil
		}
		if files, err := render.Functions(path, repo); err == nil && len(files) > 0 {
			dirs = append(dirs, path)
		}
		return nil
	})
	return dirs, err
}
