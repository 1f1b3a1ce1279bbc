package routes

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
)

// TestGatewayAPIPrecedence orders rules as istiod's sortHTTPRoutes does:
// exact, prefix, regex; the longer path first, a PathPrefix without its
// trailing "/" ("/abcd" before "/abc/"); a method, more headers, more
// query parameters; the written order on a tie.
func TestGatewayAPIPrecedence(t *testing.T) {
	h := map[string]v1alpha1.StringMatch{"a": {Exact: "1"}}
	hh := map[string]v1alpha1.StringMatch{"a": {Exact: "1"}, "b": {Exact: "2"}}
	in := []v1alpha1.Match{
		{Prefix: "/"},
		{Regex: "/a.*"},
		{Prefix: "/abc/"},
		{Regex: "/ab"},
		{Exact: "/x"},
		{Prefix: "/abcd"},
		{Prefix: "/", Method: "GET"},
		{Prefix: "/", Headers: h},
		{Prefix: "/", Headers: hh},
		{Prefix: "/", QueryParams: h},
		{Exact: "/longer"},
	}
	want := []v1alpha1.Match{
		{Exact: "/longer"},
		{Exact: "/x"},
		{Prefix: "/abcd"},
		{Prefix: "/abc/"},
		{Prefix: "/", Method: "GET"},
		{Prefix: "/", Headers: hh},
		{Prefix: "/", Headers: h},
		{Prefix: "/", QueryParams: h},
		{Prefix: "/"},
		{Regex: "/a.*"},
		{Regex: "/ab"},
	}
	got := slices.Clone(in)
	slices.SortStableFunc(got, gatewayAPIPrecedence)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// TestMatches: the Gateway API's PathPrefix matches path segments, and a
// header prefix is a regex; Istio's API keeps both as written.
func TestMatches(t *testing.T) {
	m := v1alpha1.Match{Prefix: "/orders/", Headers: map[string]v1alpha1.StringMatch{"x-v": {Prefix: "1."}, "a": {Regex: "b+"}}}
	if got, want := istioMatch(m), (Match{Path: "prefix /orders/", Headers: []Condition{{"a", "regex b+"}, {"x-v", "prefix 1."}}}); !reflect.DeepEqual(got, want) {
		t.Errorf("istio: %+v, want %+v", got, want)
	}
	if got, want := gatewayAPIMatch(m), (Match{Path: "segments /orders", Headers: []Condition{{"a", "regex b+"}, {"x-v", `regex 1\..*`}}}); !reflect.DeepEqual(got, want) {
		t.Errorf("gateway-api: %+v, want %+v", got, want)
	}
	for prefix, want := range map[string]string{"/": "prefix /", "//": "prefix /", "/api": "segments /api"} {
		if got := gatewayAPIMatch(v1alpha1.Match{Prefix: prefix}).Path; got != want {
			t.Errorf("gateway-api prefix %q: %q, want %q", prefix, got, want)
		}
	}
}

// TestRetries: what Envoy's retry policy is (istiod's ConvertPolicy): a
// route without retries gets Istio's default, 0 attempts none, status
// codes become retriable-status-codes; the Gateway API retries on its
// codes and Istio's connection conditions.
func TestRetries(t *testing.T) {
	istio, gw := &builder{}, &builder{gatewayAPI: true}
	for _, tc := range []struct {
		b    *builder
		in   *model.Retries
		want *Retries
	}{
		{istio, nil, &Retries{Attempts: 2, RetryOn: defaultRetryOn, Default: true}},
		{gw, nil, &Retries{Attempts: 2, RetryOn: defaultRetryOn, Default: true}},
		{istio, &model.Retries{Attempts: 0}, nil},
		{istio, &model.Retries{Attempts: 3}, &Retries{Attempts: 3, RetryOn: defaultRetryOn}},
		{istio, &model.Retries{Attempts: 3, PerTryTimeout: 2 * time.Second, RetryOn: "5xx,503"},
			&Retries{Attempts: 3, PerTryTimeout: "2s", RetryOn: "5xx,retriable-status-codes", RetriableStatusCodes: []uint32{503}}},
		{gw, &model.Retries{Attempts: 3, RetryOn: "502,503,504,connect-failure"},
			&Retries{Attempts: 3, RetryOn: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", RetriableStatusCodes: []uint32{502, 503, 504}}},
		{gw, &model.Retries{Attempts: 0}, nil},
	} {
		if got := tc.b.retries(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("gateway-api %t, %+v: %+v, want %+v", tc.b.gatewayAPI, tc.in, got, tc.want)
		}
	}
}

// TestGatewayAPIOrigins are Istio's reading of Gateway API CORS origins,
// which krm-fn renders for api: istio too.
func TestGatewayAPIOrigins(t *testing.T) {
	for in, want := range map[string]string{
		"*":                   "regex " + v1alpha1.AnyCORSOrigin,
		"https://shop.x.com":  "exact https://shop.x.com",
		"https://*.x.com":     `regex ^https://.*\.x\.com$`,
		"https://shop.x.com*": "prefix https://shop.x.com",
	} {
		if got := istioCondition(v1alpha1.StringMatch{Exact: in}.CORSOrigin()); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// TestRedirectPorts: a redirect keeps the port written, but the scheme's
// own; with the Gateway API and no scheme, the request's (the listener's).
func TestRedirectPorts(t *testing.T) {
	for _, tc := range []struct {
		in         Redirect
		gatewayAPI bool
		port       uint32
		tls        bool
		want       uint32
	}{
		{Redirect{Port: 443, Scheme: "https"}, false, 80, false, 0},
		{Redirect{Port: 443}, false, 443, true, 0},
		{Redirect{Port: 443}, false, 80, false, 443},
		{Redirect{Port: 8443, Scheme: "https"}, false, 80, false, 8443},
		{Redirect{}, true, 8080, false, 8080},
		{Redirect{}, true, 80, false, 0},
		{Redirect{Scheme: "https"}, true, 8080, false, 0},
	} {
		if got := finishRedirect(&tc.in, tc.gatewayAPI, tc.port, tc.tls).Port; got != tc.want {
			t.Errorf("%+v on port %d (gateway-api %t, tls %t): port %d, want %d", tc.in, tc.port, tc.gatewayAPI, tc.tls, got, tc.want)
		}
	}
}

// TestHostHeader: a request header setting the host is the authority
// (a host rewrite), not a header change; the rewrite's host wins.
func TestHostHeader(t *testing.T) {
	ops, authority := headerOps(&v1alpha1.HeaderOps{Set: map[string]string{"Host": "a.internal", "x-a": "1"}, Remove: []string{"host", "x-b"}}, nil)
	want := &HeaderOps{Request: &HeaderChanges{Set: map[string]string{"x-a": "1"}, Remove: []string{"x-b"}}}
	if authority != "a.internal" || !reflect.DeepEqual(ops, want) {
		t.Errorf("%+v, %q", ops.Request, authority)
	}
	b := &builder{}
	if got := b.rewrite(nil, Match{Path: "prefix /"}, authority); got == nil || got.Host != "a.internal" {
		t.Errorf("rewrite %+v", got)
	}
	if got := b.rewrite(&v1alpha1.Rewrite{Host: "b.internal"}, Match{Path: "prefix /"}, authority); got.Host != "b.internal" {
		t.Errorf("rewrite %+v", got)
	}
}

// TestGatewayAPIPrefixRewrite: a prefix replaced by "/" is Istio's regex
// that keeps one "/"; another prefix loses its trailing "/".
func TestGatewayAPIPrefixRewrite(t *testing.T) {
	b := &builder{gatewayAPI: true}
	if got, want := b.rewrite(&v1alpha1.Rewrite{Prefix: "/"}, Match{Path: "segments /orders"}, ""), (&Rewrite{Regex: `^/orders(/?)(.*)`, Substitution: `/\2`}); !reflect.DeepEqual(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
	if got, want := b.rewrite(&v1alpha1.Rewrite{Prefix: "/v2/"}, Match{Path: "segments /orders"}, ""), (&Rewrite{Prefix: "/v2"}); !reflect.DeepEqual(got, want) {
		t.Errorf("%+v, want %+v", got, want)
	}
}

// TestUnreachable: after a route that takes every request, the others
// are marked; a method or a header is a condition.
func TestUnreachable(t *testing.T) {
	tb := &table{hosts: map[string]*host{}}
	h := tb.host("a.shop")
	for _, m := range []Match{{Path: "prefix /", Method: "GET"}, {Path: "prefix /", Headers: []Condition{{"x", "exact 1"}}}, {Path: "prefix /"}, {Path: "exact /x"}} {
		h.entries = append(h.entries, entry{route: Route{Match: m}})
	}
	got := tb.finish(false).Hosts[0].Routes
	for i, r := range got {
		if (r.Unreachable != "") != (i == 3) {
			t.Errorf("route %d: unreachable %q", i+1, r.Unreachable)
		}
	}
	if got[3].Unreachable != "route 3 (prefix /) takes every request before it" {
		t.Errorf("%q", got[3].Unreachable)
	}
}

// TestDiffOfWeights: a change of weights is one change, of the backends,
// printed as each weight's change.
func TestDiffOfWeights(t *testing.T) {
	routes := func(v1, v2 uint32) *Routes {
		return &Routes{Version: Version, Source: "x", API: "istio", Tables: []Table{{Proxy: "gateway ns/gw", Port: 80, Hosts: []Host{{
			Domains: []string{"a.shop"},
			Routes: []Route{
				{From: "VirtualService ns/a", Match: Match{Path: "exact /health"}, Backends: []Backend{{Service: "a.ns.svc.cluster.local", Name: "a", Namespace: "ns", Port: 80}}},
				{From: "VirtualService ns/a", Match: Match{Path: "prefix /"}, Backends: []Backend{
					{Service: "a.ns.svc.cluster.local", Name: "a", Namespace: "ns", Port: 80, Subset: "v1", Weight: v1},
					{Service: "a.ns.svc.cluster.local", Name: "a", Namespace: "ns", Port: 80, Subset: "v2", Weight: v2},
				}},
			},
		}}}}}
	}
	d := Compare(routes(90, 10), routes(80, 20))
	if len(d.Changes) != 1 {
		t.Fatalf("%d changes: %+v", len(d.Changes), d.Changes)
	}
	c := d.Changes[0]
	if c.What != WhatRoute || c.How != Changed || c.Host != "a.shop" || c.Position.New != 2 || len(c.Fields) != 1 || c.Fields[0].Field != "backends" {
		b, _ := json.Marshal(c)
		t.Fatalf("%s", b)
	}
	var b strings.Builder
	writeDiffTable(&b, d)
	if want := "  ~ 2. prefix /: weights ns/a:80 subset v1 90% → 80%, ns/a:80 subset v2 10% → 20%\n"; !strings.Contains(b.String(), want) {
		t.Errorf("the table lacks %q:\n%s", want, b.String())
	}
	if d := Compare(routes(90, 10), routes(90, 10)); len(d.Changes) != 0 {
		t.Errorf("the same routes differ: %+v", d.Changes)
	}
}

// TestDiffOfOrder: a route that moves among the others is said to; one
// added before the others moves none of them.
func TestDiffOfOrder(t *testing.T) {
	host := func(paths ...string) *Routes {
		h := Host{Domains: []string{"a.shop"}}
		for _, p := range paths {
			h.Routes = append(h.Routes, Route{Match: Match{Path: p}})
		}
		return &Routes{API: "istio", Tables: []Table{{Proxy: "gateway ns/gw", Port: 80, Hosts: []Host{h}}}}
	}
	d := Compare(host("exact /a", "exact /b"), host("exact /new", "exact /a", "exact /b"))
	if len(d.Changes) != 1 || d.Changes[0].How != Added {
		t.Errorf("an added route: %+v", d.Changes)
	}
	d = Compare(host("exact /a", "exact /b"), host("exact /b", "exact /a"))
	if len(d.Changes) != 2 || d.Changes[0].Fields[0].Field != "position" {
		t.Errorf("a swap: %+v", d.Changes)
	}
}

// TestMermaidQuotes: what Mermaid would read as syntax is an entity.
func TestMermaidQuotes(t *testing.T) {
	if got, want := quote(`regex ^/a|b"<c>#`+"`\n"), `"regex ^/a#124;b#quot;#lt;c#gt;#35;#96;<br/>"`; got != want {
		t.Errorf("%s, want %s", got, want)
	}
}

// TestSchemaIsDocumented: every field of the JSON (Routes, Diff) is named
// in docs/routes.md, so that the documented schema is the one printed.
func TestSchemaIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "routes.md"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(tp reflect.Type) {
		for tp.Kind() == reflect.Pointer || tp.Kind() == reflect.Slice || tp.Kind() == reflect.Map {
			tp = tp.Elem()
		}
		if tp.Kind() != reflect.Struct || seen[tp] {
			return
		}
		seen[tp] = true
		for i := range tp.NumField() {
			f := tp.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			named := slices.ContainsFunc([]string{"`" + name + "`", "." + name + "`", "`" + name + "[]`", "." + name + "[]`"}, func(s string) bool { return strings.Contains(string(doc), s) })
			if name != "" && !named {
				t.Errorf("docs/routes.md does not name %s.%s (%q)", tp.Name(), f.Name, name)
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(Routes{}))
	walk(reflect.TypeOf(Diff{}))
	if len(seen) < 15 {
		t.Fatalf("only %d types walked", len(seen))
	}
}
