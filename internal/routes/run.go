package routes

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/fn/model"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/render"
	"github.com/krmfn/krm-fn/internal/snapshot"
	"sigs.k8s.io/kustomize/api/konfig"
)

// Formats of krm-fn routes (-o).
const (
	FormatTable   = "table"   // a table to read in a terminal
	FormatJSON    = "json"    // Routes (or Diff), docs/routes.md
	FormatMermaid = "mermaid" // a Mermaid flowchart, fenced, for a pull request comment
)

// Formats are the formats routes prints.
var Formats = []string{FormatTable, FormatJSON, FormatMermaid}

// Overlay builds the overlay in dir, in repository root (its files those
// of tree when tree is set, else the disk's), as krm-fn render does,
// giving model the model krm-fn computes for it.
type Overlay func(dir, root string, tree *snapshot.Tree, model func(*model.Environment)) error

// Options say what routes reads and prints.
type Options struct {
	// Build builds an overlay.
	Build Overlay
	// Root is the repository: "" for the git work tree holding the input
	// (render.RepositoryRoot).
	Root string
	// Format is how to print (Formats); default FormatTable.
	Format string
	// Diff, if set, is what to compare the input with: a path (another
	// overlay, or file), or a git revision of the input's repository
	// (REV, or REV..REV2 for the input at two revisions).
	Diff string
	// Git is the git program, found before the process is sandboxed; ""
	// when there is none (then a revision is an error).
	Git string
	// Stdin is read for "-".
	Stdin io.Reader
	// Stderr receives krm-fn's problems with the specs read from files
	// (an overlay's go through Build).
	Stderr io.Writer
}

// ErrDifferent is the error of a diff that found differences, when the
// caller asked for one (--exit-code).
var ErrDifferent = errors.New("the routes differ")

// Run is krm-fn routes of paths: the table of their environment, or with
// o.Diff what changes from that to the input's; it prints nothing unless
// every side was read whole. It returns ErrDifferent with a diff that
// differs.
func Run(stdout io.Writer, paths []string, o Options) error {
	if o.Format == "" {
		o.Format = FormatTable
	}
	if o.Diff == "" {
		r, err := o.read(paths, nil)
		if err != nil {
			return err
		}
		return Write(stdout, r, o.Format)
	}
	oldSide, newSide, err := o.sides(paths)
	if err != nil {
		return err
	}
	defer oldSide.close()
	defer newSide.close()
	old, err := o.read(oldSide.paths, oldSide.rev)
	if err != nil {
		return err
	}
	cur, err := o.read(newSide.paths, newSide.rev)
	if err != nil {
		return err
	}
	d := Compare(old, cur)
	if err := WriteDiff(stdout, d, o.Format); err != nil {
		return err
	}
	if len(d.Changes) > 0 {
		return ErrDifferent
	}
	return nil
}

// side is one side of a diff: paths, at a revision of their repository
// (nil: on disk).
type side struct {
	paths []string
	rev   *revision
}

// revision is the files of a git revision.
type revision struct {
	name string
	tree *snapshot.Tree
}

func (s side) close() {
	if s.rev != nil {
		s.rev.tree.Close()
	}
}

// sides are what a diff compares: o.Diff when it is a path that exists,
// with paths; else paths at revision o.Diff (REV..REV2: at REV2 too)
// with paths on disk.
func (o Options) sides(paths []string) (side, side, error) {
	_, statErr := os.Lstat(o.Diff)
	isPath := statErr == nil
	if isPath && !o.revisionLike(o.Diff, paths) {
		return side{paths: []string{o.Diff}}, side{paths: paths}, nil
	}
	oldRev, newRev, two := strings.Cut(o.Diff, "..")
	if isPath {
		return side{}, side{}, fmt.Errorf("--diff %s: is both a path and a git revision: write ./%s for the path, or %s^{commit} for the revision", o.Diff, o.Diff, o.Diff)
	}
	if two && (oldRev == "" || newRev == "") {
		return side{}, side{}, fmt.Errorf("--diff %s: a range of revisions is REV..REV2, both named", o.Diff)
	}
	root := o.Root
	if root == "" {
		root = render.RepositoryRoot(paths[0])
	}
	if !two {
		rev, err := o.revision(root, oldRev)
		if err != nil {
			return side{}, side{}, err
		}
		return side{paths: paths, rev: rev}, side{paths: paths}, nil
	}
	a, err := o.revision(root, oldRev)
	if err != nil {
		return side{}, side{}, err
	}
	b, err := o.revision(root, newRev)
	if err != nil {
		a.tree.Close()
		return side{}, side{}, err
	}
	return side{paths: paths, rev: a}, side{paths: paths, rev: b}, nil
}

