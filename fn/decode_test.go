package fn

import (
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/krmfn/krm-fn/api/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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
	}, {
		name: "every value of the wrong type and every unknown field, not only the first",
		yaml: `spec: {hosts: a, mesh: 1, service: {port: "80", create: "no", selector: {app: 1}, protocl: http}, routes: [{}, {backends: [{weight: x}]}]}`,
		want: field.ErrorList{
			field.TypeInvalid(field.NewPath("spec.hosts"), field.OmitValueType{}, "must be a list, not a string"),
			field.TypeInvalid(field.NewPath("spec.mesh"), field.OmitValueType{}, "must be true or false, not a number"),
			field.TypeInvalid(field.NewPath("spec.routes[1].backends[0].weight"), field.OmitValueType{}, "must be an integer, not a string"),
			field.TypeInvalid(field.NewPath("spec.service.create"), field.OmitValueType{}, "must be true or false, not a string"),
			field.TypeInvalid(field.NewPath("spec.service.port"), field.OmitValueType{}, "must be an integer, not a string"),
			field.TypeInvalid(field.NewPath("spec.service.selector[app]"), field.OmitValueType{}, "must be a string, not a number"),
			{Type: field.ErrorTypeNotSupported, Field: "spec.service.protocl", BadValue: field.OmitValueType{}, Detail: `unknown field, did you mean "protocol"?`},
		},
	}, {
		name: "a duplicate key and a wrong type",
		yaml: `{"spec": {"hosts": ["a"], "hosts": ["b"], "service": {"port": true}}}`,
		want: field.ErrorList{
			{Type: field.ErrorTypeDuplicate, Field: "spec.hosts", BadValue: field.OmitValueType{}, Detail: "the key is set twice in one mapping: keep one"},
			field.TypeInvalid(field.NewPath("spec.service.port"), field.OmitValueType{}, "must be an integer, not a boolean"),
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := yaml.Parse(tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			got := decode(n, &v1alpha1.ServiceExposure{})
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
		detail := "unknown field"
		if want != "" {
			detail += `, did you mean "` + want + `"?`
		}
		if got := unknownField(reflect.TypeOf(&v1alpha1.ServiceExposure{}), path).Detail; got != detail {
			t.Errorf("unknownField(%q): %q, want %q", path, got, detail)
		}
	}
}

func TestValidated(t *testing.T) {
	decoding := field.ErrorList{
		field.TypeInvalid(field.NewPath("spec.routes[0].backends[1].weight"), field.OmitValueType{}, "must be an integer, not a string"),
		field.TypeInvalid(field.NewPath("spec.service"), field.OmitValueType{}, "must be an object, not a number"),
		{Type: field.ErrorTypeNotSupported, Field: "spec.host", BadValue: field.OmitValueType{}, Detail: `unknown field, did you mean "hosts"?`},
	}
	validation := field.ErrorList{
		field.Invalid(field.NewPath("spec.routes[0].backends[1].weight"), 0, "must be 0-100"),      // the field itself
		field.Invalid(field.NewPath("spec.routes[0].backends"), 50, "the weights must sum to 100"), // the list that holds it
		field.Required(field.NewPath("spec.service.port"), ""),                                     // under a value left out
		field.Required(field.NewPath("spec.hosts"), ""),                                            // what the suggestion names
		field.Invalid(field.NewPath("spec.routes[0].match.prefix"), "a", "must start with /"),      // another field: kept
		field.Invalid(field.NewPath("spec.routes"), 1, "too many"),                                 // above the list: kept
		field.Required(field.NewPath("spec.subsets"), ""),                                          // kept
	}
	want := append(slices.Clone(decoding), validation[4:]...)
	if diff := cmp.Diff(want, validated(decoding, validation)); diff != "" {
		t.Errorf("validated (-want +got):\n%s", diff)
	}
}
