package conformance

import (
	"slices"
	"strings"
	"testing"
)

// TestALBValueFormats checks each documented format against values from
// the controller's documentation (accepted) and near misses (rejected).
func TestALBValueFormats(t *testing.T) {
	cases := []struct {
		annotation string
		good, bad  []string
	}{
		{"scheme", []string{"internal", "internet-facing"}, []string{"public", "Internal", ""}},
		{"target-type", []string{"ip", "instance"}, []string{"pod"}},
		{"ip-address-type", []string{"ipv4", "dualstack", "dualstack-without-public-ipv4"}, []string{"ipv6"}},
		{"listen-ports", []string{`[{"HTTP": 80}, {"HTTPS": 443}, {"HTTP": 8080}, {"HTTPS": 8443}]`, `[{"HTTPS":443}]`},
			[]string{`[{"HTTP": 80}, {"HTTP": 80}]`, `[{"TCP": 80}]`, `[{"HTTP": 0}]`, `[{"HTTP": 80, "HTTPS": 443}]`, `[]`, `HTTP:80`, `[{"HTTP": "80"}]`}},
		{"ssl-redirect", []string{"443", "8443"}, []string{"https", "0", "70000"}},
		{"certificate-arn", []string{
			"arn:aws:acm:us-west-2:111122223333:certificate/8b3e4f50",
			"arn:aws:acm:us-west-2:111122223333:certificate/a, arn:aws:acm:us-west-2:111122223333:certificate/b",
			"arn:aws-cn:acm:cn-north-1:111122223333:certificate/c",
			"arn:aws:iam::111122223333:server-certificate/legacy"},
			[]string{"arn:aws:acm:us-west-2:1111:certificate/x", "arn:aws:acm::111122223333:certificate/x", "arn:aws:s3:::bucket", "arn:aws:acm:us-west-2:111122223333:certificate/a,", "8b3e4f50"}},
		{"wafv2-acl-arn", []string{"arn:aws:wafv2:us-west-2:111122223333:regional/webacl/x/3ab78708", "none"}, []string{"arn:aws:waf:us-west-2:111122223333:webacl/x", "web-acl"}},
		{"ssl-policy", []string{"ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-2016-08"}, []string{"TLS13", "ELBSecurityPolicy-"}},
		{"inbound-cidrs", []string{"10.0.0.0/24", "0.0.0.0/0, ::/0"}, []string{"10.0.0.0", "10.0.0.0/33", "10.0.0.0/8,"}},
		{"subnets", []string{"subnet-xxxx, mySubnet"}, []string{"subnet-a,,subnet-b"}},
		{"load-balancer-attributes", []string{"idle_timeout.timeout_seconds=600", "access_logs.s3.enabled=true,access_logs.s3.bucket=b"}, []string{"idle_timeout.timeout_seconds", "=600"}},
		{"tags", []string{"Environment=dev,Team=test", "env=prd, team=platform"}, []string{"env:prd"}},
		{"shield-advanced-protection", []string{"true", "false"}, []string{"yes", "True"}},
		{"group.name", []string{"my-team.awesome-group", "prd-public"}, []string{"Shop_Public", "-shop", "shop.", strings.Repeat("a", 64)}},
		{"group.order", []string{"10", "-1000", "1000"}, []string{"1001", "first"}},
		{"load-balancer-name", []string{"custom-name"}, []string{strings.Repeat("n", 33)}},
		{"healthcheck-port", []string{"traffic-port", "15021", "status-port"}, []string{"status_port", "0"}},
		{"healthcheck-path", []string{"/healthz/ready", "/package.service/method", "/AWS.ALB/healthcheck"}, []string{"healthz"}},
		{"success-codes", []string{"200", "200,201", "200-300", "0", "0,1", "0-5", "12"}, []string{"2xx", "300-200", "200,"}},
		{"healthcheck-interval-seconds", []string{"10"}, []string{"10s"}},
		{"backend-protocol-version", []string{"HTTP1", "HTTP2", "GRPC"}, []string{"grpc"}},
		{"auth-idp-oidc", []string{`{"issuer":"https://example.com","secretName":"my-k8s-secret"}`}, []string{`[]`, `{issuer}`}},
		{"mutual-authentication", []string{`[{"port": 443, "mode": "verify", "trustStore": "arn:aws:elasticloadbalancing:trustStoreArn", "ignoreClientCertificateExpiry": true}]`, `[{"port": 80, "mode": "passthrough"}]`},
			[]string{`[{"port": 443, "mode": "verify"}]`, `[{"port": 443, "mode": "strict"}]`, `[{"port": 443, "mode": "off", "trust": "x"}]`}},
		{"actions.response-503", []string{`{"type":"fixed-response","fixedResponseConfig":{"statusCode":"503"}}`}, []string{`fixed-response`}},
		{"conditions.rule-path1", []string{`[{"field":"host-header","hostHeaderConfig":{"values":["anno.example.com"]}}]`}, []string{`{"field":"host-header"}`}},
		{"listener-attributes.HTTP-80", []string{"routing.http.response.server.enabled=true"}, []string{"server-header"}},
	}
	for _, c := range cases {
		a, ok := lookupALB(c.annotation)
		if !ok {
			t.Errorf("%s: not in the table", c.annotation)
			continue
		}
		for _, v := range c.good {
			if err := a.check(v); err != nil {
				t.Errorf("%s: %q rejected: %v", c.annotation, v, err)
			}
		}
		for _, v := range c.bad {
			if err := a.check(v); err == nil {
				t.Errorf("%s: %q accepted", c.annotation, v)
			}
		}
	}
}

