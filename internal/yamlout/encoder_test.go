package yamlout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// referenceNode is what the encoder must be indistinguishable from: the
// object marshalled to JSON, printed as YAML by sigs.k8s.io/yaml, parsed
// by kyaml; status and an empty spec dropped.
func referenceNode(obj any) (*yaml.RNode, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	y, err := sigsyaml.JSONToYAML(j)
	if err != nil {
		return nil, err
	}
	n, err := yaml.Parse(string(y))
	if err != nil {
		return nil, err
	}
	if err := n.PipeE(yaml.Clear("status")); err != nil {
		return nil, err
	}
	if spec := n.Field("spec"); spec != nil && len(spec.Value.Content()) == 0 {
		if err := n.PipeE(yaml.Clear("spec")); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// sameNode reports the first difference between two node trees in what a
// printer or a reader of the tree sees: kind, tag, style, value, and the
// order of keys and items.
func sameNode(path string, got, want *yaml.Node) error {
	switch {
	case got.Kind != want.Kind:
		return fmt.Errorf("%s: kind %v, want %v", path, got.Kind, want.Kind)
	case got.Tag != want.Tag:
		return fmt.Errorf("%s: tag %q, want %q", path, got.Tag, want.Tag)
	case got.Style != want.Style:
		return fmt.Errorf("%s: style %v, want %v (value %q)", path, got.Style, want.Style, want.Value)
	case got.Value != want.Value:
		return fmt.Errorf("%s: value %q, want %q", path, got.Value, want.Value)
	case len(got.Content) != len(want.Content):
		return fmt.Errorf("%s: %d children, want %d", path, len(got.Content), len(want.Content))
	}
	for i := range got.Content {
		if err := sameNode(fmt.Sprintf("%s[%d]", path, i), got.Content[i], want.Content[i]); err != nil {
			return err
		}
	}
	return nil
}

func checkEncoder(t testing.TB, e *encoder, obj any) {
	t.Helper()
	got, err := e.toNode(obj)
	want, wantErr := referenceNode(obj)
	switch {
	case wantErr != nil && err != nil:
		return // neither can print it
	case wantErr != nil:
		// go-yaml v2 sometimes prints YAML it cannot read back (long
		// keys of odd bytes): there the reference is no oracle, and the
		// encoder's output must read back as the object itself.
		roundTrips(t, obj, got)
		return
	case err != nil:
		t.Fatal(err)
	}
	if err := sameNode("", got.YNode(), want.YNode()); err != nil {
		t.Errorf("%T: %v\ngot:\n%s\nwant:\n%s", obj, err, got.MustString(), want.MustString())
	}
	if g, w := got.MustString(), want.MustString(); g != w {
		t.Errorf("%T prints\n%s\nwant\n%s", obj, g, w)
	}
}

// roundTrips checks that the printed node parses back to obj's JSON value.
func roundTrips(t testing.TB, obj any, got *yaml.RNode) {
	t.Helper()
	printed := got.MustString()
	back, err := yaml.Parse(printed)
	if err != nil {
		t.Fatalf("%T: the encoder printed YAML that does not parse (%v):\n%s", obj, err, printed)
	}
	gj, err := back.MarshalJSON()
	if err != nil {
		t.Fatalf("%T: %v", obj, err)
	}
	wj, err := json.Marshal(obj)
	if err != nil {
		t.Fatalf("%T: %v", obj, err)
	}
	var g, w any
	if json.Unmarshal(gj, &g) != nil || json.Unmarshal(wj, &w) != nil {
		t.Fatalf("%T: cannot compare", obj)
	}
	wm, ok := w.(map[string]any)
	if !ok {
		t.Fatalf("%T is not an object", obj)
	}
	delete(wm, "status") // dropped on purpose, as is an empty spec
	if spec, ok := wm["spec"].(map[string]any); ok && len(spec) == 0 {
		delete(wm, "spec")
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%T: the encoder's output reads back as something else:\n%s", obj, printed)
	}
}

// TestEncoderMatchesReference encodes every object krm-fn renders in the
// golden cases (their expected.yaml, read back as JSON objects: the
// encoder sees only an object's JSON) and checks that the encoder makes
// exactly the reference's nodes of them.
func TestEncoderMatchesReference(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "expected.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	e := newEncoder()
	built := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		items, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if !rendered(it) {
				continue
			}
			var obj map[string]any
			j, err := it.MarshalJSON()
			if err == nil {
				err = json.Unmarshal(j, &obj)
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			checkEncoder(t, e, obj)
			built++
		}
	}
	checkEncoder(t, e, &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Labels: map[string]string{"app.kubernetes.io/managed-by": "krm-fn", "istio-injection": "enabled"}},
	})
	if built < 50 {
		t.Fatalf("only %d rendered objects in the golden cases", built)
	}
}

