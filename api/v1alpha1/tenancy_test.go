package v1alpha1

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	networking "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"team-*", "team-a", true},
		{"team-*", "team-", true},
		{"team-*", "teams", false},
		{"*-system", "istio-system", true},
		{"*-system", "istio-systems", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxcyyb", false},
		{"a*a", "a", false},
		{"external-dns.alpha.kubernetes.io/*", "external-dns.alpha.kubernetes.io/ttl", true},
		{"alb.ingress.kubernetes.io/group.*", "alb.ingress.kubernetes.io/group.order", true},
		{"shop", "shop", true},
		{"shop", "shops", false},
	} {
		if got := Glob(c.pattern, c.s); got != c.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

// TestHostAnnotationNamesOwnHostsOnly: a host-naming annotation may name
// the exposure's own hosts however DNS spells them the same (upper case,
// a trailing dot, spaces after commas), and nothing else: not another
// host, a wildcard over its own, or a look-alike.
func TestHostAnnotationNamesOwnHostsOnly(t *testing.T) {
	own := []string{"admin.domain.shop", "*.apps.domain.shop"}
	for v, ok := range map[string]bool{
		"admin.domain.shop":                      true,
		"ADMIN.Domain.Shop.":                     true,
		"admin.domain.shop, *.apps.domain.shop.": true,
		"pay.domain.shop":                        false,
		"admin.domain.shop,pay.domain.shop":      false,
		"*.domain.shop":                          false,
		"x.apps.domain.shop":                     false,
		"\u212Aadmin.domain.shop":                false,
		"ADMİN.domain.shop":                      false, // a dotted capital I, which Unicode lowercases to i
	} {
		errs := hostAnnotation(field.NewPath("a"), ExternalDNSHostname, v, own)
		if (len(errs) == 0) != ok {
			t.Errorf("%q: got %v, want allowed %v", v, errs, ok)
		}
	}
	if errs := hostAnnotation(field.NewPath("a"), ExternalDNSTTL, "pay.domain.shop", own); len(errs) > 0 {
		t.Errorf("a TTL names no host: %v", errs)
	}
}

// TestZeroEnums: the enum fields a trafficPolicy sets to their zero
// value are found where protojson would drop them: in messages, lists and
// maps; not where the value is another, nor a oneof's (protojson writes
// those).
func TestZeroEnums(t *testing.T) {
	raw := `{
	  "tls": {"mode": "DISABLE"},
	  "connectionPool": {"http": {"h2UpgradePolicy": "DEFAULT", "maxRetries": 3}},
	  "loadBalancer": {"simple": "UNSPECIFIED"},
	  "portLevelSettings": [{"port": {"number": 1}, "tls": {"mode": "SIMPLE"}}, {"port": {"number": 2}, "tls": {"mode": "DISABLE"}}]
	}`
	tp := ParseTrafficPolicy(json.RawMessage(raw))
	if errs := tp.validate("ns"); len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	for _, z := range tp.ZeroEnums() {
		got = append(got, strings.Join(z.Path, ".")+"="+z.Name)
	}
	want := []string{"connectionPool.http.h2UpgradePolicy=DEFAULT", "portLevelSettings.1.tls.mode=DISABLE", "tls.mode=DISABLE"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if z := ZeroEnumsOf(json.RawMessage(`{"trafficPolicy": {"proxyProtocol": {"version": "V1"}}}`), &networking.DestinationRule{}); len(z) != 1 || strings.Join(z[0].Path, ".") != "trafficPolicy.proxyProtocol.version" {
		t.Errorf("ZeroEnumsOf a DestinationRule: %v", z)
	}
}
