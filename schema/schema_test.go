package schema_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/schema"
	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
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
		if n.YNode().Kind != kyaml.MappingNode || n.GetApiVersion() != v1alpha1.APIVersion { // a patch file is a list
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

// TestAPIReferenceNamesEveryField fails when docs/api.md leaves a field of
// the kinds out: every field of a spec must appear in it as code, written
// with its parent ("cors.maxAge", "routes[].match", "alb.scheme"), or
// alone for a field of the spec itself ("hosts[]", "mesh").
func TestAPIReferenceNamesEveryField(t *testing.T) {
	var top struct {
		Defs map[string]def `json:"$defs"`
	}
	raw, err := os.ReadFile(schema.File)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	// pairs are the (parent, field) of every code span, read as a dotted
	// path ("routes[].match.prefix"; ".add" after "requestHeaders.set" is
	// its sibling), of a lone name under a "### spec.<parent>" heading, and
	// ("", name) for the heading's own names.
	pairs := map[[2]string]bool{}
	section := ""
	span := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(string(doc), "\n") {
		if h, ok := strings.CutPrefix(line, "### "); ok {
			section = ""
			for _, w := range strings.Fields(h) {
				if name, ok := strings.CutPrefix(w, "spec."); ok {
					pairs[[2]string{"", name}] = true
					if section == "" {
						section = name
					}
				}
			}
		}
		var prev []string
		for _, m := range span.FindAllStringSubmatch(line, -1) {
			segs := strings.Split(strings.ReplaceAll(m[1], "[]", ""), ".")
			if segs[0] == "" && len(prev) > 1 { // ".add" after "requestHeaders.set": a sibling
				segs = append(slices.Clone(prev[:len(prev)-1]), segs[1:]...)
			}
			for i, seg := range segs {
				parent := section
				if i > 0 {
					parent = segs[i-1]
				}
				pairs[[2]string{parent, seg}] = true
			}
			prev = segs
		}
	}
	named := func(parent, leaf string) bool {
		return pairs[[2]string{parent, leaf}] || parent == "" && pairs[[2]string{"spec", leaf}]
	}
	checked := 0
	for _, kind := range []string{"ServiceExposure", "ExposurePlatform"} {
		spec := top.Defs[kind].Properties["spec"].ref()
		// A type is walked wherever it is used (HeaderOps under both
		// requestHeaders and responseHeaders), but not inside itself.
		var walk func(parent, name string, within map[string]bool)
		walk = func(parent, name string, within map[string]bool) {
			if within[name] {
				return
			}
			within[name] = true
			defer delete(within, name)
			props := top.Defs[name].Properties
			for _, leaf := range slices.Sorted(maps.Keys(props)) {
				checked++
				if !named(parent, leaf) {
					t.Errorf("docs/api.md does not name %s field %q (under %q): add it to the reference", kind, leaf, parent)
				}
				if child := props[leaf].ref(); child != "" {
					walk(leaf, child, within)
				}
			}
		}
		walk("", spec, map[string]bool{})
	}
	if checked < 60 {
		t.Fatalf("walked %d fields of the schema; the kinds have more", checked)
	}
}

// def is the part of a JSON Schema definition the field walk reads.
type def struct {
	Properties map[string]prop `json:"properties"`
}

type prop struct {
	Ref   string `json:"$ref"`
	Items *prop  `json:"items"`
}

// ref is the definition a property (or its items) refers to, "" for none.
func (p prop) ref() string {
	for q := &p; q != nil; q = q.Items {
		if q.Ref != "" {
			return strings.TrimPrefix(q.Ref, "#/$defs/")
		}
	}
	return ""
}
