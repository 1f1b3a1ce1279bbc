package conformance

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const synthSource = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: web, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [web.shop.example]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}, {name: admin, port: 9000, targetPort: 9000}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop-web, namespace: istio-system, annotations: {alb.ingress.kubernetes.io/target-type: instance}}
spec:
  ingressClassName: alb
  rules:
  - host: web.shop.example
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: istio-ingressgateway, port: {number: 80}}}}]}
`

const synthFixture = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 5
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: app, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: stray, namespace: shop, labels: {app: web}}
spec: {containers: [{name: app, image: app}]}
`

// TestSynthesize: what the proof layer makes of a source as a cluster
// would: pods for workloads, EndpointSlices at the ports the target ports
// resolve to on each pod, the platform's gateway as Istio's chart makes it,
// namespaces with their name label, the Ingress class.
func TestSynthesize(t *testing.T) {
	w, err := Synthesize(parse(t, synthSource), parse(t, synthFixture), nil)
	if err != nil {
		t.Fatal(err)
	}
	var pods, slices []string
	var ingressClass bool
	namespaces := map[string]string{}
	for _, o := range w.Objects {
		switch o.GetKind() {
		case "Pod":
			pods = append(pods, o.GetNamespace()+"/"+o.GetName())
		case "EndpointSlice":
			var es discoveryv1.EndpointSlice
			if err := fromUnstructured(o, &es); err != nil {
				t.Fatal(err)
			}
			var ports []string
			for _, p := range es.Ports {
				ports = append(ports, *p.Name+"="+itoa(*p.Port))
			}
			slices = append(slices, es.Name+" "+strings.Join(ports, ",")+" "+itoa(int32(len(es.Endpoints))))
		case "Namespace":
			namespaces[o.GetName()] = o.GetLabels()["kubernetes.io/metadata.name"]
		case "IngressClass":
			c, _, _ := unstructured.NestedString(o.Object, "spec", "controller")
			ingressClass = o.GetName() == "alb" && c == "ingress.k8s.aws/alb"
		}
	}
	// Three of the five replicas, the fixture's own Pod, and the gateway.
	want := "istio-system/istio-ingressgateway-proof-0 shop/stray shop/web-proof-0 shop/web-proof-1 shop/web-proof-2"
	if got := strings.Join(sorted(pods), " "); got != want {
		t.Errorf("pods: got %s, want %s", got, want)
	}
	// The stray Pod has no port named http: a slice of its own, without it.
	wantSlices := "istio-ingressgateway-proof-0 status-port=15021,http2=8080 1|web-proof-0 admin=9000 1|web-proof-1 http=8080,admin=9000 3"
	if got := strings.Join(sorted(slices), "|"); got != wantSlices {
		t.Errorf("endpoint slices: got %s, want %s", got, wantSlices)
	}
	gw := w.Service("istio-system", "istio-ingressgateway")
	if gw == nil || gw.Spec.Type != corev1.ServiceTypeLoadBalancer || len(gw.Spec.Selector) != 1 || gw.Spec.Selector["istio"] != "ingressgateway" {
		t.Fatalf("the gateway Service: %+v", gw)
	}
	for _, p := range gw.Spec.Ports {
		want := map[string][2]int32{"status-port": {15021, 15021}, "http2": {80, 8080}}[p.Name]
		if p.Port != want[0] || p.TargetPort != intstr.FromInt32(want[1]) || p.NodePort == 0 {
			t.Errorf("gateway port %s: %d→%s node port %d, want %d→%d with a node port", p.Name, p.Port, p.TargetPort.String(), p.NodePort, want[0], want[1])
		}
	}
	if len(w.Gateways) != 1 || w.Gateways[0].Name != "istio-ingressgateway" {
		t.Errorf("gateways: %v", w.Gateways)
	}
	for _, ns := range []string{"shop", "istio-system"} {
		if namespaces[ns] != ns {
			t.Errorf("namespace %s: %q", ns, namespaces[ns])
		}
	}
	if !ingressClass {
		t.Error("no IngressClass alb of the ALB controller")
	}
}

