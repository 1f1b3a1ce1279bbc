package v1alpha1

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	networking "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TrafficPolicy is Istio's DestinationRule trafficPolicy as a spec writes
// it, decoded into Istio's own type once, as the spec is decoded: the JSON
// is walked along the message descriptors (DecodeIstio), so that every
// unknown field (with a suggestion), value of the wrong type and bad enum
// value is found with its path, and a Duration may be written as Istio's
// YAML allows, in Go's form ("3m", "1h30m", "500ms"). Validate reports
// what decoding found and checks the policy with Istio's rules
// (trafficpolicy_validation.go); everything after reads Policy.
type TrafficPolicy struct {
	// Policy is the decoded policy; nil when it does not decode.
	Policy *networking.TrafficPolicy
	raw    json.RawMessage
	errs   field.ErrorList // what decoding found, at spec.trafficPolicy
}

// trafficPolicyPath is where a spec holds its trafficPolicy.
var trafficPolicyPath = field.NewPath("spec", "trafficPolicy")

// ParseTrafficPolicy decodes raw, the JSON of a trafficPolicy, as decoding
// a spec does: nil when raw is empty or null.
func ParseTrafficPolicy(raw json.RawMessage) *TrafficPolicy {
	tp := &networking.TrafficPolicy{}
	set, errs := decodeIstio(trafficPolicyPath, raw, tp)
	switch {
	case !set:
		return nil
	case len(errs) > 0:
		return &TrafficPolicy{raw: raw, errs: errs}
	}
	return &TrafficPolicy{Policy: tp, raw: raw}
}

// UnmarshalJSON decodes the policy; what is wrong with it is kept for
// Validate.
func (t *TrafficPolicy) UnmarshalJSON(b []byte) error {
	if p := ParseTrafficPolicy(slices.Clone(b)); p != nil {
		*t = *p
	}
	return nil
}

// MarshalJSON writes the policy as written.
func (t TrafficPolicy) MarshalJSON() ([]byte, error) {
	if len(t.raw) == 0 {
		return []byte("{}"), nil
	}
	return t.raw, nil
}

// validate reports what decoding t found wrong, else checks the policy
// of an exposure in namespace (where its DestinationRule goes) as Istio
// does.
func (t *TrafficPolicy) validate(namespace string) field.ErrorList {
	if t == nil {
		return nil
	}
	if len(t.errs) > 0 {
		return t.errs
	}
	return validateTrafficPolicy(trafficPolicyPath, t.Policy, namespace)
}

var protoPosition = regexp.MustCompile(`\s*\(line \d+:\d+\)`)

// protoMessage is protojson's error without its "proto: " prefix,
// non-breaking spaces and positions in JSON the user never wrote.
func protoMessage(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\u00a0", " ")
	msg = strings.TrimPrefix(msg, "proto: ")
	return protoPosition.ReplaceAllString(msg, "")
}

// wrappers are the well-known types whose JSON is their value field's.
var wrappers = map[protoreflect.FullName]bool{
	"google.protobuf.DoubleValue": true, "google.protobuf.FloatValue": true,
	"google.protobuf.Int64Value": true, "google.protobuf.UInt64Value": true,
	"google.protobuf.Int32Value": true, "google.protobuf.UInt32Value": true,
	"google.protobuf.BoolValue": true, "google.protobuf.StringValue": true,
	"google.protobuf.BytesValue": true,
}

// message checks v, the JSON of a message of type md at path, and returns
// it normalized for protojson.
func message(path *field.Path, md protoreflect.MessageDescriptor, v any) (any, field.ErrorList) {
	switch {
	case md.FullName() == "google.protobuf.Duration":
		s, ok := v.(string)
		if !ok {
			return nil, field.ErrorList{typeError(path, `a duration such as "10s"`, v)}
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, field.ErrorList{field.Invalid(path, s, durationHint)}
		}
		canonical, err := protojson.Marshal(durationpb.New(d))
		if err != nil {
			return nil, field.ErrorList{field.Invalid(path, s, err.Error())}
		}
		return json.RawMessage(canonical), nil
	case wrappers[md.FullName()]:
		return singular(path, md.Fields().ByName("value"), v)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, field.ErrorList{typeError(path, "an object", v)}
	}
	var errs field.ErrorList
	out := make(map[string]any, len(obj))
	oneofs := map[protoreflect.Name]string{} // the member of each oneof set so far
	for _, k := range sortedKeys(obj) {
		p := path.Child(k)
		fd := md.Fields().ByJSONName(k)
		if fd == nil {
			errs = append(errs, unknownField(p, k, md))
			continue
		}
		if obj[k] == nil {
			continue // null is unset, as protojson and Istio read it
		}
		if od := fd.ContainingOneof(); od != nil {
			if first, ok := oneofs[od.Name()]; ok {
				errs = append(errs, field.Forbidden(p, fmt.Sprintf("may not be set together with %s: set only one of %s", first, oneofNames(od))))
			} else {
				oneofs[od.Name()] = k
			}
		}
		var val any
		var es field.ErrorList
		switch {
		case fd.IsList():
			val, es = list(p, fd, obj[k])
		case fd.IsMap():
			val, es = mapField(p, fd, obj[k])
		default:
			val, es = singular(p, fd, obj[k])
		}
		out[k] = val
		errs = append(errs, es...)
	}
	return out, errs
}

