package conformance

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func itoa(i int32) string { return strconv.Itoa(int(i)) }

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestLoadRequestsRefuses(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"lower-case method", "- request: get https://a.shop/\n  expect: {status: 404}\n", `request must read "METHOD URL"`},
		{"no scheme", "- request: GET a.shop/x\n  expect: {status: 404}\n", "the URL must be http:// or https:// with a host"},
		{"two answers", "- request: GET https://a.shop/\n  expect: {status: 404, backend: a.b:80}\n", "say exactly one of backend, backends, redirect, respond or status"},
		{"no answer", "- request: GET https://a.shop/\n  expect: {}\n", "say exactly one of"},
		{"path without backend", "- request: GET https://a.shop/\n  expect: {redirect: 301 https://b/, path: /x}\n", "path and host are what a backend receives"},
		{"another status", "- request: GET https://a.shop/\n  expect: {status: 503}\n", "status is 404"},
		{"TCP without a port", "- request: TCP tcp://echo.shop\n  expect: {backend: a.b:9000}\n", "a TCP connection reads TCP tcp://HOST:PORT"},
		{"TCP over http", "- request: TCP http://echo.shop:31400\n  expect: {backend: a.b:9000}\n", "a TCP connection reads TCP tcp://HOST:PORT"},
		{"TCP with a path", "- request: TCP tcp://echo.shop:31400/x\n  expect: {backend: a.b:9000}\n", "a TCP connection reads TCP tcp://HOST:PORT"},
		{"tcp for a method", "- request: GET tcp://echo.shop:31400\n  expect: {backend: a.b:9000}\n", "the URL must be http:// or https:// with a host"},
		{"unknown field", "- request: GET https://a.shop/\n  expect: {status: 404}\n  from_: x\n", `unknown field "from_"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, RequestsFile), []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadRequests(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestExpectDefaultsAndDiffers(t *testing.T) {
	r := Request{Request: "GET https://api.shop/orders/1?x=2", Expect: Expect{Backend: "orders.shop:8080", Path: "/1?x=2"}}
	c, err := r.parse()
	if err != nil {
		t.Fatal(err)
	}
	want := r.Expect.want(c)
	got := Outcome{Backends: map[string]uint32{"orders.shop:8080": 100}, Path: "/1?x=2", Host: "api.shop",
		ALB: &ExpectALB{TargetGroup: "istio-system/gw:80"}}
	if got.Differs(want) {
		t.Errorf("%s differs from %s; an unset alb: is not compared, an unset host is the request's", got, want)
	}
	got.Host = "internal"
	if !got.Differs(want) {
		t.Error("a rewritten host must differ from an expectation that says none")
	}
	got.Host, got.Backends = "api.shop", map[string]uint32{"orders.shop:8080 (no endpoints: 503)": 100}
	if !got.Differs(want) {
		t.Error("a backend without endpoints must differ")
	}
}

func TestCodes(t *testing.T) {
	for _, tc := range []struct {
		matcher string
		code    int
		want    bool
	}{{"200", 200, true}, {"200", 204, false}, {"200-299", 204, true}, {"200,302", 302, true}, {"0-99", 12, true}, {"12", 0, false}} {
		if got := codes(tc.matcher, tc.code); got != tc.want {
			t.Errorf("codes(%q, %d) = %v", tc.matcher, tc.code, got)
		}
	}
}

func TestVirtualHostOfTable(t *testing.T) {
	table := &IstioTable{Hosts: []IstioHost{
		{Name: "blackhole:80", Domains: []string{"*"}},
		{Name: "a", Domains: []string{"api.shop"}},
		{Name: "b", Domains: []string{"*.shop"}},
		{Name: "c", Domains: []string{"*.api.shop"}},
	}}
	for host, want := range map[string]string{"api.shop": "a", "x.shop": "b", "x.api.shop": "c", "other.example": ""} {
		got := ""
		if h := virtualHost(table, host); h != nil {
			got = h.Name
		}
		if got != want {
			t.Errorf("%s: got %q, want %q (istiod's blackhole is no host)", host, got, want)
		}
	}
}

func TestKnownFailures(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, KnownFailuresFile)
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`
- {source: s, component: istiod, object: VirtualService a/b, contains: no endpoints, issue: 19, reason: r}
- {source: s, component: istiod, object: VirtualService a/c, contains: gone, issue: 19, reason: r}
- {source: other, component: istiod, object: x, contains: y, issue: 19, reason: r}
`)
	k, err := LoadKnownFailures(file, dir)
	if err != nil {
		t.Fatal(err)
	}
	known, others := k.Split("s", []Finding{
		{Source: "s", Object: "VirtualService a/b", Component: Istiod, Words: "no-endpoints: ... which has no endpoints: ..."},
		{Source: "s", Object: "VirtualService a/d", Component: Istiod, Words: "no endpoints"},
	})
	if len(known) != 1 || len(others) != 1 || others[0].Object != "VirtualService a/d" {
		t.Errorf("known %v, others %v", known, others)
	}
	// a/c matched nothing in a source that ran; "other" did not run.
	stale := k.Stale()
	if len(stale) != 1 || !strings.Contains(stale[0], `"gone" of s`) {
		t.Errorf("stale: %v", stale)
	}
	write("- {source: s, component: istiod, object: o, contains: c, reason: r}\n")
	if _, err := LoadKnownFailures(file, dir); err == nil || !strings.Contains(err.Error(), "say either the issue") {
		t.Errorf("an entry without issue or warns: %v", err)
	}
	write("- {source: testdata/case/expected.yaml, component: istiod, object: o, contains: c, warns: not said, reason: r}\n")
	if _, err := LoadKnownFailures(file, dir); err == nil || !strings.Contains(err.Error(), "only what krm-fn warns about") {
		t.Errorf("a warns that the case's warnings.txt does not say: %v", err)
	}
}

func TestFlipAPI(t *testing.T) {
	objs := parse(t, `
apiVersion: exposure.krmfn.io/v1alpha1
kind: ExposurePlatform
metadata: {name: prd}
spec:
  gateway: {namespace: istio-system, service: istio-ingressgateway, selector: {istio: ingressgateway}, port: 80}
`)
	p := objs[0].Unstructured
	api, err := FlipAPI(p)
	if err != nil || api != "gateway-api" {
		t.Fatalf("%s %v", api, err)
	}
	gw := p.Object["spec"].(map[string]any)["gateway"].(map[string]any)
	if ch, _, _ := unstructured.NestedString(p.Object, "spec", "gatewayAPI", "channel"); p.Object["spec"].(map[string]any)["api"] != "gateway-api" || gw["service"] != nil || gw["selector"] != nil || gw["port"] == nil || ch != "experimental" {
		t.Errorf("to gateway-api: %v", p.Object["spec"])
	}
	if api, _ := FlipAPI(p); api != "istio" || p.Object["spec"].(map[string]any)["api"] != nil || p.Object["spec"].(map[string]any)["gatewayAPI"] != nil {
		t.Errorf("back to istio: %s %v", api, p.Object["spec"])
	}
}

// TestRetryMeaning: retry policies compare by what Envoy retries, not by
// the names of the conditions.
func TestRetryMeaning(t *testing.T) {
	gatewayError := &IstioRetries{Attempts: 3, PerTryTimeout: "2s", RetryOn: "gateway-error,connect-failure,refused-stream"}
	codes := &IstioRetries{Attempts: 3, PerTryTimeout: "2s", RetryOn: "connect-failure,refused-stream,retriable-status-codes", RetriableStatusCodes: []uint32{504, 502, 503}}
	withReset := &IstioRetries{Attempts: 3, PerTryTimeout: "2s", RetryOn: "reset,retriable-status-codes", RetriableStatusCodes: []uint32{502, 503, 504}}
	for _, tc := range []struct {
		name string
		a, b *IstioRetries
		same bool
	}{
		{"gateway-error retries resets, the codes alone do not", gatewayError, codes, false},
		{"gateway-error is its codes and resets", gatewayError, withReset, true},
		{"5xx is every 5xx code, more than the named ones", &IstioRetries{Attempts: 3, PerTryTimeout: "2s", RetryOn: "5xx"},
			&IstioRetries{Attempts: 3, PerTryTimeout: "2s", RetryOn: "gateway-error,retriable-status-codes,reset", RetriableStatusCodes: []uint32{500, 501, 505, 506, 507, 508, 509, 510, 511}}, false},
		{"attempts count", gatewayError, &IstioRetries{Attempts: 2, PerTryTimeout: "2s", RetryOn: gatewayError.RetryOn}, false},
		{"none is none", nil, nil, true},
	} {
		a, b := retryMeaning(tc.a), retryMeaning(tc.b)
		if (a == b) != tc.same {
			t.Errorf("%s: %q and %q", tc.name, a, b)
		}
	}
	if got, want := retryMeaning(&IstioRetries{Attempts: 2, RetryOn: "5xx,retriable-4xx,unavailable"}), "2 attempts, the route's timeout per try, on reset, status 409, status 500-599, unavailable"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