func TestSynthesizeRefusesTwoOfOne(t *testing.T) {
	_, err := Synthesize(parse(t, synthSource), parse(t, "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "cluster.yaml: Service shop/web is also in the rendering") {
		t.Errorf("got %v", err)
	}
}

func TestSynthesizeGatewayAPI(t *testing.T) {
	w, err := Synthesize(parse(t, `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ingress, namespace: istio-system, annotations: {networking.istio.io/service-type: ClusterIP}}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP}]
`), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := w.Service("istio-system", "ingress-istio")
	if svc == nil || svc.Spec.Type != corev1.ServiceTypeClusterIP || svc.Spec.Selector["gateway.networking.k8s.io/gateway-name"] != "ingress" {
		t.Fatalf("the Gateway's Service: %+v", svc)
	}
	var ports []string
	for _, p := range svc.Spec.Ports {
		ports = append(ports, p.Name+"="+itoa(p.Port)+"→"+p.TargetPort.String())
	}
	if got := strings.Join(ports, ","); got != "status-port=15021→15021,http=80→80" {
		t.Errorf("ports: %s", got)
	}
	var classes []string
	for _, o := range w.Objects {
		if o.GetKind() == "GatewayClass" {
			classes = append(classes, o.GetName())
		}
	}
	if strings.Join(classes, ",") != "istio,istio-waypoint" {
		t.Errorf("gateway classes: %v", classes)
	}
}

// TestSynthesizeGatewayTLS: on a platform without an ALB, the platform's
// gateway Service (its namespace, name and selector) has the port of every
// Istio Gateway server, since clients reach it directly (a port the chart
// targets already goes to the next free one from 20000); cert-manager's
// Certificates get their Secrets, and a TLS Secret of the fixture without
// data gets a certificate.
func TestSynthesizeGatewayTLS(t *testing.T) {
	platform := &Platform{File: "platform.yaml", LoadBalancer: "nlb", GatewayNamespace: "ingress", GatewayService: "edge",
		GatewaySelector: map[string]string{"app": "edge"}}
	w, err := Synthesize(parse(t, `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: web, namespace: shop}
spec:
  selector: {app: edge}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [web.shop.example]}
  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: [web.shop.example], tls: {mode: SIMPLE, credentialName: web-cert}}
  - {port: {number: 8080, name: http-alt, protocol: HTTP}, hosts: [web.shop.example]}
  - {port: {number: 31400, name: tcp, protocol: TCP}, hosts: ["*"]}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web-cert, namespace: ingress}
spec: {secretName: web-cert, dnsNames: [web.shop.example], issuerRef: {name: ca, kind: ClusterIssuer}}
`), parse(t, `
apiVersion: v1
kind: Secret
metadata: {name: own-cert, namespace: ingress}
type: kubernetes.io/tls
`), platform)
	if err != nil {
		t.Fatal(err)
	}
	svc := w.Service("ingress", "edge")
	if svc == nil || svc.Spec.Type != corev1.ServiceTypeLoadBalancer || svc.Spec.Selector["app"] != "edge" {
		t.Fatalf("the platform's gateway Service: %+v", svc)
	}
	var ports []string
	for _, p := range svc.Spec.Ports {
		ports = append(ports, p.Name+"="+itoa(p.Port)+"→"+p.TargetPort.String())
	}
	if got, want := strings.Join(ports, ","), "status-port=15021→15021,http2=80→8080,https=443→8443,http-8080=8080→20000,tcp-31400=31400→31400"; got != want {
		t.Errorf("ports: got %s, want %s", got, want)
	}
	if w.Service("istio-system", "istio-ingressgateway") != nil {
		t.Error("a gateway Service in krm-fn's default place, which the platform does not name")
	}
	for name, dns := range map[string]string{"web-cert": "web.shop.example", "own-cert": ""} {
		s := w.object("v1", "Secret", "ingress", name)
		if s == nil {
			t.Fatalf("no Secret ingress/%s", name)
		}
		crt, _, _ := unstructured.NestedString(s.Object, "data", "tls.crt")
		der, _ := base64.StdEncoding.DecodeString(crt)
		block, _ := pem.Decode(der)
		if block == nil {
			t.Fatalf("Secret %s: tls.crt is no PEM certificate", name)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("Secret %s: %v", name, err)
		}
		if got := strings.Join(c.DNSNames, ","); got != dns {
			t.Errorf("Secret %s: certificate for %q, want %q", name, got, dns)
		}
		for _, k := range []string{"tls.key", "ca.crt"} {
			if v, _, _ := unstructured.NestedString(s.Object, "data", k); v == "" {
				t.Errorf("Secret %s: no %s", name, k)
			}
		}
	}
}
