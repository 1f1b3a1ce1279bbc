// Package explain is krm-fn explain: what a field of the krm-fn kinds
// is, read from their JSON Schema (package schema, generated from the Go
// types and their doc comments), as kubectl explain reads a cluster's
// OpenAPI schema.
package explain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
)

// Explain writes what the field at path is: "<kind>[.<field>...]" (the
// kind in any case, fields by their YAML names; a list's or a map's
// items are walked through), its type, description and, for an object,
// its fields. schemaJSON is the JSON Schema of the kinds.
func Explain(w io.Writer, schemaJSON []byte, path string) error {
	var doc struct {
		Defs map[string]*node `json:"$defs"`
	}
	if err := json.Unmarshal(schemaJSON, &doc); err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	parts := strings.Split(path, ".")
	kind := ""
	for _, k := range v1alpha1.Kinds {
		if strings.EqualFold(parts[0], string(k)) || strings.EqualFold(parts[0], string(k)+"s") {
			kind = string(k)
		}
	}
	if kind == "" {
		return fmt.Errorf("krm-fn explain: %q is no kind of %s: want one of %s (e.g. serviceexposure.spec.routes)", parts[0], v1alpha1.Group, kinds())
	}
	s := schema{defs: doc.Defs}
	at, name := s.resolve(&node{Ref: "#/$defs/" + kind}), kind
	walked := kind
	for _, p := range parts[1:] {
		obj := s.object(at)
		field := obj.Properties.get(p)
		if field == nil {
			var known []string
			for _, e := range obj.Properties {
				known = append(known, e.name)
			}
			msg := fmt.Sprintf("krm-fn explain: %s has no field %q", walked, p)
			if len(known) == 0 {
				return fmt.Errorf("%s: it is %s", msg, s.typeOf(at))
			}
			if d := v1alpha1.UnknownField(p, p, known).Detail; strings.Contains(d, "did you mean") {
				msg += " (" + strings.TrimPrefix(d, "unknown field, ") + ")"
			}
			return fmt.Errorf("%s; its fields: %s", msg, strings.Join(known, ", "))
		}
		at, name = field, p
		walked += "." + p
	}
	s.write(w, kind, name, walked, at)
	return nil
}

func kinds() string {
	var names []string
	for _, k := range v1alpha1.Kinds {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// node is a JSON Schema, as far as the kinds' schema uses it.
type node struct {
	Ref                  string          `json:"$ref"`
	Type                 string          `json:"type"`
	Description          string          `json:"description"`
	Properties           properties      `json:"properties"`
	Items                *node           `json:"items"`
	AdditionalProperties json.RawMessage `json:"additionalProperties"`
	AnyOf                []*node         `json:"anyOf"`
	OneOf                []*node         `json:"oneOf"`
	Required             []string        `json:"required"`
	Enum                 []any           `json:"enum"`
	Const                any             `json:"const"`
}

// values is the schema of a map's values, if n is a map.
func (n *node) values() *node {
	if len(n.AdditionalProperties) == 0 || n.AdditionalProperties[0] != '{' {
		return nil
	}
	var v node
	if json.Unmarshal(n.AdditionalProperties, &v) != nil {
		return nil
	}
	return &v
}

// properties are an object's fields, in the order the schema lists them
// (the Go types' order).
type properties []entry

type entry struct {
	name string
	node *node
}

func (ps properties) get(name string) *node {
	for _, e := range ps {
		if e.name == name {
			return e.node
		}
	}
	return nil
}

func (ps *properties) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if _, err := d.Token(); err != nil { // {
		return err
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return err
		}
		var n node
		if err := d.Decode(&n); err != nil {
			return err
		}
		*ps = append(*ps, entry{name: t.(string), node: &n})
	}
	return nil
}

// schema is the kinds' schema: its definitions.
type schema struct{ defs map[string]*node }

// resolve is n, its reference followed.
func (s schema) resolve(n *node) *node {
	for n != nil && n.Ref != "" {
		def := s.defs[strings.TrimPrefix(n.Ref, "#/$defs/")]
		if def == nil {
			break
		}
		n = def
	}
	return n
}

