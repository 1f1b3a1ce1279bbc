package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/kustomization"
	"github.com/krmfn/krm-fn/internal/repofile"
	"sigs.k8s.io/kustomize/api/types"
)

// maxWalk bounds the directories Overlays looks at.
const maxWalk = 100000

// Overlays lists the directories under root, in order, whose
// kustomization (a Kustomization, not a Component) runs krm-fn: lists an
// exposure.krmfn.io function config itself or through what it includes,
// read within the repository repo (which holds root) as a build reads it
// (regular files, nothing outside, bounded). Hidden directories, those
// the repository's krmio.IgnoreFile skips (and testdata), and those of
// skip are not looked into; symbolic links to directories are not
// followed.
func Overlays(root, repo string, skip []string) ([]string, error) {
	cfs, err := newConfinedFS(repo, krmio.MaxInputBytes)
	if err != nil {
		return nil, err
	}
	ig, err := krmio.LoadIgnore(repo)
	if err != nil {
		return nil, err
	}
	var dirs []string
	walked := 0
	known := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case !d.IsDir():
			return nil
		case path != root && (ig.Skip(path, true) || slices.Contains(skip, path)):
			return filepath.SkipDir
		}
		if walked++; walked > maxWalk {
			return fmt.Errorf("more than %d directories under %s: krm-fn stops there", maxWalk, root)
		}
		kf, err := kustomization.Read(cfs, path)
		if errors.Is(err, kustomization.ErrNone) || err == nil && kf.Kustomization.Kind == types.ComponentKind {
			return nil
		}
		if err != nil {
			dirs = append(dirs, path) // the build will say what is wrong with it
			return nil
		}
		// One whose walk stops is built too: the build says why it stops,
		// rather than a hook passing over it.
		if files, err := functions(path, repo, known); err != nil || len(files) > 0 {
			dirs = append(dirs, path)
		}
		return nil
	})
	return dirs, err
}

// RepositoryRoot is the git work tree holding dir, found as git finds it
// from there: the nearest directory at or above dir with a .git that is
// a repository (a directory holding HEAD, or a file "gitdir: ..." of a
// linked worktree or a submodule), wherever the command runs from; else
// the current directory if it holds dir, else dir.
func RepositoryRoot(dir string) string {
	root, _ := gitRoot(dir)
	return root
}

// gitRoot is RepositoryRoot of dir, and whether it is a git work tree.
func gitRoot(dir string) (string, bool) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir, false
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for d := abs; ; d = filepath.Dir(d) {
		if isGitDir(filepath.Join(d, ".git")) {
			return d, true
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if wd, err := os.Getwd(); err == nil {
		if real, err := filepath.EvalSymlinks(wd); err == nil {
			wd = real
		}
		if rel, err := filepath.Rel(wd, abs); err == nil && filepath.IsLocal(rel) || rel == "." {
			return wd, false
		}
	}
	return dir, false
}

// InGitWorkTree says whether a git work tree holds dir (RepositoryRoot
// found one).
func InGitWorkTree(dir string) bool {
	_, ok := gitRoot(dir)
	return ok
}

// isGitDir says whether path is what git takes for a repository's .git:
// a directory with HEAD, or a file naming one ("gitdir: ").
func isGitDir(path string) bool {
	info, err := os.Lstat(path)
	switch {
	case err != nil:
		return false
	case info.IsDir():
		head, err := os.Lstat(filepath.Join(path, "HEAD"))
		return err == nil && head.Mode().IsRegular()
	case info.Mode().IsRegular():
		b, err := repofile.Read(path, 4096)
		return err == nil && strings.HasPrefix(string(b), "gitdir: ")
	}
	return false
}
