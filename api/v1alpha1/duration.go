package v1alpha1

import (
	"bytes"
	"encoding/json"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Duration is a length of time as a spec writes it: a string in Go's form
// ("10s", "500ms", "1m30s"). It is parsed once, as the spec is decoded;
// Validate reports one that does not parse, and everything after reads
// the parsed value (Value).
type Duration struct {
	text  string
	value time.Duration
	// wrong is what was written instead of a string ("a number", ...),
	// or why the string does not parse (durationHint); "" when it does.
	wrong   string
	notText bool
}

// ParseDuration is s as a Duration: Value is its length, once Validate
// has accepted it.
func ParseDuration(s string) Duration {
	d := Duration{text: s}
	if s == "" {
		return d
	}
	var err error
	if d.value, err = time.ParseDuration(s); err != nil {
		d.wrong = durationHint
	}
	return d
}

const durationHint = `must be a duration with a unit, e.g. "10s", "500ms" or "1m30s"`

// String is the duration as written.
func (d Duration) String() string { return d.text }

// IsZero says whether the duration is not set. (A pointer receiver:
// encoding/json's omitzero then asks a field without boxing it.)
func (d *Duration) IsZero() bool { return d.text == "" && !d.notText }

// Value is the length of a duration Validate has accepted; 0 when it is
// not set.
func (d Duration) Value() time.Duration { return d.value }

// UnmarshalJSON reads a duration: a string, parsed. Anything else is kept
// for Validate to report with the field's path, as it reports every other
// problem of a spec (a decoding error would name no field).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case json.Unmarshal(b, &s) != nil:
		*d = Duration{notText: true, wrong: "must be a string, not " + jsonKind(b)}
		return nil
	}
	*d = ParseDuration(s)
	return nil
}

// MarshalJSON writes the duration as written.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.text) }

// jsonKind names the kind of the JSON value b as a user knows it.
func jsonKind(b []byte) string {
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// validateDuration checks a set duration: a string that parses, of at
// least a millisecond.
func validateDuration(path *field.Path, d Duration) field.ErrorList {
	switch {
	case d.notText:
		return field.ErrorList{&field.Error{Type: field.ErrorTypeTypeInvalid, Field: path.String(), BadValue: field.OmitValueType{}, Detail: d.wrong}}
	case d.wrong != "":
		return field.ErrorList{field.Invalid(path, d.text, d.wrong)}
	case d.value < time.Millisecond:
		return field.ErrorList{field.Invalid(path, d.text, "must be at least 1ms")}
	}
	return nil
}
