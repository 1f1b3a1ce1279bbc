package fn_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/api/v1alpha1"

	"github.com/krmfn/krm-fn/internal/cli"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ from what the function does now")

// TestGolden runs every case under ../testdata. A case is a directory with
//
//	config.yaml    the function config (ExposurePlatform or ServiceExposure);
//	               when absent, the nearest one in a parent directory
//	input.yaml     the input items (optional when config.yaml is there)
//	expected.yaml  the output items, as kustomize would print them; or
//	errors.txt     the exact stderr of a run that must fail with no items
//	warnings.txt   the exact stderr of a successful run (optional)
//	stdin.yaml     instead of config and input: the bytes kustomize would
//	               send, verbatim (for input that is not even YAML)
//
// The function is called as kustomize calls it: a ResourceList on stdin.
// Every successful case is also run a second time with its own output
// added to its input, which must change nothing.
func TestGolden(t *testing.T) {
	root := filepath.Join("..", "testdata")
	cases := goldenCases(t, root)
	if len(cases) == 0 {
		t.Fatal("no golden cases found under ../testdata")
	}
	for _, dir := range cases {
		name, _ := filepath.Rel(root, dir)
		t.Run(filepath.ToSlash(name), func(t *testing.T) {
			if raw, ok := readOptional(t, filepath.Join(dir, "stdin.yaml")); ok {
				runRaw(t, dir, raw)
				return
			}
			runGolden(t, dir, findConfig(t, root, dir))
		})
	}
}

// goldenCases are the directories under root with an input.yaml, or with
// a config.yaml and an expected result.
func goldenCases(t *testing.T, root string) []string {
	t.Helper()
	var cases []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		has := func(f string) bool { _, err := os.Stat(filepath.Join(path, f)); return err == nil }
		if has("input.yaml") || has("stdin.yaml") || has("config.yaml") && (has("expected.yaml") || has("errors.txt")) {
			cases = append(cases, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// findConfig is the config.yaml of dir or of its nearest parent below root.
func findConfig(t *testing.T, root, dir string) string {
	t.Helper()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "config.yaml")); err == nil {
			return filepath.Join(d, "config.yaml")
		}
		if d == root || d == "." || d == "/" {
			t.Fatalf("%s has no config.yaml, nor has any parent", dir)
		}
	}
}