// trickyStrings are strings go-yaml prints in every way it can: plain,
// quoted because YAML 1.1 would read them otherwise, single-quoted for an
// indicator, double-quoted for special characters, literal blocks, long
// lines, and keys that sort naturally ("a2" before "a10").
var trickyStrings = []string{
	"", "a", "yes", "No", "ON", "off", "y", "N", "true", "False", "null", "NULL", "~", "<<", "=",
	"0", "443", "007", "08", "1e3", "1_000", "0x1F", "0b101", "0o17", "-1", "+1", ".5", ".inf", "-.Inf", ".nan",
	"1:20", "190:20:30.15", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "5xx,connect-failure", "1.2.3",
	"a: b", "a:", "a:b", "a #b", "a#b", "#a", "-a", "- a", "?a", "? a", ":a", "[a]", "{a}", "a,b", "*a", "&a", "!a",
	"|a", ">a", "'a'", `"a"`, "%a", "@a", "`a", "a'b", `a"b`, "a\\b", " a", "a ", "a  b", "a\tb",
	"a\nb", "a\nb\n", "\n", "line one\n  indented\n", "trailing space \nx", "ünïcödé", "日本語", "\u00a0", "\x01", "\u2028",
	"http-9000", "a2", "a10", "a01", "a1", "A", "b", "_a", "-", ".", "/", "/healthz/ready", "*.example.com",
	"arn:aws:acm:ap-northeast-2:111122223333:certificate/8b3e4f50-6c7d-4e8f-a091-2c3d4e5f6a73",
	`[{"HTTP":80},{"HTTPS":443}]`, "^/api/v[0-9]+/.*$", "idle_timeout.timeout_seconds=60", "env=prd,team=platform",
	strings.Repeat("long words ", 12), strings.Repeat("x", 130), strings.Repeat("k/", 70),
}

// FuzzEncoder checks the encoder against the reference on maps and lists
// of arbitrary strings and numbers; the seeds alone (go test) cover every
// way go-yaml prints a scalar.
func FuzzEncoder(f *testing.F) {
	for i, s := range trickyStrings {
		f.Add(s, trickyStrings[(i+1)%len(trickyStrings)], trickyStrings[(i*7+3)%len(trickyStrings)], float64(i)*1.5)
	}
	for _, x := range []float64{0, -0.0, 1e21, 1e-7, 123456789012345678, math.MaxInt64, 0.1, -3} {
		f.Add("a", "b", "c", x)
	}
	f.Fuzz(func(t *testing.T, a, b, c string, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Skip("not JSON")
		}
		if !strictOrder(a, b, c, "apiVersion", "kind", "metadata", "spec", "n", "empty") {
			t.Skip("go-yaml v2's key order is not transitive on these keys: its output depends on map iteration")
		}
		obj := map[string]any{
			"apiVersion": "v1",
			"kind":       a,
			"metadata":   map[string]any{"name": b, "labels": map[string]string{a: b, b: c, c: a}},
			"spec": map[string]any{
				a:       []any{a, b, c, x, int64(x), true, nil, map[string]any{}, []any{}},
				"n":     x,
				"empty": map[string]any{c: map[string]any{}},
			},
		}
		checkEncoder(t, newEncoder(), obj)
	})
}

// strictOrder says whether go-yaml v2's key order is a strict order on
// keys; where it is not (e.g. "08" < "190" < "1e3" < "08"), go-yaml's
// output itself depends on map iteration order.
func strictOrder(keys ...string) bool {
	for _, a := range keys {
		for _, b := range keys {
			if a != b && yamlKeyLess(a, b) == yamlKeyLess(b, a) {
				return false
			}
			for _, c := range keys {
				if yamlKeyLess(a, b) && yamlKeyLess(b, c) && !yamlKeyLess(a, c) {
					return false
				}
			}
		}
	}
	return true
}
