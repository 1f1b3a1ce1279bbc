package importer

import "testing"

func TestHostMatches(t *testing.T) {
	for _, c := range []struct {
		pattern, host string
		want          bool
	}{
		{"*", "a.example.com", true},
		{"a.example.com", "a.example.com", true},
		{"*.example.com", "a.example.com", true},
		{"*.example.com", "a.b.example.com", true},
		{"*.example.com", "*.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.example.org", false},
		{"b.example.com", "a.example.com", false},
	} {
		if got := hostMatches(c.pattern, c.host); got != c.want {
			t.Errorf("hostMatches(%q, %q) = %v", c.pattern, c.host, got)
		}
	}
}

func TestDomainAndShortHosts(t *testing.T) {
	hosts := []string{"cb-test-api.prd.domain.shop", "istio.prd.domain.shop", "*.apps.prd.domain.shop", "other.example.com", "*"}
	d := guessDomain(hosts)
	if d != "prd.domain.shop" {
		t.Fatalf("guessDomain = %q", d)
	}
	for h, want := range map[string]string{
		"cb-test-api.prd.domain.shop": "cb-test-api",
		"*.apps.prd.domain.shop":      "*.apps",
		"a.b.prd.domain.shop":         "a.b.prd.domain.shop",
		"other.example.com":           "other.example.com",
		"*":                           "*",
	} {
		if got := shortHost(h, d); got != want {
			t.Errorf("shortHost(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestServiceHost(t *testing.T) {
	for host, want := range map[string]svcRef{
		"reviews":                        {"bookinfo", "reviews"},
		"reviews.shop.svc.cluster.local": {"shop", "reviews"},
		"reviews.shop":                   {},
		"api.example.com":                {},
		"*.shop.svc.cluster.local":       {},
		"a.b.shop.svc.cluster.local":     {},
		"*":                              {},
	} {
		got, ok := serviceHost(host, "bookinfo")
		if got != want || ok != (want != svcRef{}) {
			t.Errorf("serviceHost(%q) = %v, %v", host, got, ok)
		}
	}
}

func TestALBAnnotations(t *testing.T) {
	for v, want := range map[string]bool{
		`[{"HTTP":80,"HTTPS": 443}]`:   true,
		`[{"HTTP":80},{"HTTPS":443}]`:  true,
		`[{"HTTPS":443}]`:              false,
		`[{"HTTP":80},{"HTTPS":8443}]`: false,
		`not json`:                     false,
	} {
		if got := defaultListenPorts(v, true); got != want {
			t.Errorf("defaultListenPorts(%s) = %v", v, got)
		}
	}
	if !httpsRedirectAction(`{"Type": "redirect", "RedirectConfig": { "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}`) {
		t.Error("the seed's ssl-redirect action is the redirect to HTTPS")
	}
	if httpsRedirectAction(`{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "8443"}}`) {
		t.Error("a redirect to 8443 is not the ALB's redirect to 443")
	}
}
