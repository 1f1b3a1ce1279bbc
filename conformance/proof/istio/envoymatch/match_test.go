package envoymatch

import (
	"testing"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func regex(s string) *matcherv3.RegexMatcher { return &matcherv3.RegexMatcher{Regex: s} }

// The examples the Envoy API reference gives for each path match, and the
// cases where Istio's two APIs differ (a prefix with a trailing slash, the
// Gateway API's path-segment prefix).
func TestPathMatches(t *testing.T) {
	for _, tc := range []struct {
		name  string
		match *routev3.RouteMatch
		path  string
		want  bool
	}{
		{"prefix", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/orders/"}}, "/orders/42", true},
		{"prefix needs its slash", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/orders/"}}, "/orders", false},
		{"prefix is not a segment", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/api"}}, "/apix", true},
		{"prefix sees the query", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/a?x"}}, "/a?x=1", true},
		{"prefix case", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/API"}}, "/api", false},
		{"prefix case-insensitive", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/API"}, CaseSensitive: wrapperspb.Bool(false)}, "/api/x", true},
		{"exact ignores the query", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Path{Path: "/login"}}, "/login?next=/", true},
		{"exact", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Path{Path: "/login"}}, "/login/", false},
		{"segment prefix: itself", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/api/dev"}}, "/api/dev", true},
		{"segment prefix: slash", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/api/dev"}}, "/api/dev/", true},
		{"segment prefix: below", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/api/dev"}}, "/api/dev/v1", true},
		{"segment prefix: query", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/api/dev"}}, "/api/dev?param=true", true},
		{"segment prefix: not a longer segment", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/api/dev"}}, "/api/developer", false},
		{"regex matches the whole path", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_SafeRegex{SafeRegex: regex(`/products/\d+`)}}, "/products/123", true},
		{"regex: not a part of it", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_SafeRegex{SafeRegex: regex(`/products/\d+`)}}, "/api/products/123", false},
		{"regex without the query", &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_SafeRegex{SafeRegex: regex(`/products/\d+`)}}, "/products/1?x=y", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Matches(tc.match, Request{Method: "GET", Authority: "a", Path: tc.path})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%v on %q: got %v, want %v", tc.match, tc.path, got, tc.want)
			}
		})
	}
}

func TestHeaderMatches(t *testing.T) {
	exact := func(name, v string) *routev3.HeaderMatcher {
		return &routev3.HeaderMatcher{Name: name, HeaderMatchSpecifier: &routev3.HeaderMatcher_StringMatch{
			StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: v}}}}
	}
	inverted := exact("x-env", "prod")
	inverted.InvertMatch = true
	absent := &routev3.HeaderMatcher{Name: "x-debug", HeaderMatchSpecifier: &routev3.HeaderMatcher_PresentMatch{PresentMatch: false}}
	rx := &routev3.HeaderMatcher{Name: "end-user", HeaderMatchSpecifier: &routev3.HeaderMatcher_StringMatch{
		StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_SafeRegex{SafeRegex: regex("jas.n")}}}}
	for _, tc := range []struct {
		name    string
		m       *routev3.HeaderMatcher
		headers map[string][]string
		method  string
		want    bool
	}{
		{"method", exact(":method", "POST"), nil, "POST", true},
		{"method other", exact(":method", "POST"), nil, "GET", false},
		{"exact", exact("end-user", "jason"), map[string][]string{"end-user": {"jason"}}, "GET", true},
		{"values joined", exact("x", "a,b"), map[string][]string{"x": {"a", "b"}}, "GET", true},
		{"missing", exact("end-user", "jason"), nil, "GET", false},
		{"inverted", inverted, map[string][]string{"x-env": {"stg"}}, "GET", true},
		{"inverted and missing: no match", inverted, nil, "GET", false},
		{"absent", absent, nil, "GET", true},
		{"absent but present", absent, map[string][]string{"x-debug": {"1"}}, "GET", false},
		{"regex is whole", rx, map[string][]string{"end-user": {"jason"}}, "GET", true},
		{"regex is whole: longer", rx, map[string][]string{"end-user": {"jasonx"}}, "GET", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}, Headers: []*routev3.HeaderMatcher{tc.m}}
			got, err := Matches(m, Request{Method: tc.method, Authority: "a", Path: "/", Headers: tc.headers})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQueryMatches(t *testing.T) {
	m := &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}, QueryParameters: []*routev3.QueryParameterMatcher{{
		Name: "debug", QueryParameterMatchSpecifier: &routev3.QueryParameterMatcher_StringMatch{
			StringMatch: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: "1 2"}}}}}}
	for path, want := range map[string]bool{"/?debug=1%202": true, "/?a=b&debug=1%202": true, "/?debug=1": false, "/": false} {
		got, err := Matches(m, Request{Method: "GET", Authority: "a", Path: path})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
}

func TestVirtualHost(t *testing.T) {
	rc := &routev3.RouteConfiguration{VirtualHosts: []*routev3.VirtualHost{
		{Name: "any", Domains: []string{"*"}},
		{Name: "prefix", Domains: []string{"api.*"}},
		{Name: "suffix", Domains: []string{"*.domain.shop"}},
		{Name: "longer suffix", Domains: []string{"*.api.domain.shop"}},
		{Name: "exact", Domains: []string{"api.domain.shop", "api.domain.shop:*"}},
	}}
	for host, want := range map[string]string{
		"api.domain.shop":      "exact",
		"API.domain.shop":      "exact",
		"x.api.domain.shop":    "longer suffix",
		"shop.domain.shop":     "suffix",
		"api.example.com":      "prefix",
		"elsewhere.example":    "any",
		".domain.shop":         "any", // a wildcard matches at least one character
		"api.domain.shop:8080": "exact",
	} {
		rc := rc
		if host == "api.domain.shop:8080" {
			rc = &routev3.RouteConfiguration{VirtualHosts: rc.VirtualHosts, IgnorePortInHostMatching: true}
		}
		if got := VirtualHost(rc, host); got.GetName() != want {
			t.Errorf("%s: got %q, want %q", host, got.GetName(), want)
		}
	}
}

