package spelling

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
		if got := Closest(unknown, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", unknown, got, want)
		}
	}
}
