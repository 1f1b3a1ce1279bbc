package v1alpha1

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestDuration: a duration is parsed once, as it is decoded; Validate
// reports what is wrong with it at its field, and it is written back as
// it was written.
func TestDuration(t *testing.T) {
	p := field.NewPath("spec", "routes").Index(0).Child("timeout")
	for _, tc := range []struct {
		json  string
		value time.Duration
		want  field.ErrorList
	}{
		{`"1m30s"`, 90 * time.Second, nil},
		{`"500ms"`, 500 * time.Millisecond, nil},
		{`"10"`, 0, field.ErrorList{field.Invalid(p, "10", durationHint)}},
		{`"0.5ms"`, 500 * time.Microsecond, field.ErrorList{field.Invalid(p, "0.5ms", "must be at least 1ms")}},
		{`10`, 0, field.ErrorList{{Type: field.ErrorTypeTypeInvalid, Field: p.String(), BadValue: field.OmitValueType{}, Detail: "must be a string, not a number"}}},
		{`{"seconds": 1}`, 0, field.ErrorList{{Type: field.ErrorTypeTypeInvalid, Field: p.String(), BadValue: field.OmitValueType{}, Detail: "must be a string, not an object"}}},
		{`true`, 0, field.ErrorList{{Type: field.ErrorTypeTypeInvalid, Field: p.String(), BadValue: field.OmitValueType{}, Detail: "must be a string, not a boolean"}}},
	} {
		var d Duration
		if err := json.Unmarshal([]byte(tc.json), &d); err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		if d.IsZero() {
			t.Errorf("%s: not set", tc.json)
		}
		if diff := cmp.Diff(tc.want, validateDuration(p, d)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.json, diff)
		}
		if tc.want == nil && d.Value() != tc.value {
			t.Errorf("%s: %v, want %v", tc.json, d.Value(), tc.value)
		}
		if tc.json[0] == '"' {
			if b, err := json.Marshal(d); err != nil || string(b) != tc.json {
				t.Errorf("%s written back as %s (%v)", tc.json, b, err)
			}
		}
	}
	var unset struct {
		D Duration `json:"d,omitzero"`
	}
	if err := json.Unmarshal([]byte(`{"d": null}`), &unset); err != nil || !unset.D.IsZero() {
		t.Errorf("null: %v, set %v", err, !unset.D.IsZero())
	}
	if b, _ := json.Marshal(unset); string(b) != "{}" {
		t.Errorf("an unset duration is written as %s", b)
	}
}
