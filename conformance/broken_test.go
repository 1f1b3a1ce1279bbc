package conformance

import (
	"path/filepath"
	"strings"
	"testing"
)

// want is a finding a broken object must draw: which object, which
// component, error or warning, and a part of the component's words.
type want struct {
	object    string
	component Component
	severity  Severity
	contains  string
}

func (w want) matches(f Finding) bool {
	return f.Object == w.object && f.Component == w.component && f.Severity == w.severity && strings.Contains(f.Words, w.contains)
}

// TestBrokenObjectsFail runs the suite's checks on deliberately broken
// objects (testdata/<case>/objects.yaml): each must draw exactly the
// findings listed, so the suite fails on them, naming the object, the
// component and its words.
func TestBrokenObjectsFail(t *testing.T) {
	const ingressShopWeb = "Ingress istio-system/shop-web"
	cases := map[string][]want{
		"certificate-refused": {
			{"Certificate istio-system/shop-web-tls", APIServer, Error, `unknown field "spec.dnsName"`},
		},
		"extensions-v1beta1-ingress": {
			{"Ingress istio-system/legacy", APIServer, Error, `no matches for kind "Ingress" in version "extensions/v1beta1"`},
		},
		"virtualservice-gateway-short-name": {
			{"VirtualService shop/web", IstioAnalyze, Error, `Referenced gateway not found: "web" [IST0101]`},
			{"VirtualService shop/web", IstioAnalyze, Warning, "not found in Gateway shop/web"},
		},
		"istio-partial-wildcard-host": {
			{"VirtualService shop/web", IstioValidate, Error, `domain name "web*.domain.shop" invalid (label "web*" invalid)`},
			{"VirtualService shop/web", IstioAnalyze, Error, `Schema validation error: domain name "web*.domain.shop" invalid (label "web*" invalid) [IST0106]`},
		},
		"unknown-field": {
			{"Service shop/web", APIServer, Error, `unknown field "spec.ports[0].nmae"`},
			{"Service shop/web", IstioValidate, Error, "has an unnamed port"},
		},
		"alb-bad-values": {
			{ingressShopWeb, ALBCheck, Error, `scheme: "public": want one of internal, internet-facing`},
			{ingressShopWeb, ALBCheck, Error, `target-type: "pod": want one of instance, ip`},
			{ingressShopWeb, ALBCheck, Error, `certificate-arn: "arn:aws:acm:ap-northeast-2:1111:certificate/8b3e4f50": "arn:aws:acm:ap-northeast-2:1111:certificate/8b3e4f50" is not an ACM certificate ARN`},
			{ingressShopWeb, ALBCheck, Error, `healthcheck-path: "healthz/ready": want a path starting with /`},
			{ingressShopWeb, ALBCheck, Error, `group.name: "Shop_Public": want lower case alphanumerics`},
			{ingressShopWeb, ALBCheck, Error, "alb.ingress.kubernetes.io/idle-timeout is not an annotation the AWS Load Balancer Controller documents"},
			{ingressShopWeb, ALBCheck, Error, `ssl-redirect: "443": the port to redirect to must be one of the HTTPS ports the Ingresses of ALB group "Shop_Public" listen on ([])`},
		},
		"alb-grpc-http-health-check": {
			{"Ingress istio-system/shop-orders", ALBCheck, Error, `success-codes: "200": a GRPC target group matches gRPC status codes from 0 to 99`},
			{"Ingress istio-system/shop-orders", ALBCheck, Error, "listen-ports: puts the rules of this Ingress, which forward to a GRPC target group, on the HTTP listener 80, and the group has no ssl-redirect"},
		},
		"alb-group-disagrees": {
			{ingressShopWeb, ALBCheck, Error, `ALB group "shop": alb.ingress.kubernetes.io/scheme is "internal" here but "internet-facing" on Ingress istio-system/shop-api`},
			{ingressShopWeb, ALBCheck, Error, `ALB group "shop": alb.ingress.kubernetes.io/ssl-policy is unset here but "ELBSecurityPolicy-TLS13-1-2-2021-06" on Ingress istio-system/shop-api`},
		},
		"warning-not-allowed": {
			{"Deployment shop/web", IstioValidate, Warning, "may not provide Istio metrics and telemetry labels"},
		},
		"warning-allowed": nil,
		"istio-refuses-route-rules": {
			// krm-fn's route rules, refused by Istio too (testdata/adversarial/route-*).
			{"VirtualService shop/cors", IstioValidate, Error, `"FETCH" is not a supported HTTP method`},
			{"VirtualService shop/cors", IstioAnalyze, Error, `"FETCH" is not a supported HTTP method`},
			{"VirtualService shop/cors", IstioValidate, Error, `header name bad header is not a valid header name`},
			{"VirtualService shop/cors", IstioAnalyze, Error, `header name bad header is not a valid header name`},
			{"VirtualService shop/fault", IstioValidate, Error, `HTTP status 700 is not in range 200-599`},
			{"VirtualService shop/fault", IstioAnalyze, Error, `HTTP status 700 is not in range 200-599`},
			{"VirtualService shop/fault", IstioValidate, Error, `percentage 120 is neither 0.0, nor in range [0.0001, 100.0]`},
			{"VirtualService shop/fault", IstioAnalyze, Error, `percentage 120 is neither 0.0, nor in range [0.0001, 100.0]`},
			{"VirtualService shop/headers", IstioValidate, Error, "header value configuration one"}, // istioctl validate splits the message at the line break
			{"VirtualService shop/headers", IstioAnalyze, Error, `set-cookie: two is invalid`},
			{"VirtualService shop/headers", IstioValidate, Error, `invalid header configuration. Un-escaped %`},
			{"VirtualService shop/headers", IstioAnalyze, Error, `invalid header configuration. Un-escaped %`},
			{"VirtualService shop/headers", IstioValidate, Error, `invalid header ":path": header cannot have ":" prefix`},
			{"VirtualService shop/headers", IstioAnalyze, Error, `invalid header ":path": header cannot have ":" prefix`},
			{"VirtualService shop/mirror", IstioValidate, Error, `mirror_percentage must have a max value of 100`},
			{"VirtualService shop/mirror", IstioAnalyze, Error, `mirror_percentage must have a max value of 100`},
			{"VirtualService shop/redirect-and-respond", IstioValidate, Error, `HTTP route rule cannot contain both direct_response and redirect`},
			{"VirtualService shop/redirect-and-respond", IstioAnalyze, Error, `HTTP route rule cannot contain both direct_response and redirect`},
			{"VirtualService shop/redirect-with-route", IstioValidate, Error, `HTTP route cannot contain both route and redirect`},
			{"VirtualService shop/redirect-with-route", IstioAnalyze, Error, `HTTP route cannot contain both route and redirect`},
			{"VirtualService shop/regex", IstioValidate, Error, "invalid or unsupported Perl syntax: `(?!`"},
			{"VirtualService shop/regex", IstioAnalyze, Error, "invalid or unsupported Perl syntax: `(?!`"},
			{"VirtualService shop/respond-status", IstioValidate, Error, `HTTP status 99 is not in range 200-599`},
			{"VirtualService shop/respond-status", IstioAnalyze, Error, `HTTP status 99 is not in range 200-599`},
			{"VirtualService shop/retries", IstioValidate, Error, `http retry policy configured when attempts are set to 0 (disabled)`},
			{"VirtualService shop/retries", IstioAnalyze, Error, `http retry policy configured when attempts are set to 0 (disabled)`},
			{"VirtualService shop/headers", IstioValidate, Warning, "set-cookie: two is invalid"},
		},
		"gateway-api-refuses-route-rules": {
			// krm-fn's Gateway API rules, refused by the API server too (testdata/adversarial/gateway-api).
			{"HTTPRoute shop/cors", APIServer, Error, `spec.rules[0].filters[0].cors.allowOrigins[0]: Invalid value: "https://.*\\.example\\.com"`},
			{"HTTPRoute shop/rule-name", APIServer, Error, `spec.rules[0].name: Invalid value: "Faulty_Route"`},
		},
		"gateway-api-refuses-l4": {
			// krm-fn's Gateway API rules of passthrough and TCP, refused by the API server too (testdata/adversarial/gateway-api-nlb).
			{"TLSRoute shop/any-host", APIServer, Error, "Wildcards on hostnames must be the first label"},
			{"TCPRoute shop/tcp-echo-31400", APIServer, Error, "spec.rules[0].backendRefs: Too many: 17: must have at most 16 items"},
		},
		"allowance-matches-nothing": {
			{"Service shop/web", Allowances, Error, `entry 0 (istioctl validate warning containing "does not follow the Istio naming convention") matches no warning: remove it`},
		},
	}
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "objects.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != len(cases) {
		t.Errorf("testdata has %d cases, the test lists %d: keep them in step", len(dirs), len(cases))
	}
	c := setup(t)
	for name, wants := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			src, err := LoadSource(filepath.Join("conformance", dir), filepath.Join(dir, "objects.yaml"), dir)
			if err != nil {
				t.Fatal(err)
			}
			findings, err := c.Check(t.Context(), src)
			if err != nil {
				t.Fatal(err)
			}
			matched := make([]bool, len(findings))
			for _, w := range wants {
				found := false
				for i, f := range findings {
					if w.matches(f) {
						found, matched[i] = true, true
					}
				}
				if !found {
					t.Errorf("missing: %s %s from %s containing %q", w.object, w.severity, w.component, w.contains)
				}
			}
			for i, f := range findings {
				if !matched[i] {
					t.Errorf("unexpected: %s", f)
				}
				if !strings.HasPrefix(f.String(), src.Name+": ") {
					t.Errorf("%q does not start with the source's name", f)
				}
			}
		})
	}
}
