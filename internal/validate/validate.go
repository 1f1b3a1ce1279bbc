// Package validate is krm-fn validate: the specs of a repository judged
// as kustomize builds them (every overlay that runs krm-fn, built as
// krm-fn render builds it), and the specs no overlay reads judged as one
// environment.
package validate

import (
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
// render does: its problems go to stderr, under a line naming the overlay
// (the command line builds each under the process's guard).
type Overlay func(dir, root string, stderr io.Writer) ([]byte, error)

// Run is krm-fn validate of paths: it builds the overlays under the
// directories of paths with build, each in the repository that holds it,
// and checks the specs of the other files; it prints every problem on
// stderr, and the error says how many there were.
func Run(stdout, stderr io.Writer, paths []string, build Overlay) error {
	var overlays []string
	read := map[string]bool{} // the files the overlays read, resolved
	for _, p := range paths {
		if info, err := os.Stat(p); err != nil || !info.IsDir() {
			continue
		}
		found, err := render.Overlays(p, render.RepositoryRoot(p), nil)
		if err != nil {
			return fmt.Errorf("krm-fn validate: %w", err)
		}
		for _, dir := range found {
			if slices.Contains(overlays, dir) {
				continue
			}
			overlays = append(overlays, dir)
			files, err := render.Sources(dir, render.RepositoryRoot(dir))
			if err != nil {
				return fmt.Errorf("krm-fn validate: %s: %w", dir, err)
			}
			for _, f := range files {
				read[f] = true
			}
		}
	}
	failed := 0
	for _, dir := range overlays {
		if _, err := build(dir, render.RepositoryRoot(dir), stderr); err != nil {
			failed++
		}
	}

	files, err := krmio.List(paths)
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
	exposures, platforms, errs, err := validateSpecs(stderr, rest)
	if err != nil {
		return err
	}
	switch {
	case len(overlays) == 0 && exposures == 0 && platforms == 0:
		return fmt.Errorf("krm-fn validate: no %s ServiceExposure or ExposurePlatform in %s", v1alpha1.Group, strings.Join(paths, " "))
	case failed > 0 || errs > 0:
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
		return fmt.Errorf("krm-fn validate: %s", strings.Join(parts, "; "))
	}
	var parts []string
	if len(overlays) > 0 {
		parts = append(parts, plural(len(overlays), "overlay")+" built")
	}
	if exposures+platforms > 0 {
		parts = append(parts, fmt.Sprintf("%s and %s valid", plural(exposures, "ServiceExposure"), plural(platforms, "ExposurePlatform")))
	}
	fmt.Fprintf(stdout, "krm-fn validate: %s\n", strings.Join(parts, "; "))
	return nil
}

// validateSpecs runs the function's checks over the objects of files and
// prints every problem on stderr: how many exposures, platforms and errors
// there were.
func validateSpecs(stderr io.Writer, files []krmio.File) (exposures, platforms, errs int, err error) {
	var platformNodes, others []*yaml.RNode
	var in krmio.Files
	for _, f := range files {
		nodes, err := in.Read(nil, f.Path)
		if err != nil {
			if f.Walked && !krmio.MentionsGroup(f.Path, v1alpha1.Group) {
				continue // YAML of something else, found under a directory
			}
			return 0, 0, 0, err
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
		return 0, 0, 0, nil
	}

	// One render per environment; a problem found under every platform is
	// printed once, one found under some of them says under which.
	envs := platformNodes
	if len(envs) == 0 {
		envs = []*yaml.RNode{nil}
	}
	var lines []string
	count := map[string]int{}
	under := map[string][]string{}
	for _, p := range envs {
		items := make([]*yaml.RNode, len(others))
		for i, n := range others {
			items[i] = n.Copy() // a render labels Namespaces and workloads
		}
		rs := fn.Check(p, items) // the checks, without building the objects
		for _, r := range rs {
			line := krmio.FormatResult(r)
			if count[line] == 0 {
				lines = append(lines, line)
				if r.Severity == framework.Error {
					errs++
				}
			}
			count[line]++
			if p != nil && (r.ResourceRef == nil || r.ResourceRef.Kind != string(v1alpha1.KindExposurePlatform)) {
				under[line] = append(under[line], p.GetName())
			}
		}
	}
	for _, line := range lines {
		if n := len(under[line]); n > 0 && n < len(envs) {
			line += fmt.Sprintf(" (with ExposurePlatform %s)", strings.Join(under[line], ", "))
		}
		fmt.Fprintln(stderr, line)
	}
	return exposures, len(platformNodes), errs, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
