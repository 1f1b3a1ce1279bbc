package conformance

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestProofBrokenObjectsFail runs the proof layer on renderings that are
// broken on purpose (testdata/proof-broken/<case>/objects.yaml, with the
// case's cluster.yaml, requests.yaml and platform.yaml): each must draw
// exactly the findings listed, so the layer is shown to fail on every
// class of problem, in CI too. both-apis-differ also has
// objects-gateway-api.yaml, the same spec under the other API.
func TestProofBrokenObjectsFail(t *testing.T) {
	p := proofSetup(t)
	const group = "ALB group shop"
	cases := map[string][]want{
		"ignored-and-missing": {
			{"VirtualService shop/stray", Istiod, Error, "ignored: no proxy has a route from it"},
			{"VirtualService shop/web", Istiod, Error, "no-cluster: the route (prefix /ghost) of web.shop.example (gateway istio-system/istio-ingressgateway port 80) sends to ghost.shop.svc.cluster.local:80, a cluster this proxy does not have: Envoy answers 503"},
			{"VirtualService shop/web", Istiod, Error, "no-endpoints: the route (prefix /idle) of web.shop.example (gateway istio-system/istio-ingressgateway port 80) sends to idle.shop.svc.cluster.local:8080, which has no endpoints: Envoy answers 503"},
			{group, Istiod, Error, "forwards lost.shop.example to the gateway Service istio-system/istio-ingressgateway port 80, where the gateway has no virtual host for it: every request gets 404"},
		},
		"health-check-instance-port": {
			{group, ALBController, Error, "health-checks HTTP 15021 /healthz/ready of its targets: port 15021 is not the node port of its status port 15021, 31181, on the gateway Service istio-system/istio-ingressgateway: no target ever passes"},
		},
		"alb-refused": {
			{group, ALBController, Error, "rejected: the controller does not reconcile the group"},
		},
		"istiod-refuses": {
			{"VirtualService shop/web", Istiod, Error, "rejected: istiod's validation (its admission webhook) refuses it: only durations to ms precision are supported"},
			{group, Istiod, Error, "forwards web.shop.example to the gateway Service istio-system/istio-ingressgateway port 80, where the gateway has no virtual host for it"},
		},
		"gateway-api-unresolved": {
			{"HTTPRoute shop/web", Istiod, Error, "status: parent {\"namespace\":\"istio-system\",\"name\":\"ingress\"}: ResolvedRefs is False (BackendNotFound)"},
			{"HTTPRoute shop/web", Istiod, Error, "no-cluster: the route \"shop.web.0\" (prefix /) of web.shop.example (gateway istio-system/ingress-istio port 80) sends to"},
		},
		"listeners-not-the-platforms": {
			{group, ALBController, Error, "the HTTPS listener's certificates are arn:aws:acm:ap-northeast-2:111122223333:certificate/00000000-1111-2222-3333-444444444444, the platform's arn:aws:acm:ap-northeast-2:111122223333:certificate/8b3e4f50-6c7d-4e8f-a091-2c3d4e5f6a73"},
			{group, ALBController, Error, `the HTTPS listener's SSL policy is "ELBSecurityPolicy-2016-08", the platform's "ELBSecurityPolicy-TLS13-1-2-2021-06"`},
			{group, ALBController, Error, "port 80 of the ALB does not redirect every request to HTTPS 443 (301)"},
		},
		"duplicate-mesh-routes": {
			{"VirtualService shop/reviews-b", Istiod, Error, "ignored: no proxy has a route from it"},
			{"reviews.shop.svc.cluster.local:9080", Istiod, Error, "conflict: istiod's push status pilot_vservice_dup_domain: duplicate domain from service: reviews.shop.svc.cluster.local:9080"},
		},
		"gateway-tls-tcp": {
			{"Gateway shop/web", Istiod, Error, "its server on port 443 (web.shop.example, SIMPLE) names no Secret web-cert in the gateway's namespace istio-system: Envoy never gets the certificate"},
			{"Gateway shop/web", Istiod, Error, "its server on port 443 (secure.shop.example, MUTUAL) names the Secret istio-system/secure-cert, which has no ca.crt, and there is no secure-cert-cacert"},
			{"VirtualService shop/echo", Istiod, Error, "no-endpoints: the TCP route (gateway istio-system/istio-ingressgateway port 31400) sends to idle.shop.svc.cluster.local:9000, which has no endpoints: the connection is closed"},
			{"VirtualService shop/db", Istiod, Error, "no-cluster: the TLS passthrough of db.shop.example (gateway istio-system/istio-ingressgateway port 15443) sends to db.shop.svc.cluster.local:5432, a cluster this proxy does not have"},
			{"TCP tcp://echo.shop.example:31400", RequestsFile, Error, "got  {backend: idle.shop:9000 (no endpoints: 503)"},
			{"GET https://db.shop.example:15443/", RequestsFile, Error, "got  {backend: db.shop:5432 (no such cluster: 503)"},
			{"gateway istio-system/istio-ingressgateway port 443", Istiod, Error, "its TLS for web.shop.example takes TLS from TLSV1_2 (Envoy's TLS_AUTO), the platform's minimum is TLSV1_3"},
		},
		"both-apis-differ": {
			{"GET http://web.shop.example/orders", BothAPIs, Error, "it gets {pods: {shop/web-proof-0:8080: 100}, path: /orders, host: web.shop.example} under api: istio but {pods: {shop/orders-proof-0:8080: 100}, path: /, host: web.shop.example} under api: gateway-api"},
			{"GET http://web.shop.example/orders/1", BothAPIs, Error, `its route's CORS policy is {"allowOrigins":["exact https://*.bar.com"],"allowMethods":"GET"} under api: istio but {"allowOrigins":["regex ^https://.*\\.bar\\.com$"],"allowMethods":"GET"} under api: gateway-api`},
		},
	}
	dirs, err := filepath.Glob(filepath.Join("testdata", "proof-broken", "*", "objects.yaml"))
	if err != nil || len(dirs) != len(cases) {
		t.Fatalf("want %d cases under testdata/proof-broken, found %d: %v", len(cases), len(dirs), err)
	}
	for name, wants := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("testdata", "proof-broken", name)
			src, err := LoadSource(dir, filepath.Join(dir, "objects.yaml"), dir)
			if err != nil {
				t.Fatal(err)
			}
			reqs, err := LoadRequests(dir)
			if err != nil {
				t.Fatal(err)
			}
			fixture, err := LoadFixture(dir)
			if err != nil {
				t.Fatal(err)
			}
			platform, err := FindPlatform(dir)
			if err != nil {
				t.Fatal(err)
			}
			r, err := p.Run(t.Context(), src, fixture, reqs, platform)
			if err != nil {
				t.Fatal(err)
			}
			got := r.Findings
			if other := filepath.Join(dir, "objects-gateway-api.yaml"); exists(other) {
				gwSrc, err := LoadSource(dir+" (gateway-api)", other, dir)
				if err != nil {
					t.Fatal(err)
				}
				gw, err := p.Run(t.Context(), gwSrc, fixture, reqs, platform)
				if err != nil {
					t.Fatal(err)
				}
				// What each rendering answers is not the point here: that
				// they answer differently is.
				got = CompareAPIs(r, gw)
			}
			matchWants(t, got, wants)
		})
	}
}

// matchWants fails t unless every want matches a finding and every
// finding a want.
func matchWants(t *testing.T, got []Finding, wants []want) {
	t.Helper()
	used := make([]bool, len(wants))
	for _, f := range got {
		i := slices.IndexFunc(wants, func(w want) bool { return w.matches(f) })
		if i < 0 {
			t.Errorf("unexpected finding: %s", f)
			continue
		}
		used[i] = true
	}
	for i, w := range wants {
		if !used[i] {
			t.Errorf("missing finding: %s: %s %s: ...%s...", w.object, w.component, w.severity, w.contains)
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
