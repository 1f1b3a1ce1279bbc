package emit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	networking "istio.io/api/networking/v1"
)

// MarshalJSON writes s in protojson's form but for 64-bit integers:
// protojson writes them as strings (JavaScript cannot hold them), and the
// CRDs of Istio's kinds declare them integers, so the API server would
// refuse "65537" for a DestinationRule's maglev tableSize. An enum field
// set to its zero value, which protojson leaves out, is written out where
// it says what the rendering turns off (the mode of a DestinationRule's
// TLS settings: tls: {mode: DISABLE}, never tls: {}; a Gateway's
// passthrough servers, passthroughGatewayJSON) or where the spec wrote it
// (WithZeroEnums).
func (s IstioSpec) MarshalJSON() ([]byte, error) {
	if g, ok := s.Message.(*networking.Gateway); ok && passesThrough(g) {
		return passthroughGatewayJSON(g)
	}
	msg, zeros := s.Message, []v1alpha1.ZeroEnum(nil)
	if w, ok := msg.(withZeroEnums); ok {
		msg, zeros = w.Message, w.zeros
	}
	zeros = append(zeros, tlsModes(msg.ProtoReflect(), nil)...)
	var b []byte
	var err error
	if m, ok := msg.(json.Marshaler); ok && !sets64(msg.ProtoReflect()) {
		// The usual case, and the quick one: Istio's own marshaller.
		b, err = m.MarshalJSON()
	} else {
		b, err = specJSON(msg)
	}
	if err != nil || len(zeros) == 0 {
		return b, err
	}
	return writeZeroEnums(b, zeros)
}

// withZeroEnums is an Istio spec with the enum fields its source set to
// their zero value, which its JSON writes out.
type withZeroEnums struct {
	proto.Message
	zeros []v1alpha1.ZeroEnum
}

// WithZeroEnums is spec m, whose JSON writes out the zero enums at their
// paths (ZeroEnum.Path, under the fields of prefix).
func WithZeroEnums(m proto.Message, zeros []v1alpha1.ZeroEnum, prefix ...string) proto.Message {
	if len(zeros) == 0 {
		return m
	}
	w := withZeroEnums{Message: m}
	for _, z := range zeros {
		w.zeros = append(w.zeros, v1alpha1.ZeroEnum{Path: append(slices.Clone(prefix), z.Path...), Name: z.Name})
	}
	return w
}

// tlsSettings are the messages whose mode's zero value turns something
// off (ClientTLSSettings: DISABLE): their mode is always written. (A
// Gateway server's, whose zero is PASSTHROUGH, is written where it
// passes through: passthroughGatewayJSON.)
var tlsSettings = map[protoreflect.FullName]bool{
	"istio.networking.v1alpha3.ClientTLSSettings": true,
}

// mayTLSCache remembers mayTLS by message type.
var mayTLSCache sync.Map // protoreflect.FullName → bool

// mayTLS says whether a message of type md can hold TLS settings.
func mayTLS(md protoreflect.MessageDescriptor) bool {
	if v, ok := mayTLSCache.Load(md.FullName()); ok {
		return v.(bool)
	}
	var in func(md protoreflect.MessageDescriptor, visiting map[protoreflect.FullName]bool) bool
	in = func(md protoreflect.MessageDescriptor, visiting map[protoreflect.FullName]bool) bool {
		if tlsSettings[md.FullName()] {
			return true
		}
		if visiting[md.FullName()] || wellKnown(md) {
			return false
		}
		visiting[md.FullName()] = true
		fields := md.Fields()
		for i := range fields.Len() {
			fd := fields.Get(i)
			if fd.IsMap() {
				fd = fd.MapValue()
			}
			if fd.Kind() == protoreflect.MessageKind && in(fd.Message(), visiting) {
				return true
			}
		}
		return false
	}
	v := in(md, map[protoreflect.FullName]bool{})
	mayTLSCache.Store(md.FullName(), v)
	return v
}

// tlsModes are the modes of the TLS settings in m (at path) that are
// their zero value, which protojson would leave out.
func tlsModes(m protoreflect.Message, path []string) []v1alpha1.ZeroEnum {
	md := m.Descriptor()
	if !mayTLS(md) {
		return nil
	}
	if tlsSettings[md.FullName()] {
		mode := md.Fields().ByName("mode")
		if m.Has(mode) {
			return nil
		}
		return []v1alpha1.ZeroEnum{{Path: append(path[:len(path):len(path)], mode.JSONName()), Name: string(mode.Enum().Values().ByNumber(0).Name())}}
	}
	var out []v1alpha1.ZeroEnum
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := append(path[:len(path):len(path)], fd.JSONName())
		switch {
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
					out = append(out, tlsModes(e.Message(), append(p[:len(p):len(p)], k.String()))...)
					return true
				})
			}
		case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
			for i := range v.List().Len() {
				out = append(out, tlsModes(v.List().Get(i).Message(), append(p[:len(p):len(p)], strconv.Itoa(i)))...)
			}
		case fd.Kind() == protoreflect.MessageKind:
			out = append(out, tlsModes(v.Message(), p)...)
		}
		return true
	})
	return out
}

// writeZeroEnums writes the zero enums into b, the JSON of a spec, where
// the message that holds each is there and it is not.
func writeZeroEnums(b []byte, zeros []v1alpha1.ZeroEnum) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	for _, z := range zeros {
		at := v
		for _, k := range z.Path[:len(z.Path)-1] {
			switch c := at.(type) {
			case map[string]any:
				at = c[k]
			case []any:
				i, err := strconv.Atoi(k)
				if err != nil || i >= len(c) {
					at = nil
					break
				}
				at = c[i]
			default:
				at = nil
			}
		}
		if obj, ok := at.(map[string]any); ok {
			if _, set := obj[z.Path[len(z.Path)-1]]; !set {
				obj[z.Path[len(z.Path)-1]] = z.Name
			}
		}
	}
	return json.Marshal(v)
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