func TestALBUnknownAnnotations(t *testing.T) {
	for _, name := range []string{"idle-timeout", "actions.", "listener-attributes.TCP-80", "listener-attributes.HTTP-x", "Scheme"} {
		if _, ok := lookupALB(name); ok {
			t.Errorf("%s is taken for a documented annotation", name)
		}
	}
}

func parse(t *testing.T, y string) []Object {
	t.Helper()
	objs, err := ParseObjects([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func ingress(name string, annotations ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name + "\n  namespace: istio-system\n  annotations:\n")
	for i := 0; i+1 < len(annotations); i += 2 {
		b.WriteString("    alb.ingress.kubernetes.io/" + annotations[i] + ": '" + annotations[i+1] + "'\n")
	}
	return b.String()
}

func words(fs []Finding) []string {
	var ws []string
	for _, f := range fs {
		ws = append(ws, f.Object+": "+f.Words)
	}
	slices.Sort(ws)
	return ws
}

func TestCheckALBGroups(t *testing.T) {
	tls := []string{"listen-ports", `[{"HTTP": 80}, {"HTTPS": 443}]`, "ssl-redirect", "443", "scheme", "internet-facing"}
	cases := []struct {
		name  string
		yaml  string
		wants []string
	}{
		{"a group that agrees", ingress("a", append([]string{"group.name", "g"}, tls...)...) + "---\n" +
			ingress("b", append([]string{"group.name", "g", "tags", "team=b"}, tls...)...), nil},
		{"ssl-redirect to a port another member listens on", ingress("a", "group.name", "g", "listen-ports", `[{"HTTP": 80}]`, "ssl-redirect", "443") + "---\n" +
			ingress("b", "group.name", "g", "listen-ports", `[{"HTTPS": 443}]`, "ssl-redirect", "443"), nil},
		{"ssl-redirect without a certificate or HTTPS port", ingress("a", "ssl-redirect", "443"),
			[]string{`Ingress istio-system/a: alb.ingress.kubernetes.io/ssl-redirect: "443": the port to redirect to must be one of the HTTPS ports of its listen-ports ([])`}},
		{"the default listener with a certificate is HTTPS 443", ingress("a", "certificate-arn", "arn:aws:acm:us-west-2:111122223333:certificate/x", "ssl-redirect", "443"), nil},
		{"implicit groups are separate", ingress("a", "scheme", "internal") + "---\n" + ingress("b", "scheme", "internet-facing"), nil},
		{"a member without a group-wide annotation the others set", ingress("a", "group.name", "g", "inbound-cidrs", "10.0.0.0/8") + "---\n" + ingress("b", "group.name", "g"),
			[]string{`Ingress istio-system/b: ALB group "g": alb.ingress.kubernetes.io/inbound-cidrs is unset here but "10.0.0.0/8" on Ingress istio-system/a; the controller needs every Ingress of a group to agree on its Exclusive annotations and stops reconciling the group otherwise`}},
		{"mutual authentication on a port not listened on", ingress("a", "listen-ports", `[{"HTTPS": 443}]`, "mutual-authentication", `[{"port": 8443, "mode": "passthrough"}]`),
			[]string{`Ingress istio-system/a: alb.ingress.kubernetes.io/mutual-authentication: port 8443 must be one of the HTTPS ports of its listen-ports ([443])`}},
		{"ALB annotations on a kind the controller does not read", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: x\n  annotations:\n    alb.ingress.kubernetes.io/scheme: internal\n",
			[]string{"ConfigMap x/c: the controller reads alb.ingress.kubernetes.io/* annotations on networking.k8s.io/v1 Ingresses and v1 Services only, this v1 ConfigMap has scheme"}},
		{"an Ingress-only annotation on a Service", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: x\n  annotations:\n    alb.ingress.kubernetes.io/scheme: internal\n    alb.ingress.kubernetes.io/target-type: ip\n",
			[]string{"Service x/s: alb.ingress.kubernetes.io/scheme is documented for Ingresses only, not Services"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := words(CheckALB(parse(t, c.yaml)))
			if !slices.Equal(got, c.wants) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.wants, "\n"))
			}
		})
	}
}