func TestApplyRewrites(t *testing.T) {
	route := func(m *routev3.RouteMatch, a *routev3.RouteAction) *routev3.Route {
		a.ClusterSpecifier = &routev3.RouteAction_Cluster{Cluster: "outbound|8080||orders-api.prd-api.svc.cluster.local"}
		return &routev3.Route{Match: m, Action: &routev3.Route_Route{Route: a}}
	}
	for _, tc := range []struct {
		name     string
		r        *routev3.Route
		path     string
		wantPath string
		wantHost string
	}{
		{"prefix replaces the matched prefix", route(&routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/orders/"}},
			&routev3.RouteAction{PrefixRewrite: "/"}), "/orders/42?x=1", "/42?x=1", "a"},
		{"segment prefix rewritten to / leaves a double slash", route(&routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/orders"}},
			&routev3.RouteAction{PrefixRewrite: "/"}), "/orders/42", "//42", "a"},
		{"exact match: the whole path", route(&routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Path{Path: "/old"}},
			&routev3.RouteAction{PrefixRewrite: "/new"}), "/old?q", "/new?q", "a"},
		{"regex rewrite with a group, query kept", route(&routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/orders"}},
			&routev3.RouteAction{RegexRewrite: &matcherv3.RegexMatchAndSubstitute{Pattern: regex(`^/orders(/(.*))?$`), Substitution: `/\2`}}), "/orders/42?x", "/42?x", "a"},
		{"regex rewrite of the bare prefix", route(&routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: "/orders"}},
			&routev3.RouteAction{RegexRewrite: &matcherv3.RegexMatchAndSubstitute{Pattern: regex(`^/orders(/(.*))?$`), Substitution: `/\2`}}), "/orders", "/", "a"},
		{"host", route(&routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
			&routev3.RouteAction{HostRewriteSpecifier: &routev3.RouteAction_HostRewriteLiteral{HostRewriteLiteral: "internal"}}), "/x", "/x", "internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Apply(tc.r, Request{Method: "GET", Authority: "a", Path: tc.path})
			if err != nil {
				t.Fatal(err)
			}
			if out.Path != tc.wantPath || out.Authority != tc.wantHost {
				t.Errorf("got %s %s, want %s %s", out.Authority, out.Path, tc.wantHost, tc.wantPath)
			}
		})
	}
}

func TestApplyRedirect(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    *routev3.RedirectAction
		req  Request
		want Redirect
	}{
		{"https", &routev3.RedirectAction{SchemeRewriteSpecifier: &routev3.RedirectAction_HttpsRedirect{HttpsRedirect: true}},
			Request{Authority: "a.shop:80", Path: "/x?y"}, Redirect{"https://a.shop/x?y", 301}},
		{"host and prefix, 302", &routev3.RedirectAction{HostRedirect: "docs.shop", ResponseCode: routev3.RedirectAction_FOUND,
			PathRewriteSpecifier: &routev3.RedirectAction_PrefixRewrite{PrefixRewrite: "/v2/"}},
			Request{Authority: "a.shop", Path: "/v1/page"}, Redirect{"http://docs.shop/v2/page", 302}},
		{"an empty path keeps the request's", &routev3.RedirectAction{SchemeRewriteSpecifier: &routev3.RedirectAction_SchemeRedirect{SchemeRedirect: "https"},
			PathRewriteSpecifier: &routev3.RedirectAction_PathRedirect{PathRedirect: ""}},
			Request{Authority: "a.shop", Path: "/v1/page?x=1"}, Redirect{"https://a.shop/v1/page?x=1", 301}},
		{"path, query stripped", &routev3.RedirectAction{PathRewriteSpecifier: &routev3.RedirectAction_PathRedirect{PathRedirect: "/gone"}, StripQuery: true},
			Request{Authority: "a.shop", Path: "/v1/page?x=1"}, Redirect{"http://a.shop/gone", 301}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &routev3.Route{Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/v1/"}}, Action: &routev3.Route_Redirect{Redirect: tc.a}}
			if tc.name == "https" {
				r.Match = &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}}
			}
			out, err := Apply(r, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if out.Redirect == nil || *out.Redirect != tc.want {
				t.Errorf("got %+v, want %+v", out.Redirect, tc.want)
			}
		})
	}
}

func TestFirstRouteIsFirst(t *testing.T) {
	vh := &routev3.VirtualHost{Routes: []*routev3.Route{
		{Name: "api", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/api"}}},
		{Name: "api-v2", Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/api/v2"}}},
	}}
	i, err := FirstRoute(vh, Request{Method: "GET", Authority: "a", Path: "/api/v2/x"})
	if err != nil || i != 0 {
		t.Errorf("got route %d (%v), want 0: the first match wins, not the longest", i, err)
	}
	i, err = FirstRoute(vh, Request{Method: "GET", Authority: "a", Path: "/other"})
	if err != nil || i != -1 {
		t.Errorf("got route %d (%v), want -1", i, err)
	}
}
