package cli

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/render"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
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
			return a.validate(cmd.OutOrStdout(), cmd.ErrOrStderr(), args)
		},
	}
}

// validate builds the overlays under the directories of paths and checks
// the specs of the other files; it prints every problem on stderr, and
// the error says how many there were.
func (a app) validate(stdout, stderr io.Writer, paths []string) error {
	var overlays []string
	read := map[string]bool{} // the files the overlays read, resolved
	for _, p := range paths {
		if info, err := os.Stat(p); err != nil || !info.IsDir() {
			continue
		}
		found, err := findOverlays(p, repositoryRoot(p), nil)
		if err != nil {
			return fmt.Errorf("krm-fn validate: %w", err)
		}
		for _, dir := range found {
			if slices.Contains(overlays, dir) {
				continue
			}
			overlays = append(overlays, dir)
			files, err := render.Sources(dir, repositoryRoot(dir))
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
		if _, err := a.renderOverlay("validate", dir, repositoryRoot(dir), stderr); err != nil {
			failed++
		}
	}

	files, err := yamlFiles(paths)
	if err != nil {
		return fmt.Errorf("krm-fn validate: %w", err)
	}
	var rest []yamlFile
	for _, f := range files {
		if real, err := filepath.EvalSymlinks(f.path); err == nil {
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
func validateSpecs(stderr io.Writer, files []yamlFile) (exposures, platforms, errs int, err error) {
	var platformNodes, others []*yaml.RNode
	var in inputs
	for _, f := range files {
		nodes, err := in.file(nil, f.path)
		if err != nil {
			if f.walked && !mentionsGroup(f.path) {
				continue // YAML of something else, found under a directory
			}
			return 0, 0, 0, err
		}
		for _, n := range nodes {
			switch {
			case f.walked && (n.GetApiVersion() == "" || n.GetKind() == ""):
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

// ourAPIVersion matches an apiVersion of krm-fn's API group in YAML.
var ourAPIVersion = regexp.MustCompile(`(?m)^\s*(- )?apiVersion:\s*["']?` + regexp.QuoteMeta(v1alpha1.Group) + `/`)

// mentionsGroup says whether the file at path has an object of krm-fn's
// API group: a file that does not parse is then reported, not skipped (a
// Helm template, say, is skipped).
func mentionsGroup(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return true
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, int64(krmio.MaxInputBytes)))
	return ourAPIVersion.Match(b)
}

// yamlFile is a file to read: named, or found under a directory (walked),
// where what is not a Kubernetes object is skipped.
type yamlFile struct {
	path   string
	walked bool
}

// yamlFiles lists the files of paths, each directory replaced by the
// .yaml and .yml files under it (hidden files and directories, and
// kustomization files, skipped), in order, each once.
func yamlFiles(paths []string) ([]yamlFile, error) {
	var files []yamlFile
	seen := map[string]bool{}
	add := func(f string, walked bool) {
		if !seen[filepath.Clean(f)] {
			seen[filepath.Clean(f)] = true
			files = append(files, yamlFile{f, walked})
		}
	}
	kustomizations := konfig.RecognizedKustomizationFileNames()
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			add(p, false)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case path != p && strings.HasPrefix(d.Name(), "."):
				if d.IsDir() {
					return filepath.SkipDir
				}
			case !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) && !slices.Contains(kustomizations, d.Name()):
				add(path, true)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
