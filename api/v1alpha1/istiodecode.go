package v1alpha1

import (
	"bytes"
	"encoding/json"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// DecodeIstio decodes raw, the JSON of an Istio spec at path, into m as
// a spec's trafficPolicy is decoded: the JSON walked along m's message
// descriptors first, reporting every unknown field, wrong type, bad enum
// value and doubly set oneof with its path, and turning durations in
// Go's form into protojson's; then protojson, strictly. Istio's checks
// are not run. An empty or null raw leaves m as it is.
func DecodeIstio(path *field.Path, raw json.RawMessage, m proto.Message) field.ErrorList {
	_, errs := decodeIstio(path, raw, m)
	return errs
}

// decodeIstio is DecodeIstio, saying whether raw sets anything.
func decodeIstio(path *field.Path, raw json.RawMessage, m proto.Message) (bool, field.ErrorList) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return true, field.ErrorList{field.Invalid(path, field.OmitValueType{}, "is not JSON: "+err.Error())}
	}
	if v == nil {
		return false, nil
	}
	normalized, errs := message(path, m.ProtoReflect().Descriptor(), v)
	if len(errs) > 0 {
		return true, errs
	}
	data, err := json.Marshal(normalized)
	if err == nil {
		err = protojson.Unmarshal(data, m)
	}
	if err != nil { // the walk above should have caught it
		return true, field.ErrorList{field.Invalid(path, field.OmitValueType{}, protoMessage(err))}
	}
	return true, nil
}