// revisionLike says whether d, a path that exists, may also be meant as
// a revision of the input's repository: a word git could resolve.
func (o Options) revisionLike(d string, paths []string) bool {
	if o.Git == "" || strings.ContainsAny(d, `/\.`) && !strings.Contains(d, "..") {
		return false
	}
	root := o.Root
	if root == "" {
		root = render.RepositoryRoot(paths[0])
	}
	_, err := snapshot.Resolve(o.Git, root, d)
	return err == nil
}

func (o Options) revision(root, rev string) (*revision, error) {
	if o.Git == "" {
		return nil, fmt.Errorf("--diff %s: no path of that name, and no git program to read a revision with", rev)
	}
	t, err := snapshot.Git(o.Git, root, rev)
	if err != nil {
		return nil, fmt.Errorf("--diff %s: %w", rev, err)
	}
	return &revision{name: rev, tree: t}, nil
}

// read is the routing of paths (at rev, if set): an overlay directory,
// or the function config file and the resources ("-": stdin; a lone "-"
// a ResourceList).
func (o Options) read(paths []string, rev *revision) (*Routes, error) {
	source := strings.Join(paths, " ")
	if rev != nil {
		source = rev.name + ":" + source
	}
	if rev != nil && len(paths) == 1 && paths[0] != "-" {
		// The revision's tree stands where the work tree really is.
		paths = []string{realPath(paths[0])}
	}
	var env *model.Environment
	if dir, ok, err := o.overlay(paths, rev, source); err != nil {
		return nil, err
	} else if ok {
		root := o.Root
		if root == "" {
			root = render.RepositoryRoot(dir)
		}
		var tree *snapshot.Tree
		if rev != nil {
			tree = rev.tree
		}
		if err := o.Build(dir, root, tree, func(e *model.Environment) { env = e }); err != nil {
			return nil, err
		}
		if env == nil {
			return nil, fmt.Errorf("%s: the kustomization runs no krm-fn (no ExposurePlatform among its transformers), so krm-fn renders no routes there: give an overlay that runs it, or an ExposurePlatform's file then this directory (krm-fn routes PLATFORM.yaml %s)", source, dir)
		}
		return Build(env, source), nil
	}
	if rev != nil {
		return nil, fmt.Errorf("%s: --diff with a revision reads an overlay directory (a kustomization), not files: give the overlay, or compare the files at the two revisions as paths", source)
	}
	p := &fn.Processor{Stderr: func() io.Writer { return o.Stderr }}
	var r *fn.Rendering
	var err error
	if len(paths) == 1 && paths[0] == "-" {
		var req *krmio.Request
		if req, err = krmio.ReadResourceList(o.Stdin); err != nil {
			return nil, err
		}
		r, err = p.Run(&req.ResourceList)
	} else {
		r, err = fn.RenderFiles(p, o.Stdin, paths)
	}
	if err != nil {
		return nil, err
	}
	return Build(r.Environment, source), nil
}

// overlay says whether paths are one overlay directory (it holds a
// kustomization); a directory that holds none is an error naming the
// overlays under it.
func (o Options) overlay(paths []string, rev *revision, shown string) (string, bool, error) {
	if len(paths) != 1 || paths[0] == "-" {
		return "", false, nil
	}
	dir := paths[0]
	isDir, hasKustomization := false, false
	if rev != nil {
		isDir = rev.tree.IsDir(dir)
		for _, k := range konfig.RecognizedKustomizationFileNames() {
			hasKustomization = hasKustomization || rev.tree.Exists(filepath.Join(dir, k))
		}
		if !isDir && !rev.tree.Exists(dir) {
			return "", false, fmt.Errorf("%s: no such file or directory at that revision", shown)
		}
	} else {
		info, err := os.Stat(dir)
		if err != nil {
			return "", false, err
		}
		isDir = info.IsDir()
		for _, k := range konfig.RecognizedKustomizationFileNames() {
			if _, err := os.Lstat(filepath.Join(dir, k)); err == nil {
				hasKustomization = true
			}
		}
	}
	switch {
	case !isDir:
		return "", false, nil
	case hasKustomization:
		return dir, true, nil
	}
	msg := fmt.Sprintf("%s: not an overlay (no kustomization.yaml): give an overlay directory, or the function config file then the resources (krm-fn routes platform.yaml bases/)", dir)
	if rev == nil {
		if found, err := render.Overlays(dir, render.RepositoryRoot(dir), nil); err == nil && len(found) > 0 {
			var names []string
			for _, f := range found {
				if rel, err := filepath.Rel(dir, f); err == nil {
					f = filepath.Join(dir, rel)
				}
				names = append(names, f)
			}
			slices.Sort(names)
			msg += "; the overlays under it: " + strings.Join(names, ", ")
		}
	}
	return "", false, errors.New(msg)
}

// realPath is path absolute, with the symbolic links of the part of it
// that exists on disk resolved.
func realPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	rest := ""
	for p := abs; ; p = filepath.Dir(p) {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(real, rest)
		}
		if filepath.Dir(p) == p {
			return abs
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}
