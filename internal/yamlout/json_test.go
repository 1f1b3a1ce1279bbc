package yamlout

import (
	"encoding/json"
	"reflect"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestNodeJSON checks the JSON of the documents appendJSON reads itself
// against go-yaml's, and that it leaves the others to go-yaml.
func TestNodeJSON(t *testing.T) {
	for _, tc := range []struct {
		yaml   string
		direct bool
	}{
		{"{a: b, n: 1, m: -20, t: true, f: false, z: null, e: ~, l: [x, 2, {}], s: \"q\\\"\\\\\\u0001\", u: 日本}", true},
		{"{a: '1', b: \"true\", c: '', d: 0}", true},
		{"{a: 1.5}", false},
		{"{a: 0x10}", false},
		{"{a: +1}", false},
		{"{a: True}", false},
		{"{a: 12345678901234567890}", false},
		{"{1: a}", false},
		{"{a: &x {b: c}, d: *x}", false},
		{"{a: {b: c}, <<: {d: e}}", false},
		{"{a: !!binary aGk=}", false},
		{"{a: 2001-12-14}", false},
	} {
		n, err := yaml.Parse(tc.yaml)
		if err != nil {
			t.Fatal(err)
		}
		// as kyaml's reader and framework annotate every item: nodes
		// without tags
		if err := n.PipeE(yaml.SetAnnotation("config.kubernetes.io/index", "0")); err != nil {
			t.Fatal(err)
		}
		if err := n.PipeE(yaml.SetLabel("n", "1")); err != nil {
			t.Fatal(err)
		}
		_, direct := appendJSON(nil, n.YNode())
		if direct != tc.direct {
			t.Errorf("%s: read directly: %v, want %v", tc.yaml, direct, tc.direct)
		}
		got, err := JSON(n)
		if err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		want, err := n.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: %v: %s", tc.yaml, err, got)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: got %s, want %s (kyaml's)", tc.yaml, got, want)
		}
	}
}