// TestCheckALBTargetGroups checks what a target group's protocol version
// asks of its health check and listeners.
func TestCheckALBTargetGroups(t *testing.T) {
	grpc := []string{"backend-protocol-version", "GRPC", "listen-ports", `[{"HTTPS": 443}]`}
	cases := []struct {
		name  string
		yaml  string
		wants []string
	}{
		{"the controller's GRPC health check", ingress("a", append([]string{"healthcheck-port", "traffic-port", "healthcheck-path", "/AWS.ALB/healthcheck", "success-codes", "12"}, grpc...)...), nil},
		{"a gRPC health service", ingress("a", append([]string{"healthcheck-path", "/grpc.health.v1.Health/Check", "success-codes", "0"}, grpc...)...), nil},
		{"GRPC with HTTP status codes", ingress("a", append([]string{"success-codes", "200"}, grpc...)...),
			[]string{`Ingress istio-system/a: alb.ingress.kubernetes.io/success-codes: "200": a GRPC target group matches gRPC status codes from 0 to 99`}},
		{"HTTP1 with gRPC status codes", ingress("a", "success-codes", "0-12"),
			[]string{`Ingress istio-system/a: alb.ingress.kubernetes.io/success-codes: "0-12": an HTTP1 target group matches HTTP status codes from 200 to 499`}},
		{"HTTP2 matches HTTP status codes", ingress("a", "backend-protocol-version", "HTTP2", "listen-ports", `[{"HTTPS": 443}]`, "success-codes", "200-399"), nil},
		{"a GRPC health check path that is no method", ingress("a", append([]string{"healthcheck-path", "/healthz"}, grpc...)...),
			[]string{`Ingress istio-system/a: alb.ingress.kubernetes.io/healthcheck-path: "/healthz": a GRPC target group's health check calls a gRPC method, /package.service/method`}},
		{"GRPC on an HTTP listener", ingress("a", "backend-protocol-version", "GRPC", "listen-ports", `[{"HTTP": 80}, {"HTTPS": 443}]`),
			[]string{"Ingress istio-system/a: alb.ingress.kubernetes.io/listen-ports: puts the rules of this Ingress, which forward to a GRPC target group, on the HTTP listener 80, and the group has no ssl-redirect; the ALB forwards to HTTP2 and GRPC target groups from HTTPS listeners only"}},
		{"GRPC on an HTTP listener that only redirects", ingress("a", "group.name", "g", "backend-protocol-version", "GRPC", "listen-ports", `[{"HTTP": 80}, {"HTTPS": 443}]`, "ssl-redirect", "443") + "---\n" +
			ingress("b", "group.name", "g", "listen-ports", `[{"HTTP": 80}, {"HTTPS": 443}]`, "ssl-redirect", "443"), nil},
		{"GRPC beside HTTP in a group without redirect", ingress("a", append([]string{"group.name", "g"}, grpc...)...) + "---\n" +
			ingress("b", "group.name", "g", "listen-ports", `[{"HTTP": 80}, {"HTTPS": 443}]`), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := words(CheckALB(parse(t, c.yaml)))
			if !slices.Equal(got, c.wants) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.wants, "\n"))
			}
		})
	}
}
