// Package schema generates the JSON Schema of the krm-fn kinds
// (exposure.krmfn.io_v1alpha1.json) from the Go types of package api/v1alpha1 and
// their doc comments, for editors (yaml-language-server). Regenerate it
// with "go generate ./schema" (or "make schema"); a test fails when the
// checked-in file is stale. See docs/schema.md.
package schema

//go:generate go run gen.go

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"

	"github.com/invopop/jsonschema"
	"github.com/krmfn/krm-fn/api/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// File is the schema's file name, next to this package's source.
const File = "exposure.krmfn.io_v1alpha1.json"

// ID is where the schema is published.
const ID = "https://raw.githubusercontent.com/krmfn/krm-fn/main/schema/" + File

// Generate returns the schema of both kinds. fnDir is the directory of
// package api/v1alpha1's source, whose comments become the descriptions.
func Generate(fnDir string) ([]byte, error) {
	r := &jsonschema.Reflector{Mapper: mapType}
	// AddGoComments names packages by joining this base with the directory
	// it walks: from here, "../api/v1alpha1" joins to its import path.
	if err := r.AddGoComments("github.com/krmfn/krm-fn/schema", fnDir, jsonschema.WithFullComment()); err != nil {
		return nil, fmt.Errorf("reading the comments of %s: %w", fnDir, err)
	}
	defs := jsonschema.Definitions{}
	for _, v := range []any{&v1alpha1.ServiceExposure{}, &v1alpha1.ExposurePlatform{}} {
		for name, d := range r.Reflect(v).Definitions {
			defs[name] = d
		}
	}

	// What the types cannot say: the kind's identity, the enumerations
	// (validation.go checks the same values), which fields are needed.
	for _, k := range v1alpha1.Kinds {
		kind := string(k)
		d := defs[kind]
		d.Properties.Set("apiVersion", &jsonschema.Schema{Type: "string", Const: v1alpha1.APIVersion})
		d.Properties.Set("kind", &jsonschema.Schema{Type: "string", Const: kind})
		d.Required = []string{"apiVersion", "kind", "metadata"}
	}
	defs[string(v1alpha1.KindServiceExposure)].Required = append(defs[string(v1alpha1.KindServiceExposure)].Required, "spec")
	defs[string(v1alpha1.KindServiceExposure)].Properties.Set("metadata", metadata("name", "namespace"))
	defs[string(v1alpha1.KindExposurePlatform)].Properties.Set("metadata", metadata("name"))
	prop(defs, "ServiceSpec", "protocol").Enum = strings(v1alpha1.Protocols...)
	prop(defs, "IngressOverrides", "scheme").Enum = strings(v1alpha1.Schemes...)
	prop(defs, "ALBSpec", "scheme").Enum = strings(v1alpha1.Schemes...)
	prop(defs, "ALBSpec", "targetType").Enum = strings(v1alpha1.TargetTypes...)
	prop(defs, "Match", "method").Enum = strings(v1alpha1.Methods...)
	prop(defs, "Redirect", "scheme").Enum = strings("http", "https")
	codes := prop(defs, "Redirect", "code")
	for _, c := range v1alpha1.RedirectCodes {
		codes.Enum = append(codes.Enum, c)
	}
	prop(defs, "ExposurePlatformSpec", "injection").Enum = strings(v1alpha1.InjectionModes...)
	prop(defs, "ExposurePlatformSpec", "api").Enum = strings(v1alpha1.PlatformAPIs...)

	for _, d := range defs {
		d.Description = unwrap(d.Description)
		for p := d.Properties.Oldest(); p != nil; p = p.Next() {
			p.Value.Description = unwrap(p.Value.Description)
		}
	}

	top := &jsonschema.Schema{
		Version:     jsonschema.Version,
		ID:          ID,
		Title:       "krm-fn " + v1alpha1.APIVersion,
		Description: "A ServiceExposure or an ExposurePlatform (the kind says which). Generated from the Go types of github.com/krmfn/krm-fn/api/v1alpha1; krm-fn validate checks what a schema cannot (see docs/schema.md).",
		If:          isKind(string(v1alpha1.KindServiceExposure)),
		Then:        &jsonschema.Schema{Ref: "#/$defs/" + string(v1alpha1.KindServiceExposure)},
		Else: &jsonschema.Schema{
			If:   isKind(string(v1alpha1.KindExposurePlatform)),
			Then: &jsonschema.Schema{Ref: "#/$defs/" + string(v1alpha1.KindExposurePlatform)},
		},
		Definitions: defs,
	}
	b, err := json.MarshalIndent(top, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// mapType gives the schema of the types whose Go shape is not their JSON
// shape.
func mapType(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[intstr.IntOrString]():
		return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "integer"}, {Type: "string"}}}
	case reflect.TypeFor[v1alpha1.TrafficPolicy]():
		return &jsonschema.Schema{Type: "object"}
	case reflect.TypeFor[v1alpha1.Duration]():
		return &jsonschema.Schema{Type: "string"}
	case reflect.TypeFor[metav1.ObjectMeta]():
		return metadata()
	case reflect.TypeFor[v1alpha1.StringMatch]():
		// A string (an exact match), or an object with one of the three.
		props := jsonschema.NewProperties()
		for _, name := range []string{"exact", "prefix", "regex"} {
			props.Set(name, &jsonschema.Schema{Type: "string"})
		}
		one := uint64(1)
		return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
			{Type: "string"},
			{Type: "object", Properties: props, AdditionalProperties: jsonschema.FalseSchema, MinProperties: &one, MaxProperties: &one},
		}}
	}
	return nil
}

// metadata is the part of Kubernetes' ObjectMeta a spec uses; any other
// ObjectMeta field is allowed.
func metadata(required ...string) *jsonschema.Schema {
	stringMap := &jsonschema.Schema{Type: "object", AdditionalProperties: &jsonschema.Schema{Type: "string"}}
	props := jsonschema.NewProperties()
	props.Set("name", &jsonschema.Schema{Type: "string"})
	props.Set("namespace", &jsonschema.Schema{Type: "string"})
	props.Set("labels", stringMap)
	props.Set("annotations", stringMap)
	return &jsonschema.Schema{Type: "object", Properties: props, Required: required}
}

func isKind(kind string) *jsonschema.Schema {
	props := jsonschema.NewProperties()
	props.Set("kind", &jsonschema.Schema{Const: kind})
	return &jsonschema.Schema{Properties: props, Required: []string{"kind"}}
}

func prop(defs jsonschema.Definitions, def, name string) *jsonschema.Schema {
	p, ok := defs[def].Properties.Get(name)
	if !ok {
		panic(fmt.Sprintf("schema: %s has no property %s", def, name))
	}
	return p
}

func strings[T ~string](values ...T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// lineBreak is a line break inside a paragraph of a doc comment.
var lineBreak = regexp.MustCompile(`([^\n])\n([^\n])`)

// unwrap joins the lines of each paragraph of a doc comment: editors wrap
// descriptions themselves.
func unwrap(s string) string {
	return lineBreak.ReplaceAllString(s, "$1 $2")
}
