package v1alpha1

import (
	"bytes"
	"encoding/json"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ZeroEnum is an enum field of an Istio spec set to its zero value, which
// protojson, as proto3 has it, leaves out of what it writes: a
// DestinationRule's tls: {mode: DISABLE} would render as tls: {}. Path is
// where it is in the spec's JSON (keys, and list indices in decimal), Name
// the value's name.
type ZeroEnum struct {
	Path []string
	Name string
}

// ZeroEnums are the enum fields the policy sets to their zero value, in
// the order written, which a rendering writes out.
func (t *TrafficPolicy) ZeroEnums() []ZeroEnum {
	if t == nil || t.Policy == nil {
		return nil
	}
	return zeroEnums(t.raw, t.Policy.ProtoReflect().Descriptor())
}

// ZeroEnumsOf are the enum fields raw, the JSON of an Istio spec of m's
// type (as DecodeIstio decodes it), sets to their zero value.
func ZeroEnumsOf(raw json.RawMessage, m proto.Message) []ZeroEnum {
	return zeroEnums(raw, m.ProtoReflect().Descriptor())
}

// zeroEnums finds in raw, the JSON of a message of type md (checked: it
// decodes), the enum fields set to their zero value.
func zeroEnums(raw json.RawMessage, md protoreflect.MessageDescriptor) []ZeroEnum {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	var out []ZeroEnum
	var walk func(path []string, md protoreflect.MessageDescriptor, v any)
	value := func(path []string, fd protoreflect.FieldDescriptor, v any) {
		switch fd.Kind() {
		case protoreflect.MessageKind, protoreflect.GroupKind:
			walk(path, fd.Message(), v)
		case protoreflect.EnumKind:
			zero := string(fd.Enum().Values().ByNumber(0).Name())
			if s, ok := v.(string); ok && s == zero && !fd.IsList() && !fd.HasPresence() {
				out = append(out, ZeroEnum{Path: path, Name: zero})
			}
		}
	}
	walk = func(path []string, md protoreflect.MessageDescriptor, v any) {
		obj, ok := v.(map[string]any)
		if !ok || md.ParentFile().Package() == "google.protobuf" {
			return
		}
		for _, k := range sortedKeys(obj) {
			fd := md.Fields().ByJSONName(k)
			if fd == nil {
				continue
			}
			p := append(path[:len(path):len(path)], k)
			switch {
			case fd.IsList():
				items, _ := obj[k].([]any)
				for i, item := range items {
					value(append(p[:len(p):len(p)], strconv.Itoa(i)), fd, item)
				}
			case fd.IsMap():
				m, _ := obj[k].(map[string]any)
				for _, mk := range sortedKeys(m) {
					value(append(p[:len(p):len(p)], mk), fd.MapValue(), m[mk])
				}
			default:
				value(p, fd, obj[k])
			}
		}
	}
	walk(nil, md, v)
	return out
}
