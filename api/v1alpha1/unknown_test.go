package v1alpha1

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"maxConnections", "connectTimeout", "tcpKeepalive", "idleTimeout"}
	for unknown, want := range map[string]string{
		"maxConnectoins":  "maxConnections",
		"max_connections": "maxConnections",
		"MaxConnections":  "maxConnections",
		"idleTimout":      "idleTimeout",
		"retries":         "", // nothing close
		"":                "",
	} {
		if got := closest(unknown, names); got != want {
			t.Errorf("closest(%q) = %q, want %q", unknown, got, want)
		}
	}
}

func TestUnknownField(t *testing.T) {
	e := UnknownField("spec.idleTimout", "idleTimout", []string{"idleTimeout", "connectTimeout"})
	if e.Field != "spec.idleTimout" || e.Detail != `unknown field, did you mean "idleTimeout"?` {
		t.Errorf("UnknownField: %s: %s", e.Field, e.Detail)
	}
	if got := UnknownField("spec.x", "x", []string{"hosts"}).Detail; got != "unknown field" {
		t.Errorf("nothing close: %q, want no suggestion", got)
	}
}
