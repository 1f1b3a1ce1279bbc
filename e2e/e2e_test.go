// Package e2e runs the example overlays through real kustomize: in
// process with krusty (kustomize's own API), and through the pinned
// kustomize binary for what a user sees on a terminal.
package e2e

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = flag.Bool("update", false, "rewrite rendered/overlays/*.yaml from what kustomize renders now")

// TestMain builds krm-fn once and puts it first on PATH, where the
// overlays' exec function config (path: krm-fn) finds it.
func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "krm-fn-e2e")
	if err != nil {
		panic(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "krm-fn"), "../cmd/krm-fn")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		panic("building krm-fn: " + err.Error())
	}
	os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func overlays(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("../overlays/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no overlays found: %v", err)
	}
	return dirs
}

func kustomize(t *testing.T, dir string) resmap.ResMap {
	t.Helper()
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionUnspecified // as the kustomize CLI: legacy order unless the kustomization says
	opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
	opts.PluginConfig.FnpLoadingOptions.EnableExec = true
	m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return m
}

// TestOverlaysGolden renders every overlay and compares it with
// rendered/overlays/<env>.yaml, the reviewed rendering of the example
// (what the krm-fn-render pre-commit hook keeps up to date).
func TestOverlaysGolden(t *testing.T) {
	for _, dir := range overlays(t) {
		env := filepath.Base(dir)
		t.Run(env, func(t *testing.T) {
			got, err := kustomize(t, dir).AsYaml()
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("..", "rendered", "overlays", env+".yaml")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./e2e -update writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("kustomize build %s differs from %s (go test ./e2e -update rewrites it):\n%s", dir, golden, got)
			}
		})
	}
}

