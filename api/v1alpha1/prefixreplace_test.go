package v1alpha1

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestPrefixReplacement: the paths a prefix replacement gives under each
// API, as Istio renders them (a VirtualService's prefix_rewrite of the
// bytes matched; for an HTTPRoute, the path-separated prefix, a
// URLRewrite's ReplacePrefixMatch without its trailing "/" or, for "/",
// the regex ^<prefix>(/?)(.*) → /\2, a RequestRedirect's as written), and
// which of them validation refuses with api: gateway-api.
func TestPrefixReplacement(t *testing.T) {
	for _, c := range []struct {
		match, prefix, path             string
		istio, gwRewrite, gwRedirect    string
		rewriteRefused, redirectRefused bool
	}{
		{"/api/", "/", "/api/x", "/x", "/x", "//x", false, true},
		{"/api/", "/v2/", "/api/x", "/v2/x", "/v2/x", "/v2/x", false, false}, // the redirect as /v2
		{"/api/", "/v2", "/api/x", "/v2x", "/v2/x", "/v2/x", true, true},
		{"/api", "/", "/api/x", "//x", "/x", "//x", true, false},
		{"/api", "/", "/api", "/", "/", "/", true, false},
		{"/api", "/v2", "/api/x", "/v2/x", "/v2/x", "/v2/x", false, false},
		{"/api", "/v2/", "/api/x", "/v2//x", "/v2/x", "/v2//x", true, false},
		{"/", "/", "/x", "/x", "/x", "/x", false, false},
		{"/", "/app", "/x", "/appx", "/appx", "/appx", false, false},
		{"/", "/app/", "/x", "/app/x", "/appx", "/app/x", true, false},
	} {
		name := c.match + " by " + c.prefix + ", " + c.path
		if got := replacedPrefix(c.match, c.prefix, c.path); got != c.istio {
			t.Errorf("%s: api: istio gives %s, want %s", name, got, c.istio)
		}
		if got := gatewayAPIRewritten(c.match, c.prefix, c.path); got != c.gwRewrite {
			t.Errorf("%s: the Gateway API's rewrite gives %s, want %s", name, got, c.gwRewrite)
		}
		if got := gatewayAPIRedirected(c.match, GatewayAPIRedirectPrefix(c.match, c.prefix), c.path); got != c.gwRedirect {
			t.Errorf("%s: the Gateway API's redirect gives %s, want %s", name, got, c.gwRedirect)
		}
		p := field.NewPath("spec", "routes").Index(0)
		rewrite := gatewayAPIReplacements(p, &Route{Match: Match{Prefix: c.match}, Rewrite: &Rewrite{Prefix: c.prefix}})
		redirect := gatewayAPIReplacements(p, &Route{Match: Match{Prefix: c.match}, Redirect: &Redirect{Prefix: c.prefix}})
		if got := len(rewrite) > 0; got != c.rewriteRefused {
			t.Errorf("%s: the rewrite refused: %v, want %v (%v)", name, got, c.rewriteRefused, rewrite)
		}
		if got := len(redirect) > 0; got != c.redirectRefused {
			t.Errorf("%s: the redirect refused: %v, want %v (%v)", name, got, c.redirectRefused, redirect)
		}
	}
}
