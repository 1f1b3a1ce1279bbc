package render

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
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// maxWalk bounds the directories Overlays looks at.
const maxWalk = 100000

// Overlays lists the directories under root, in order, whose
// kustomization (a Kustomization, not a Component) runs krm-fn: lists an
// exposure.krmfn.io function config itself or through what it includes
// (within the repository repo, which holds root). Hidden directories and
// those of skip are not looked into.
func Overlays(root, repo string, skip []string) ([]string, error) {
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
		if files, err := Functions(path, repo); err == nil && len(files) > 0 {
			dirs = append(dirs, path)
		}
		return nil
	})
	return dirs, err
}

// RepositoryRoot is the git work tree holding dir (the nearest directory
// above it with a .git), else the current directory if it holds dir, else
// dir.
func RepositoryRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, abs); err == nil && filepath.IsLocal(rel) || rel == "." {
			return wd
		}
	}
	return dir
}

// Overlay renders the overlay in dir as Render does, for a command that
// renders many (krm-fn's command, for its messages): its problems go to
// stderr, under a line naming the overlay.
func Overlay(command, dir string, o Options, stderr io.Writer) ([]byte, error) {
	var problems bytes.Buffer
	o.Stderr, o.Notes = &problems, io.Discard
	b, err := Render(dir, o)
	if err != nil {
		fmt.Fprintf(stderr, "krm-fn %s: %s:\n", command, dir)
		stderr.Write(problems.Bytes())
		fmt.Fprintln(stderr, strings.TrimRight(err.Error(), "\n"))
		return nil, err
	}
	stderr.Write(problems.Bytes()) // warnings
	return b, nil
}
