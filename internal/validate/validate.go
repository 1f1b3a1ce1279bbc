// Package validate is krm-fn validate: the specs of a repository judged
// as kustomize builds them (every overlay that runs krm-fn, built as
// krm-fn render builds it), and the specs no overlay reads judged as one
// environment.
package validate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/render"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Overlay builds the overlay in dir, in the repository root, as krm-fn
// render does, giving krm-fn's problems and warnings to results (the
// command line builds each under the process's guard).
type Overlay func(dir, root string, results func(framework.Results)) ([]byte, error)

// Options say how to validate.
type Options struct {
	// Build builds an overlay.
	Build Overlay
	// Root is the repository: "" for the git work tree holding each path
	// (render.RepositoryRoot).
	Root string
	// Format is how problems are printed (Formats): text on stderr, json
	// or github on stdout. Default: text.
	Format string
}

// Run is krm-fn validate of paths: it builds the overlays under the
// directories of paths, each in the repository that holds it, and checks
// the specs of the other files; it prints every problem once (a base's
// problem, found by every overlay that builds it, names them), and the
// error says how many there were.
func Run(stdout, stderr io.Writer, paths []string, o Options) error {
	err := run(stdout, stderr, paths, o)
	if err == nil || errors.As(err, new(counted)) {
		return err
	}
	// An error that ends the run (a directory that cannot be walked, say)
	// names what the repository holds: one line, and with -o github an
	// annotation too, escaped as every other.
	if o.Format == FormatGitHub {
		fmt.Fprintln(stdout, "::error title=krm-fn::"+escapeData(err.Error()))
	}
	return errors.New(krmio.OneLine(err.Error()))
}

// counted is the error of a run that printed its problems: how many.
type counted struct{ error }

func run(stdout, stderr io.Writer, paths []string, o Options) error {
	var overlays []string
	roots := map[string]string{}
	read := map[string]bool{} // the files the overlays read, resolved
	for _, p := range paths {
		if info, err := os.Stat(p); err != nil || !info.IsDir() {
			continue
		}
		root := o.root(p)
		found, err := render.Overlays(p, root, nil)
		if err != nil {
			return fmt.Errorf("krm-fn validate: %w", err)
		}
		for _, dir := range found {
			if slices.Contains(overlays, dir) {
				continue
			}
			overlays = append(overlays, dir)
			roots[dir] = root
			files, err := render.Sources(dir, root)
			if err != nil {
				return fmt.Errorf("krm-fn validate: %s: %w", dir, err)
			}
			for _, f := range files {
				read[f] = true
			}
		}
	}
	var report Report
	failed := 0
	for _, dir := range overlays {
		if _, err := o.Build(dir, roots[dir], report.Results(dir)); err != nil {
			report.AddBuildError(dir, err)
			failed++
		}
	}

	files, err := list(paths, o)
	if err != nil {
		return fmt.Errorf("krm-fn validate: %w", err)
	}
	var rest []krmio.File
	for _, f := range files {
		if real, err := filepath.EvalSymlinks(f.Path); err == nil {
			if abs, err := filepath.Abs(real); err == nil && read[abs] {
				continue // judged by the overlays that read it
			}
		}
		rest = append(rest, f)
	}
	exposures, platforms, err := validateSpecs(&report, rest)
	if err != nil {
		return err
	}
	if len(overlays) == 0 && exposures == 0 && platforms == 0 && report.Errors() == 0 {
		return fmt.Errorf("krm-fn validate: no %s ServiceExposure or ExposurePlatform in %s", v1alpha1.Group, strings.Join(paths, " "))
	}
	problems := stderr
	if o.Format == FormatJSON || o.Format == FormatGitHub {
		problems = stdout
	}
	if err := report.Write(problems, o.Format, platforms); err != nil {
		return err
	}
	if errs := report.Errors(); failed > 0 || errs > 0 {
		var parts []string
		if failed > 0 {
			parts = append(parts, fmt.Sprintf("%d of %s do not build", failed, plural(len(overlays), "overlay")))
		}
		if errs > 0 {
			what := plural(errs, "error")
			if exposures+platforms > 0 && platforms == 0 {
				what += " (no ExposurePlatform among the files: checked with the built-in defaults, which set no domain)"
			}
			parts = append(parts, what)
		}
		return counted{fmt.Errorf("krm-fn validate: %s", strings.Join(parts, "; "))}
	}
	var parts []string
	if len(overlays) > 0 {
		parts = append(parts, plural(len(overlays), "overlay")+" built")
	}
	if exposures+platforms > 0 {
		parts = append(parts, fmt.Sprintf("%s and %s valid", plural(exposures, "ServiceExposure"), plural(platforms, "ExposurePlatform")))
	}
	summary := stdout
	if problems == stdout {
		summary = stderr
	}
	fmt.Fprintf(summary, "krm-fn validate: %s\n", strings.Join(parts, "; "))
	return nil
}

// list lists the files of paths, each directory walked as its
// repository's krmio.IgnoreFile says.
func list(paths []string, o Options) ([]krmio.File, error) {
	var files []krmio.File
	seen := map[string]bool{}
	for _, p := range paths {
		ig, err := krmio.LoadIgnore(o.root(p))
		if err != nil {
			return nil, err
		}
		fs, err := krmio.List([]string{p}, ig)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if !seen[filepath.Clean(f.Path)] {
				seen[filepath.Clean(f.Path)] = true
				files = append(files, f)
			}
		}
	}
	return files, nil
}

// root is the repository of path: o.Root, else the git work tree
// holding it.
func (o Options) root(path string) string {
	if o.Root != "" {
		return o.Root
	}
	return render.RepositoryRoot(path)
}

// validateSpecs runs the function's checks over the objects of files
// and adds every problem to report: how many exposures and platforms
// there were.
func validateSpecs(report *Report, files []krmio.File) (exposures, platforms int, err error) {
	var platformNodes, others []*yaml.RNode
	var in krmio.Files
	for _, f := range files {
		nodes, err := in.Read(nil, f.Path)
		if err != nil {
			if f.Walked && !krmio.MentionsGroup(f.Path, v1alpha1.Group) {
				continue // YAML of something else, found under a directory
			}
			report.AddFileError(f.Path, err) // and the other files still judged
			continue
		}
		for _, n := range nodes {
			switch {
			case f.Walked && (n.GetApiVersion() == "" || n.GetKind() == ""):
				continue // not a Kubernetes object
			case v1alpha1.KindOf(n.GetApiVersion(), n.GetKind()) == v1alpha1.KindExposurePlatform:
				platformNodes = append(platformNodes, n)
				continue
			case v1alpha1.InGroup(n.GetApiVersion()) && n.GetKind() == string(v1alpha1.KindServiceExposure):
				exposures++
			}
			others = append(others, n)
		}
	}
	if exposures == 0 && len(platformNodes) == 0 {
		return 0, 0, nil
	}

	// One render per environment; a problem found under every platform is
	// printed once, one found under some of them says under which.
	envs := platformNodes
	if len(envs) == 0 {
		envs = []*yaml.RNode{nil}
	}
	for _, p := range envs {
		items := make([]*yaml.RNode, len(others))
		for i, n := range others {
			items[i] = n.Copy() // a render labels Namespaces and workloads
		}
		rs := fn.Check(p, items, in.Source) // the checks, without building the objects
		for _, r := range rs {
			platform := ""
			if p != nil && (r.ResourceRef == nil || r.ResourceRef.Kind != string(v1alpha1.KindExposurePlatform)) {
				platform = p.GetName()
			}
			report.AddResults("", platform, framework.Results{r})
		}
	}
	return exposures, len(platformNodes), nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
