package v1alpha1

import (
	"bytes"
	"encoding/json"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// DecodeIstio decodes raw, the JSON of an Istio spec at path, into m as
// ParseTrafficPolicy decodes a trafficPolicy: every unknown field, wrong
// type, bad enum value and doubly set oneof with its path, durations in
// Go's form or protojson's, then protojson strictly. Istio's checks are
// not run. An empty or null raw leaves m as it is.
func DecodeIstio(path *field.Path, raw json.RawMessage, m proto.Message) field.ErrorList {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, "is not JSON: "+err.Error())}
	}
	if v == nil {
		return nil
	}
	normalized, errs := message(path, m.ProtoReflect().Descriptor(), v)
	if len(errs) > 0 {
		return errs
	}
	data, err := json.Marshal(normalized)
	if err == nil {
		err = protojson.Unmarshal(data, m)
	}
	if err != nil {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, protoMessage(err))}
	}
	return nil
}