func runGolden(t *testing.T, dir, configFile string) {
	config := readNode(t, configFile)
	var input []*yaml.RNode
	if b, err := os.ReadFile(filepath.Join(dir, "input.yaml")); err == nil {
		if input, err = (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read(); err != nil {
			t.Fatalf("input.yaml: %v", err)
		}
	}
	out, stderr, err := run(t, config, input)
	errorsFile := filepath.Join(dir, "errors.txt")
	wantErrors, expectFailure := readOptional(t, errorsFile)

	if *update {
		if err != nil {
			write(t, errorsFile, stderr)
			_ = os.Remove(filepath.Join(dir, "expected.yaml"))
			_ = os.Remove(filepath.Join(dir, "warnings.txt"))
			return
		}
		_ = os.Remove(errorsFile)
		write(t, filepath.Join(dir, "expected.yaml"), out)
		if stderr != "" {
			write(t, filepath.Join(dir, "warnings.txt"), stderr)
		} else {
			_ = os.Remove(filepath.Join(dir, "warnings.txt"))
		}
		return
	}

	if expectFailure {
		if err == nil {
			t.Fatalf("the run succeeded, want it to fail with:\n%s\noutput:\n%s", wantErrors, out)
		}
		if out != "" {
			t.Errorf("a failed run must emit no items, got:\n%s", out)
		}
		if stderr != wantErrors {
			t.Errorf("stderr differs from errors.txt\n--- got:\n%s--- want:\n%s", stderr, wantErrors)
		}
		return
	}
	if err != nil {
		t.Fatalf("the run failed: %v\n%s", err, stderr)
	}
	want, ok := readOptional(t, filepath.Join(dir, "expected.yaml"))
	if !ok {
		t.Fatal("a case needs expected.yaml or errors.txt (go test ./fn -update writes them)")
	}
	if out != want {
		t.Errorf("output differs from expected.yaml (go test ./fn -update rewrites it)\n--- got:\n%s", out)
	}
	wantWarnings, _ := readOptional(t, filepath.Join(dir, "warnings.txt"))
	if stderr != wantWarnings {
		t.Errorf("stderr differs from warnings.txt\n--- got:\n%s--- want:\n%s", stderr, wantWarnings)
	}

	// Same input, same bytes.
	if second, _, _ := run(t, config, cloneAll(t, input)); second != out {
		t.Errorf("a second run on the same input gave other bytes:\n%s", second)
	}
	// Running on its own output, with the specs that made it put back,
	// duplicates nothing and changes nothing.
	again := parseItems(t, out)
	kept := map[string]bool{} // what the output kept of the input (a generator's platform)
	for _, it := range again {
		kept[it.GetKind()+" "+it.GetNamespace()+"/"+it.GetName()] = true
	}
	for _, it := range input {
		if strings.HasPrefix(it.GetApiVersion(), v1alpha1.Group+"/") && !kept[it.GetKind()+" "+it.GetNamespace()+"/"+it.GetName()] {
			again = append(again, it.Copy())
		}
	}
	rerun, stderr2, err := run(t, config, again)
	if err != nil {
		t.Fatalf("re-running on its own output failed: %v\n%s", err, stderr2)
	}
	if got, want := sortedDocs(t, rerun), sortedDocs(t, out); !slices.Equal(got, want) {
		t.Errorf("re-running on its own output changed it:\n%s", rerun)
	}
}

// runRaw feeds raw bytes to the function, which must fail with exactly
// errors.txt on stderr and nothing on stdout.
func runRaw(t *testing.T, dir, raw string) {
	stdout, stderr, err := execute(nil, strings.NewReader(raw))
	errorsFile := filepath.Join(dir, "errors.txt")
	if *update {
		write(t, errorsFile, stderr.String())
		return
	}
	want, ok := readOptional(t, errorsFile)
	if !ok {
		t.Fatal("a stdin.yaml case needs errors.txt (go test ./fn -update writes it)")
	}
	if err == nil {
		t.Fatalf("the run succeeded, want it to fail with:\n%s", want)
	}
	if stdout.Len() != 0 {
		t.Errorf("a failed run must print nothing on stdout, got:\n%s", stdout.String())
	}
	if stderr.String() != want {
		t.Errorf("stderr differs from errors.txt\n--- got:\n%s--- want:\n%s", stderr.String(), want)
	}
}

// execute runs the krm-fn command as its main does.
func execute(args []string, stdin io.Reader) (stdout, stderr *bytes.Buffer, err error) {
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	cmd := cli.NewCommand()
	cmd.SetArgs(append([]string{}, args...))
	cmd.SetIn(stdin)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	return stdout, stderr, cmd.Execute()
}

// run calls the function with a ResourceList, as kustomize does, and
// returns its output items as YAML documents.
func run(t *testing.T, config *yaml.RNode, items []*yaml.RNode) (string, string, error) {
	t.Helper()
	var in bytes.Buffer
	w := kio.ByteWriter{Writer: &in, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, FunctionConfig: config}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, runErr := execute(nil, &in)
	rl := &kio.ByteReader{Reader: stdout}
	outItems, err := rl.Read()
	if err != nil {
		t.Fatalf("the output is not a ResourceList: %v\n%s", err, stdout.String())
	}
	var out bytes.Buffer
	if len(outItems) > 0 {
		if err := (kio.ByteWriter{Writer: &out}).Write(outItems); err != nil {
			t.Fatal(err)
		}
	}
	return out.String(), stderr.String(), runErr
}

func readNode(t *testing.T, path string) *yaml.RNode {
	t.Helper()
	n, err := yaml.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

func readOptional(t *testing.T, path string) (string, bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b), true
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func parseItems(t *testing.T, docs string) []*yaml.RNode {
	t.Helper()
	items, err := (&kio.ByteReader{Reader: strings.NewReader(docs), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func cloneAll(t *testing.T, items []*yaml.RNode) []*yaml.RNode {
	t.Helper()
	var out []*yaml.RNode
	for _, it := range items {
		out = append(out, it.Copy())
	}
	return out
}

// sortedDocs is the set of documents of a multi-document string, sorted,
// as a reviewer would compare them.
func sortedDocs(t *testing.T, docs string) []string {
	t.Helper()
	var out []string
	for _, it := range parseItems(t, docs) {
		out = append(out, it.MustString())
	}
	slices.Sort(out)
	return out
}
