package emit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	networking "istio.io/api/networking/v1"
)

// MarshalJSON writes s in protojson's form but for 64-bit integers:
// protojson writes them as strings (JavaScript cannot hold them), and the
// CRDs of Istio's kinds declare them integers, so the API server would
// refuse "65537" for a DestinationRule's maglev tableSize.
func (s IstioSpec) MarshalJSON() ([]byte, error) {
	if g, ok := s.Message.(*networking.Gateway); ok && passesThrough(g) {
		return passthroughGatewayJSON(g)
	}
	if m, ok := s.Message.(json.Marshaler); ok && !sets64(s.ProtoReflect()) {
		// The usual case, and the quick one: Istio's own marshaller.
		return m.MarshalJSON()
	}
	return specJSON(s.Message)
}

// sets64 says whether m, or a message in it, sets a 64-bit integer. It
// looks only into fields whose types can hold one (none of a Gateway's or
// a VirtualService's can).
func sets64(m protoreflect.Message) bool {
	if wellKnown(m.Descriptor()) {
		return wrapper64(m.Descriptor())
	}
	if !may64(m.Descriptor()) {
		return false
	}
	found := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case is64(fd.Kind()):
			found = true
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(_ protoreflect.MapKey, e protoreflect.Value) bool {
					found = sets64(e.Message())
					return !found
				})
			} else {
				found = is64(fd.MapValue().Kind())
			}
		case fd.Kind() == protoreflect.MessageKind && fd.IsList():
			for i := 0; i < v.List().Len() && !found; i++ {
				found = sets64(v.List().Get(i).Message())
			}
		case fd.Kind() == protoreflect.MessageKind:
			found = sets64(v.Message())
		}
		return !found
	})
	return found
}

// may64Cache remembers may64 by message type.
var may64Cache sync.Map // protoreflect.FullName → bool

// may64 says whether a message of type md can hold a 64-bit integer.
func may64(md protoreflect.MessageDescriptor) bool {
	if v, ok := may64Cache.Load(md.FullName()); ok {
		return v.(bool)
	}
	v := may64In(md, map[protoreflect.FullName]bool{})
	may64Cache.Store(md.FullName(), v)
	return v
}

func may64In(md protoreflect.MessageDescriptor, visiting map[protoreflect.FullName]bool) bool {
	if wellKnown(md) {
		return wrapper64(md)
	}
	if visiting[md.FullName()] {
		return false // a cycle: the type's other fields decide
	}
	visiting[md.FullName()] = true
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.IsMap() {
			fd = fd.MapValue()
		}
		if is64(fd.Kind()) || fd.Kind() == protoreflect.MessageKind && may64In(fd.Message(), visiting) {
			return true
		}
	}
	return false
}

// wellKnown says whether md is one of protobuf's well-known types, whose
// JSON is their own (a Duration is "3600s", not its int64 seconds).
func wellKnown(md protoreflect.MessageDescriptor) bool {
	return md.ParentFile().Package() == "google.protobuf"
}

// wrapper64 says whether md wraps a 64-bit integer, which protojson
// writes as a string too.
func wrapper64(md protoreflect.MessageDescriptor) bool {
	switch md.FullName() {
	case "google.protobuf.Int64Value", "google.protobuf.UInt64Value":
		return true
	}
	return false
}

func is64(k protoreflect.Kind) bool {
	switch k {
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return true
	}
	return false
}

// specJSON is m as protojson writes it, with its 64-bit integers (and
// those of the wrappers of them) as JSON numbers.
func specJSON(m proto.Message) ([]byte, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if err := numbers(v, m.ProtoReflect().Descriptor()); err != nil {
		return nil, fmt.Errorf("%s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return json.Marshal(v)
}

// numbers turns the 64-bit integers of v, the JSON of a message of type
// md, into numbers, in place.
func numbers(v any, md protoreflect.MessageDescriptor) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	fields := md.Fields()
	for name, val := range obj {
		fd := fields.ByJSONName(name)
		if fd == nil {
			fd = fields.ByTextName(name)
		}
		if fd == nil {
			continue // a well-known type's own form, or a oneof written flat
		}
		switch {
		case fd.IsMap():
			m, _ := val.(map[string]any)
			for k, e := range m {
				n, err := element(e, fd.MapValue())
				if err != nil {
					return err
				}
				m[k] = n
			}
		case fd.IsList():
			l, _ := val.([]any)
			for i, e := range l {
				n, err := element(e, fd)
				if err != nil {
					return err
				}
				l[i] = n
			}
		default:
			n, err := element(val, fd)
			if err != nil {
				return err
			}
			obj[name] = n
		}
	}
	return nil
}

// element is one value of field fd, with a 64-bit integer as a number.
func element(v any, fd protoreflect.FieldDescriptor) (any, error) {
	switch {
	case is64(fd.Kind()):
		return number(v)
	case fd.Kind() == protoreflect.MessageKind && wrapper64(fd.Message()):
		return number(v)
	case fd.Kind() == protoreflect.MessageKind && !wellKnown(fd.Message()):
		return v, numbers(v, fd.Message())
	}
	return v, nil
}

func number(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	n := json.Number(s)
	if _, err := n.Int64(); err != nil {
		if _, uerr := fmt.Sscan(s, new(uint64)); uerr != nil {
			return nil, fmt.Errorf("64-bit integer %q: %w", s, err)
		}
	}
	return n, nil
}

// passesThrough says whether a server of g passes TLS through: its mode,
// PASSTHROUGH, is the enum's zero, which protojson leaves out ("tls: {}").
func passesThrough(g *networking.Gateway) bool {
	for _, srv := range g.Servers {
		if srv.Tls != nil && srv.Tls.Mode == networking.ServerTLSSettings_PASSTHROUGH && !srv.Tls.HttpsRedirect {
			return true
		}
	}
	return false
}

// passthroughGatewayJSON is g's JSON with the mode of its passthrough
// servers written out: what a rendering chooses is there to read, never
// left to a default.
func passthroughGatewayJSON(g *networking.Gateway) ([]byte, error) {
	out := struct {
		Selector map[string]string `json:"selector,omitempty"`
		Servers  []json.RawMessage `json:"servers,omitempty"`
	}{Selector: g.Selector}
	for _, srv := range g.Servers {
		b, err := srv.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if srv.Tls != nil && srv.Tls.Mode == networking.ServerTLSSettings_PASSTHROUGH && !srv.Tls.HttpsRedirect {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(b, &fields); err != nil {
				return nil, err
			}
			tls := map[string]json.RawMessage{}
			if err := json.Unmarshal(fields["tls"], &tls); err != nil {
				return nil, err
			}
			tls["mode"] = json.RawMessage(`"PASSTHROUGH"`)
			if fields["tls"], err = json.Marshal(tls); err != nil {
				return nil, err
			}
			if b, err = json.Marshal(fields); err != nil {
				return nil, err
			}
		}
		out.Servers = append(out.Servers, b)
	}
	return json.Marshal(out)
}
