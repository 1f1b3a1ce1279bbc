package fn_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/fn"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ from what the function does now")

// TestGolden runs every case of ../testdata. A case is a directory with
//
//	config.yaml    the function config (ExposurePlatform or ServiceExposure)
//	input.yaml     the input items (optional)
//	expected.yaml  the output items, as kustomize would print them; or
//	errors.txt     the exact stderr of a run that must fail with no items
//	warnings.txt   the exact stderr of a successful run (optional)
//
// The function is called as kustomize calls it: a ResourceList on stdin.
// Every successful case is also run a second time with its own output
// added to its input, which must change nothing.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("..", "testdata", "*", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases found under ../testdata")
	}
	for _, c := range cases {
		dir := filepath.Dir(c)
		t.Run(filepath.Base(dir), func(t *testing.T) { runGolden(t, dir) })
	}
}

func runGolden(t *testing.T, dir string) {
	config := readNode(t, filepath.Join(dir, "config.yaml"))
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
			return
		}
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
	for _, it := range input {
		if strings.HasPrefix(it.GetApiVersion(), fn.Group+"/") {
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

// run calls the function with a ResourceList, as kustomize does, and
// returns its output items as YAML documents.
func run(t *testing.T, config *yaml.RNode, items []*yaml.RNode) (string, string, error) {
	t.Helper()
	var in bytes.Buffer
	w := kio.ByteWriter{Writer: &in, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, FunctionConfig: config}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := fn.NewCommand()
	cmd.SetArgs([]string{})
	cmd.SetIn(&in)
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	runErr := cmd.Execute()

	rl := &kio.ByteReader{Reader: &stdout}
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
