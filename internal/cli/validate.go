package cli

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func newValidateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE|DIR...",
		Short: "Check ServiceExposure and ExposurePlatform specs without rendering them",
		Long: `validate reads every ServiceExposure and ExposurePlatform in the files (and in
the .yaml/.yml files under each directory) and runs the checks a render
runs: strict decoding, defaults, validation, and the checks across
exposures (hosts, Services, ALB groups, objects the input already has).

The files are one environment: each ExposurePlatform among them is checked
with every ServiceExposure (short hosts take its domain); with none, the
built-in defaults apply, which have no domain. Other objects in the files
(Services, Namespaces, workloads) take part as they would in a render.

Every problem is printed on stderr as
  file:index: Kind namespace/name: spec.path: what is wrong
and the exit status is 1 when there is any.`,
		Example: `  # the prd environment of the example
  krm-fn validate overlays/prd/platform.yaml bases/

  # one spec on its own (its hosts must then be fully qualified)
  krm-fn validate exposure.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return validateFiles(cmd.OutOrStdout(), cmd.ErrOrStderr(), args)
		},
	}
}

// validateFiles runs the function's checks over the objects of paths and
// prints every problem on stderr; the error says how many there were.
func validateFiles(stdout, stderr io.Writer, paths []string) error {
	files, err := yamlFiles(paths)
	if err != nil {
		return err
	}
	var platforms, others []*yaml.RNode
	exposures := 0
	var in inputs
	for _, f := range files {
		nodes, err := in.file(nil, f)
		if err != nil {
			return err
		}
		for _, n := range nodes {
			switch {
			case v1alpha1.KindOf(n.GetApiVersion(), n.GetKind()) == v1alpha1.KindExposurePlatform:
				platforms = append(platforms, n)
				continue
			case v1alpha1.InGroup(n.GetApiVersion()) && n.GetKind() == string(v1alpha1.KindServiceExposure):
				exposures++
			}
			others = append(others, n)
		}
	}
	if exposures == 0 && len(platforms) == 0 {
		return fmt.Errorf("krm-fn validate: no %s ServiceExposure or ExposurePlatform in %s", v1alpha1.Group, strings.Join(paths, " "))
	}

	// One render per environment; a problem found under every platform is
	// printed once, one found under some of them says under which.
	envs := platforms
	if len(envs) == 0 {
		envs = []*yaml.RNode{nil}
	}
	var lines []string
	count := map[string]int{}
	under := map[string][]string{}
	errs := 0
	for _, p := range envs {
		items := make([]*yaml.RNode, len(others))
		for i, n := range others {
			items[i] = n.Copy() // a render labels Namespaces and workloads
		}
		rs, err := fn.Check(p, items) // the checks, without building the objects
		if err != nil {
			return err
		}
		for _, r := range rs {
			line := fn.FormatResult(r)
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
	if errs > 0 {
		if len(platforms) == 0 {
			return fmt.Errorf("krm-fn validate: %s (no ExposurePlatform among the files: checked with the built-in defaults, which set no domain)", plural(errs, "error"))
		}
		return fmt.Errorf("krm-fn validate: %s", plural(errs, "error"))
	}
	fmt.Fprintf(stdout, "krm-fn validate: %s and %s valid\n",
		plural(exposures, "ServiceExposure"), plural(len(platforms), "ExposurePlatform"))
	return nil
}

// yamlFiles lists the files of paths, each directory replaced by the
// .yaml and .yml files under it (hidden directories skipped), in order,
// each once.
func yamlFiles(paths []string) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[filepath.Clean(f)] {
			seen[filepath.Clean(f)] = true
			files = append(files, f)
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("krm-fn validate: %w", err)
		}
		if !info.IsDir() {
			add(p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && path != p && strings.HasPrefix(d.Name(), "."):
				return filepath.SkipDir
			case !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")):
				add(path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("krm-fn validate: %w", err)
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
