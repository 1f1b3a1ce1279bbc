package fn

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"
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
		got, err := nodeJSON(n)
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

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       field.ErrorList
	}{{
		name: "valid",
		yaml: "spec: {hosts: [a], service: {port: 80, targetPort: http}}",
	}, {
		name: "unknown fields with and without a suggestion",
		yaml: "spec: {hostz: [a], service: {port: 80}, routes: [{match: {prefx: /}}], zzzzzzzz: 1}",
		want: field.ErrorList{
			{Type: field.ErrorTypeNotSupported, Field: "spec.hostz", BadValue: field.OmitValueType{}, Detail: `unknown field, did you mean "hosts"?`},
			{Type: field.ErrorTypeNotSupported, Field: "spec.routes[0].match.prefx", BadValue: field.OmitValueType{}, Detail: `unknown field, did you mean "prefix"?`},
			{Type: field.ErrorTypeNotSupported, Field: "spec.zzzzzzzz", BadValue: field.OmitValueType{}, Detail: "unknown field"},
		},
	}, {
		name: "duplicate field",
		yaml: `{"spec": {"hosts": ["a"], "hosts": ["b"]}}`,
		want: field.ErrorList{{Type: field.ErrorTypeDuplicate, Field: "spec.hosts", BadValue: field.OmitValueType{}, Detail: "the key is set twice in one mapping: keep one"}},
	}, {
		name: "duplicate fields in a list, every one",
		yaml: `{"spec": {"routes": [{}, {"match": {"prefix": "/a", "prefix": "/b"}, "timeout": "1s", "timeout": "2s"}]}}`,
		want: field.ErrorList{
			{Type: field.ErrorTypeDuplicate, Field: "spec.routes[1].match.prefix", BadValue: field.OmitValueType{}, Detail: "the key is set twice in one mapping: keep one"},
			{Type: field.ErrorTypeDuplicate, Field: "spec.routes[1].timeout", BadValue: field.OmitValueType{}, Detail: "the key is set twice in one mapping: keep one"},
		},
	}, {
		name: "integer as string",
		yaml: `spec: {service: {port: "80"}}`,
		want: field.ErrorList{field.TypeInvalid(field.NewPath("spec.service.port"), field.OmitValueType{}, "must be an integer, not a string")},
	}, {
		name: "map as list",
		yaml: `spec: {service: {port: 80, selector: [a]}}`,
		want: field.ErrorList{field.TypeInvalid(field.NewPath("spec.service.selector"), field.OmitValueType{}, "must be a map of strings, not an array")},
	}, {
		name: "bool as string",
		yaml: `spec: {service: {port: 80, create: "no"}}`,
		want: field.ErrorList{field.TypeInvalid(field.NewPath("spec.service.create"), field.OmitValueType{}, "must be true or false, not a string")},
	}, {
		name: "object as scalar",
		yaml: `spec: {service: 80}`,
		want: field.ErrorList{field.TypeInvalid(field.NewPath("spec.service"), field.OmitValueType{}, "must be an object, not a number")},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := yaml.Parse(tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			got := decode(n, &ServiceExposure{})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	for path, want := range map[string]string{
		"spec.Hosts":                     "hosts",
		"spec.traficPolicy":              "trafficPolicy",
		"spec.routes[3].retries.atempts": "attempts",
		"metadata.namspace":              "namespace",
		"spec.service.port.x":            "", // below a scalar: nothing to suggest
		"spec.nothing.like.this":         "",
	} {
		if got := suggest(reflect.TypeOf(&ServiceExposure{}), path); got != want {
			t.Errorf("suggest(%q) = %q, want %q", path, got, want)
		}
	}
}