// object is the object n holds: n's, or its list's or map's items'.
func (s schema) object(n *node) *node {
	n = s.resolve(n)
	for {
		switch {
		case n.Items != nil:
			n = s.resolve(n.Items)
		case n.values() != nil && len(n.Properties) == 0:
			n = s.resolve(n.values())
		default:
			for _, alt := range append(n.AnyOf, n.OneOf...) {
				if alt = s.resolve(alt); len(alt.Properties) > 0 {
					return alt
				}
			}
			return n
		}
	}
}

// typeOf says the type of n as kubectl explain does: <string>,
// <[]Route>, <map[string]string>, <Retries>.
func (s schema) typeOf(n *node) string {
	if n.Ref != "" {
		return strings.TrimPrefix(n.Ref, "#/$defs/")
	}
	inner := func(n *node) string {
		if t := s.typeOf(n); !strings.Contains(t, " or ") {
			return t
		}
		return "(" + s.typeOf(n) + ")"
	}
	switch {
	case n.Items != nil:
		return "[]" + inner(n.Items)
	case n.values() != nil:
		return "map[string]" + inner(n.values())
	case len(n.AnyOf) > 0 || len(n.OneOf) > 0:
		var alts []string
		for _, a := range append(n.AnyOf, n.OneOf...) {
			alts = append(alts, s.typeOf(a))
		}
		return strings.Join(alts, " or ")
	case n.Type != "":
		return n.Type
	}
	return "any"
}

// write writes the explanation of field name (at walked) of kind, of
// schema n.
func (s schema) write(w io.Writer, kind, name, walked string, n *node) {
	fmt.Fprintf(w, "KIND:     %s\nVERSION:  %s\n\n", kind, v1alpha1.APIVersion)
	if walked != kind {
		fmt.Fprintf(w, "FIELD:    %s <%s>\nPATH:     %s\n\n", name, s.typeOf(n), walked)
	}
	fmt.Fprintln(w, "DESCRIPTION:")
	var text []string
	if n.Description != "" {
		text = append(text, n.Description)
	}
	if def := s.resolve(n); def != n && def.Description != "" && def.Description != n.Description {
		text = append(text, def.Description)
	}
	if len(text) == 0 {
		text = append(text, "<empty>")
	}
	for i, t := range text {
		if i > 0 {
			fmt.Fprintln(w)
		}
		wrap(w, t, "    ")
	}
	if values := allowed(s.resolve(n)); values != "" {
		fmt.Fprintf(w, "\n    One of: %s.\n", values)
	}
	obj := s.object(n)
	if len(obj.Properties) == 0 {
		return
	}
	fmt.Fprintln(w, "\nFIELDS:")
	for _, e := range obj.Properties {
		req := ""
		if slices.Contains(obj.Required, e.name) {
			req = " -required-"
		}
		fmt.Fprintf(w, "  %s\t<%s>%s\n", e.name, s.typeOf(e.node), req)
		desc := e.node.Description
		if desc == "" {
			desc = s.resolve(e.node).Description
		}
		if desc == "" && e.node.Const != nil {
			desc = fmt.Sprintf("%v", e.node.Const)
		}
		if desc != "" {
			wrap(w, desc, "    ")
		}
		fmt.Fprintln(w)
	}
}

// allowed lists the values of an enumeration or a constant.
func allowed(n *node) string {
	var vs []string
	for _, v := range n.Enum {
		vs = append(vs, fmt.Sprint(v))
	}
	if n.Const != nil {
		vs = append(vs, fmt.Sprint(n.Const))
	}
	return strings.Join(vs, ", ")
}

// wrap writes text in lines of at most about 80 columns, indented.
func wrap(w io.Writer, text, indent string) {
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > 80 {
			fmt.Fprintln(w, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	if len(line) > len(indent) {
		fmt.Fprintln(w, line)
	}
}
