package emit

import (
	"regexp"
	"testing"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"google.golang.org/protobuf/encoding/protojson"
	networking "istio.io/api/networking/v1"
)

// TestCORSOrigin: an origin is matched under api: istio as Istio matches
// the same origin of a Gateway API CORS filter. The expected matches are
// those of Istio's own conversion (pilot/pkg/config/kube/gateway,
// testdata/http.yaml.golden: "https://*.xpto.com", "*",
// "https://example.com"; createCorsFilter for the prefix form).
func TestCORSOrigin(t *testing.T) {
	for _, c := range []struct {
		origin v1alpha1.StringMatch
		want   string
	}{
		{v1alpha1.StringMatch{Exact: "https://example.com"}, `{"exact":"https://example.com"}`},
		{v1alpha1.StringMatch{Exact: "https://*.xpto.com"}, `{"regex":"^https://.*\\.xpto\\.com$"}`},
		{v1alpha1.StringMatch{Exact: "*"}, `{"regex":"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s?#]+$"}`},
		{v1alpha1.StringMatch{Exact: "https://app.*"}, `{"prefix":"https://app."}`},
		{v1alpha1.StringMatch{Exact: "http://*.a.com:*"}, `{"regex":"^http://.*\\.a\\.com:.*$"}`},
		{v1alpha1.StringMatch{Prefix: "https://*"}, `{"prefix":"https://*"}`}, // written as a prefix: as it is
		{v1alpha1.StringMatch{Regex: "https://.*"}, `{"regex":"https://.*"}`},
	} {
		got, err := protojson.Marshal(stringMatch(c.origin.CORSOrigin()))
		if err != nil {
			t.Fatal(err)
		}
		if compact := regexp.MustCompile(`\s`).ReplaceAllString(string(got), ""); compact != c.want {
			t.Errorf("%+v: %s, want %s", c.origin, compact, c.want)
		}
	}
	// What the matches allow, as Envoy runs them (the whole string).
	allows := func(m *networking.StringMatch, origin string) bool {
		switch t := m.MatchType.(type) {
		case *networking.StringMatch_Regex:
			return regexp.MustCompile(`^(?:` + t.Regex + `)$`).MatchString(origin)
		case *networking.StringMatch_Prefix:
			return len(origin) >= len(t.Prefix) && origin[:len(t.Prefix)] == t.Prefix
		}
		return m.GetExact() == origin
	}
	for _, c := range []struct {
		origin, request string
		allowed         bool
	}{
		{"https://*.example.com", "https://app.example.com", true},
		{"https://*.example.com", "https://a.b.example.com", true},
		{"https://*.example.com", "https://example.com", false},
		{"https://*.example.com", "https://evil.com/.example.com", true}, // no browser sends a path in Origin
		{"https://*.example.com", "http://app.example.com", false},
		{"*", "https://anything.test:8443", true},
		{"*", "null", false},
	} {
		if got := allows(stringMatch(v1alpha1.StringMatch{Exact: c.origin}.CORSOrigin()), c.request); got != c.allowed {
			t.Errorf("origin %s allows %s: %v, want %v", c.origin, c.request, got, c.allowed)
		}
	}
}