func list(path *field.Path, fd protoreflect.FieldDescriptor, v any) (any, field.ErrorList) {
	items, ok := v.([]any)
	if !ok {
		return nil, field.ErrorList{typeError(path, "a list", v)}
	}
	var errs field.ErrorList
	out := make([]any, len(items))
	for i, item := range items {
		var es field.ErrorList
		out[i], es = singular(path.Index(i), fd, item)
		errs = append(errs, es...)
	}
	return out, errs
}

// mapField checks a map field; the maps of TrafficPolicy all have string
// keys, which JSON keeps as they are.
func mapField(path *field.Path, fd protoreflect.FieldDescriptor, v any) (any, field.ErrorList) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, field.ErrorList{typeError(path, "a map", v)}
	}
	var errs field.ErrorList
	out := make(map[string]any, len(obj))
	for _, k := range sortedKeys(obj) {
		var es field.ErrorList
		out[k], es = singular(path.Key(k), fd.MapValue(), obj[k])
		errs = append(errs, es...)
	}
	return out, errs
}

// singular checks one value of fd's type (an element, for a list).
func singular(path *field.Path, fd protoreflect.FieldDescriptor, v any) (any, field.ErrorList) {
	bad := func(want string) (any, field.ErrorList) { return nil, field.ErrorList{typeError(path, want, v)} }
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return message(path, fd.Message(), v)
	case protoreflect.EnumKind:
		var names []string
		for i := range fd.Enum().Values().Len() {
			names = append(names, string(fd.Enum().Values().Get(i).Name()))
		}
		switch v := v.(type) {
		case string:
			if fd.Enum().Values().ByName(protoreflect.Name(v)) != nil {
				return v, nil
			}
		case json.Number: // Istio's CRD takes the names only
		default:
			return bad("a string")
		}
		return nil, field.ErrorList{field.NotSupported(path, badValue(v), names)}
	case protoreflect.BoolKind:
		if _, ok := v.(bool); !ok {
			return bad("true or false")
		}
	case protoreflect.StringKind, protoreflect.BytesKind:
		if _, ok := v.(string); !ok {
			return bad("a string")
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		n, ok := v.(json.Number)
		if !ok {
			return bad("a number")
		}
		if _, err := n.Float64(); err != nil {
			return nil, field.ErrorList{field.Invalid(path, badValue(v), "is out of range")}
		}
	default: // the integer kinds
		n, ok := v.(json.Number)
		if !ok {
			return bad("an integer")
		}
		i, ok := integer(n)
		if !ok {
			return bad("an integer")
		}
		lo, hi := integerRange(fd.Kind())
		if i.Cmp(lo) < 0 || i.Cmp(hi) > 0 {
			return nil, field.ErrorList{field.Invalid(path, badValue(v), fmt.Sprintf("must be between %s and %s, inclusive", lo, hi))}
		}
		return json.Number(i.String()), nil
	}
	return v, nil
}

// integer reads n as an integer: "5", or "5.0" and "5e2", which JSON and
// YAML may give for one.
func integer(n json.Number) (*big.Int, bool) {
	if i, ok := new(big.Int).SetString(string(n), 10); ok {
		return i, true
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return nil, false
	}
	i, _ := big.NewFloat(f).Int(nil)
	return i, true
}

func integerRange(k protoreflect.Kind) (lo, hi *big.Int) {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return big.NewInt(math.MinInt32), big.NewInt(math.MaxInt32)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return big.NewInt(0), big.NewInt(math.MaxUint32)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return big.NewInt(0), new(big.Int).SetUint64(math.MaxUint64)
	default:
		return big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	}
}

// unknownField is the error for an unknown field of a message of type md.
func unknownField(path *field.Path, name string, md protoreflect.MessageDescriptor) *field.Error {
	var names []string
	for i := range md.Fields().Len() {
		names = append(names, md.Fields().Get(i).JSONName())
	}
	return UnknownField(path.String(), name, names)
}

func oneofNames(od protoreflect.OneofDescriptor) string {
	var names []string
	for i := range od.Fields().Len() {
		names = append(names, od.Fields().Get(i).JSONName())
	}
	return strings.Join(names, ", ")
}

// typeError says that v is not what the field takes, as fn's strict
// decoding says it.
func typeError(path *field.Path, want string, v any) *field.Error {
	var got string
	switch v := v.(type) {
	case map[string]any:
		got = "an object"
	case []any:
		got = "an array"
	case string:
		got = "a string"
	case bool:
		got = "a boolean"
	case json.Number:
		got = string(v)
	case nil:
		got = "null"
	}
	return &field.Error{Type: field.ErrorTypeTypeInvalid, Field: path.String(), BadValue: field.OmitValueType{}, Detail: "must be " + want + ", not " + got}
}

// badValue is v as field errors print it: a number as a number.
func badValue(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if i, err := n.Int64(); err == nil {
		return i
	}
	if f, err := n.Float64(); err == nil {
		return f
	}
	return string(n)
}
