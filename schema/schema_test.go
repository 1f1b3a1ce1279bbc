package schema_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/schema"
	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/yaml"
)

// TestUpToDate fails when the checked-in schema is not what the Go types
// and their comments give now.
func TestUpToDate(t *testing.T) {
	want, err := schema.Generate("../api/v1alpha1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(schema.File)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("schema/%s is stale: regenerate it with go generate ./schema (make schema) and commit it", schema.File)
	}
}

// TestAgreesWithTheFunction checks the schema as an editor applies it: every
// spec the function accepts (the example, the golden cases that render) is
// valid, and the specs it rejects for their shape (unknown fields, wrong
// types) are not.
func TestAgreesWithTheFunction(t *testing.T) {
	c := validator.NewCompiler()
	doc, err := validator.UnmarshalJSON(mustOpen(t, schema.File))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(schema.ID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schema.ID)
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}

	var valid, invalid []string
	for _, pattern := range []string{"../bases/*/*.yaml", "../overlays/*/*.yaml", "../testdata/*/config.yaml", "../testdata/*/input.yaml", "../testdata/adversarial/*/input.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			dir := filepath.Dir(f)
			switch {
			case !strings.Contains(dir, "testdata"), exists(filepath.Join(dir, "expected.yaml")):
				valid = append(valid, f)
			case strings.HasSuffix(dir, "adversarial/unknown-field"), strings.HasSuffix(dir, "adversarial/wrong-types"):
				invalid = append(invalid, f)
			}
		}
	}
	specs := 0
	for _, f := range valid {
		for _, d := range specsIn(t, f) {
			specs++
			if err := sch.Validate(d); err != nil {
				t.Errorf("%s: a spec krm-fn accepts is invalid under the schema: %v", f, err)
			}
		}
	}
	if specs < 20 {
		t.Fatalf("found %d valid specs to check; the example and golden cases have more", specs)
	}
	rejected := 0
	for _, f := range invalid {
		for _, d := range specsIn(t, f) {
			if sch.Validate(d) != nil {
				rejected++
			}
		}
	}
	if rejected != 2 {
		t.Errorf("the schema rejects %d of the specs with unknown fields or wrong types, want 2", rejected)
	}
}

// specsIn returns the ServiceExposures and ExposurePlatforms of a file, as
// the JSON values an editor validates.
func specsIn(t *testing.T, file string) []any {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: mustOpen(t, file), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var docs []any
	for _, n := range nodes {
		if n.GetApiVersion() != v1alpha1.APIVersion {
			continue
		}
		s, err := n.String()
		if err != nil {
			t.Fatal(err)
		}
		j, err := yaml.YAMLToJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		d, err := validator.UnmarshalJSON(bytes.NewReader(j))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	return docs
}

func mustOpen(t *testing.T, file string) *bytes.Reader {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