// TestOverlaysContract checks, per overlay, what the contract promises a
// user: every object of its table for cb-test-api and Grafana, the
// environment's ALB settings, the specs gone, and everything else of the
// bases unchanged.
func TestOverlaysContract(t *testing.T) {
	base := kustomize(t, "../bases")
	for _, dir := range overlays(t) {
		env := filepath.Base(dir)
		t.Run(env, func(t *testing.T) {
			platform, err := yaml.ReadFile(filepath.Join(dir, "platform.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			domain := lookup(t, platform, "spec", "domain")
			// An NLB-fronted platform renders no Ingress: TLS ends at the
			// gateway (checked below, apart).
			nlb := lookupOptional(platform, "spec", "loadBalancer") == "nlb"
			var scheme, group string
			if !nlb {
				scheme = lookup(t, platform, "spec", "alb", "scheme")
				group = lookup(t, platform, "spec", "alb", "group")
			}

			out := kustomize(t, dir)
			var ids []string
			for _, r := range out.Resources() {
				ids = append(ids, r.GetKind()+" "+r.GetNamespace()+"/"+r.GetName())
				if strings.HasPrefix(r.GetApiVersion(), "exposure.krmfn.io/") {
					t.Errorf("%s %s is still in the output", r.GetKind(), r.GetName())
				}
			}
			slices.Sort(ids)
			gatewayAPI := lookupOptional(platform, "spec", "api") == "gateway-api"
			want := []string{
				"Deployment shop/cb-test-api",
				"Deployment shop/orders-api",
				"Deployment shop/payments-api",
				"DestinationRule istio-system/grafana",
				"DestinationRule shop/cb-test-api",
				"DestinationRule shop/orders-api",
				"DestinationRule shop/payments-api",
				"Gateway istio-system/grafana",
				"Gateway shop/cb-test-api",
				"Gateway shop/orders-api",
				"Gateway shop/payments-api",
				"Ingress istio-system/istio-system-grafana",
				"Ingress istio-system/shop-cb-test-api",
				"Ingress istio-system/shop-orders-api",
				"Ingress istio-system/shop-payments-api",
				"Namespace /shop",
				"Service shop/cb-test-api",
				"Service shop/orders-api",
				"Service shop/payments-api",
				"VirtualService istio-system/grafana",
				"VirtualService shop/cb-test-api",
				"VirtualService shop/orders-api",
				"VirtualService shop/payments-api",
			}
			if env == "prd" {
				// The shared host api.domain.shop: its own Gateway,
				// VirtualService and Ingress beside the gateway.
				want = append(want,
					"Gateway istio-system/shared-api-domain-shop",
					"Ingress istio-system/shared-api-domain-shop",
					"VirtualService istio-system/shared-api-domain-shop")
				slices.Sort(want)
			}
			if gatewayAPI {
				// One Gateway for the environment, an HTTPRoute per
				// exposure; no DestinationRule without a trafficPolicy;
				// the shared host api.domain.shop keeps its Ingress.
				want = []string{
					"Deployment shop/cb-test-api",
					"Deployment shop/orders-api",
					"Deployment shop/payments-api",
					"Gateway istio-system/ingress",
					"HTTPRoute istio-system/grafana",
					"HTTPRoute shop/cb-test-api",
					"HTTPRoute shop/orders-api",
					"HTTPRoute shop/payments-api",
					"Ingress istio-system/istio-system-grafana",
					"Ingress istio-system/shop-cb-test-api",
					"Ingress istio-system/shop-orders-api",
					"Ingress istio-system/shop-payments-api",
					"Ingress istio-system/shared-api-domain-shop",
					"Namespace /shop",
					"Service shop/cb-test-api",
					"Service shop/orders-api",
					"Service shop/payments-api",
				}
				slices.Sort(want)
			}
			if nlb {
				want = nlbObjects
			}
			if !slices.Equal(ids, want) {
				t.Fatalf("objects:\n%s\nwant:\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
			}
			if nlb {
				checkNLB(t, out, domain)
				return
			}

			for _, c := range []struct{ kind, name, host string }{
				{"Ingress", "shop-cb-test-api", "cb-test-api." + domain},
				{"Ingress", "istio-system-grafana", "istio." + domain},
			} {
				in := get(t, out, c.kind, c.name)
				ann := in.GetAnnotations()
				for k, v := range map[string]string{
					"alb.ingress.kubernetes.io/scheme":           scheme,
					"alb.ingress.kubernetes.io/group.name":       group,
					"alb.ingress.kubernetes.io/ssl-redirect":     "443",
					"alb.ingress.kubernetes.io/healthcheck-port": "status-port",
					"alb.ingress.kubernetes.io/healthcheck-path": "/healthz/ready",
				} {
					if ann[k] != v {
						t.Errorf("%s %s: %s = %q, want %q", c.kind, c.name, k, ann[k], v)
					}
				}
				host := lookup(t, in, "spec", "rules", "0", "host")
				if host != c.host {
					t.Errorf("%s %s: host %q, want %q", c.kind, c.name, host, c.host)
				}
			}
			if gatewayAPI {
				route := get(t, out, "HTTPRoute", "cb-test-api")
				if backend := lookup(t, route, "spec", "rules", "0", "backendRefs", "0", "name"); backend != "cb-test-api" {
					t.Errorf("HTTPRoute backend %q", backend)
				}
				in := get(t, out, "Ingress", "shop-cb-test-api")
				if svc := lookup(t, in, "spec", "rules", "0", "http", "paths", "0", "backend", "service", "name"); svc != "ingress-istio" {
					t.Errorf("Ingress backend %q, want the Gateway's Service ingress-istio", svc)
				}
			} else {
				vs := get(t, out, "VirtualService", "cb-test-api")
				dest := lookup(t, vs, "spec", "http", "0", "route", "0", "destination", "host")
				if dest != "cb-test-api.shop.svc.cluster.local" {
					t.Errorf("VirtualService destination %q", dest)
				}
			}
			if gatewayAPI {
				// orders-api is mounted under /orders/; on api.domain.shop
				// the Gateway merges both APIs' HTTPRoutes.
				orders := get(t, out, "HTTPRoute", "orders-api")
				var r string
				for i := range 8 {
					if v := lookupOptional(orders, "spec", "rules", "0", "filters", strconv.Itoa(i), "urlRewrite", "path", "replacePrefixMatch"); v != "" {
						r = v
					}
				}
				if p := lookup(t, orders, "spec", "rules", "0", "matches", "0", "path", "value"); p != "/orders/" || r != "/" {
					t.Errorf("HTTPRoute orders-api: prefix %q rewritten to %q, want /orders/ to /", p, r)
				}
				for _, name := range []string{"orders-api", "cb-test-api"} {
					route := get(t, out, "HTTPRoute", name)
					if host := lookup(t, route, "spec", "hostnames", "1"); host != "api."+domain {
						t.Errorf("HTTPRoute %s: second hostname %q, want the shared api.%s", name, host, domain)
					}
				}
			} else {
				// orders-api is mounted under /orders/: the prefix is
				// stripped before the app sees the request.
				orders := get(t, out, "VirtualService", "orders-api")
				if p, r := lookup(t, orders, "spec", "http", "0", "match", "0", "uri", "prefix"), lookup(t, orders, "spec", "http", "0", "rewrite", "uri"); p != "/orders/" || r != "/" {
					t.Errorf("VirtualService orders-api: prefix %q rewritten to %q, want /orders/ to /", p, r)
				}
				if env == "prd" {
					// api.domain.shop: /orders/ to orders-api, the rest to
					// cb-test-api, the longest prefix first.
					shared := get(t, out, "VirtualService", "shared-api-domain-shop")
					for i, w := range []struct{ prefix, host string }{
						{"/orders/", "orders-api.shop.svc.cluster.local"},
						{"/", "cb-test-api.shop.svc.cluster.local"},
					} {
						route := strconv.Itoa(i)
						p := lookup(t, shared, "spec", "http", route, "match", "0", "uri", "prefix")
						h := lookup(t, shared, "spec", "http", route, "route", "0", "destination", "host")
						if p != w.prefix || h != w.host {
							t.Errorf("VirtualService shared-api-domain-shop: route %d is %s to %s, want %s to %s", i, p, h, w.prefix, w.host)
						}
					}
					in := get(t, out, "Ingress", "shared-api-domain-shop")
					if host := lookup(t, in, "spec", "rules", "0", "host"); host != "api."+domain {
						t.Errorf("Ingress shared-api-domain-shop: host %q, want api.%s", host, domain)
					}
				}
			}
			ns := get(t, out, "Namespace", "shop")
			if ns.GetLabels()["istio-injection"] != "enabled" {
				t.Errorf("Namespace shop labels %v, want istio-injection: enabled", ns.GetLabels())
			}

			// Everything the bases have, but the specs, comes out unchanged.
			for _, r := range base.Resources() {
				if strings.HasPrefix(r.GetApiVersion(), "exposure.krmfn.io/") {
					continue
				}
				b, _ := r.MarshalJSON()
				o := get(t, out, r.GetKind(), r.GetName())
				a, _ := o.MarshalJSON()
				if !bytes.Equal(a, b) {
					t.Errorf("%s %s changed:\n%s\nwas:\n%s", r.GetKind(), r.GetName(), a, b)
				}
			}
		})
	}
}

func get(t *testing.T, m resmap.ResMap, kind, name string) *yaml.RNode {
	t.Helper()
	for _, r := range m.Resources() {
		if r.GetKind() == kind && r.GetName() == name {
			return &r.RNode
		}
	}
	t.Fatalf("no %s %s in the output", kind, name)
	return nil
}

// lookupOptional is the scalar at path in n, "" if there is none.
func lookupOptional(n *yaml.RNode, path ...string) string {
	v, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil {
		return ""
	}
	return yaml.GetValue(v)
}

// lookup is the scalar at path in n.
func lookup(t *testing.T, n *yaml.RNode, path ...string) string {
	t.Helper()
	v, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil {
		t.Fatalf("%s %s has no %s: %v", n.GetKind(), n.GetName(), strings.Join(path, "."), err)
	}
	return yaml.GetValue(v)
}

// nlbObjects are what overlays/prd-nlb renders: no Ingress; a Certificate
// per Secret (per exposure, and the shared host's), beside the gateway; the
// TCP service's Gateway and VirtualService.
var nlbObjects = []string{
	"Certificate istio-system/istio-system-grafana-tls",
	"Certificate istio-system/istio-system-shared-api-domain-shop-tls",
	"Certificate istio-system/shop-cb-test-api-tls",
	"Certificate istio-system/shop-orders-api-tls",
	"Certificate istio-system/shop-payments-api-tls",
	"Deployment prd-tcp/tcp-echo-v1",
	"Deployment prd-tcp/tcp-echo-v2",
	"Deployment shop/cb-test-api",
	"Deployment shop/orders-api",
	"Deployment shop/payments-api",
	"DestinationRule istio-system/grafana",
	"DestinationRule prd-tcp/tcp-echo",
	"DestinationRule shop/cb-test-api",
	"DestinationRule shop/orders-api",
	"DestinationRule shop/payments-api",
	"Gateway istio-system/grafana",
	"Gateway istio-system/shared-api-domain-shop",
	"Gateway prd-tcp/tcp-echo",
	"Gateway shop/cb-test-api",
	"Gateway shop/orders-api",
	"Gateway shop/payments-api",
	"Namespace /prd-tcp",
	"Namespace /shop",
	"Service prd-tcp/tcp-echo",
	"Service shop/cb-test-api",
	"Service shop/orders-api",
	"Service shop/payments-api",
	"VirtualService istio-system/grafana",
	"VirtualService istio-system/shared-api-domain-shop",
	"VirtualService prd-tcp/tcp-echo",
	"VirtualService shop/cb-test-api",
	"VirtualService shop/orders-api",
	"VirtualService shop/payments-api",
}

// checkNLB checks what TLS at the gateway promises in overlays/prd-nlb:
// cb-test-api's hosts redirected to HTTPS on port 80 and served with its
// Secret on 443, which its Certificate writes for its host; tcp-echo's
// port 31400 weighted 80/20.
func checkNLB(t *testing.T, out resmap.ResMap, domain string) {
	t.Helper()
	gw := get(t, out, "Gateway", "cb-test-api")
	if v := lookup(t, gw, "spec", "servers", "0", "tls", "httpsRedirect"); v != "true" {
		t.Errorf("Gateway cb-test-api: port 80 httpsRedirect %q", v)
	}
	for k, v := range map[string]string{"port.number": "443", "tls.mode": "SIMPLE", "tls.credentialName": "shop-cb-test-api-tls", "hosts.0": "cb-test-api." + domain} {
		if got := lookup(t, gw, append([]string{"spec", "servers", "1"}, strings.Split(k, ".")...)...); got != v {
			t.Errorf("Gateway cb-test-api: servers[1].%s = %q, want %q", k, got, v)
		}
	}
	cert := get(t, out, "Certificate", "shop-cb-test-api-tls")
	if s, h := lookup(t, cert, "spec", "secretName"), lookup(t, cert, "spec", "dnsNames", "0"); s != "shop-cb-test-api-tls" || h != "cb-test-api."+domain {
		t.Errorf("Certificate shop-cb-test-api-tls: secret %q for %q", s, h)
	}
	vs := get(t, out, "VirtualService", "tcp-echo")
	for i, w := range []struct{ subset, weight string }{{"v1", "80"}, {"v2", "20"}} {
		r := strconv.Itoa(i)
		if s, wt := lookup(t, vs, "spec", "tcp", "0", "route", r, "destination", "subset"), lookup(t, vs, "spec", "tcp", "0", "route", r, "weight"); s != w.subset || wt != w.weight {
			t.Errorf("VirtualService tcp-echo: route %d to %s weight %s, want %s %s", i, s, wt, w.subset, w.weight)
		}
	}
	if p := lookup(t, vs, "spec", "tcp", "0", "match", "0", "port"); p != "31400" {
		t.Errorf("VirtualService tcp-echo: port %q, want 31400", p)
	}
}
