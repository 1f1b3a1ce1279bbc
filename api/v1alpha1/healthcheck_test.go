package v1alpha1

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestInstanceHealthCheckPort: with instance targets a health check port
// given as a number must be a NodePort (the controller resolves a name,
// not a number); with ip targets any port is the pod's.
func TestInstanceHealthCheckPort(t *testing.T) {
	p := field.NewPath("spec", "gateway", "healthCheckPort")
	for _, tc := range []struct {
		port, targetType string
		fails            bool
	}{
		{"15021", TargetTypeInstance, true},
		{"29999", TargetTypeInstance, true},
		{"32768", TargetTypeInstance, true},
		{"30000", TargetTypeInstance, false},
		{"32767", TargetTypeInstance, false},
		{"status-port", TargetTypeInstance, false},
		{HealthCheckPortTrafficPort, TargetTypeInstance, false},
		{"15021", TargetTypeIP, false},
		{"70000", TargetTypeInstance, false}, // not a port at all: portNumberOrName says so
	} {
		errs := instanceHealthCheckPort(p, tc.port, tc.targetType)
		if got := len(errs) > 0; got != tc.fails {
			t.Errorf("%s with %s targets: error %v, want %v (%v)", tc.port, tc.targetType, got, tc.fails, errs)
		}
		for _, e := range errs {
			if e.Field != p.String() || e.BadValue != tc.port {
				t.Errorf("%s: the error is about %s %v, not the field and its value", tc.port, e.Field, e.BadValue)
			}
		}
	}
}
