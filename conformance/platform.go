package conformance

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Platform is what the proof layer reads of a source's ExposurePlatform:
// what it says of its ALBs' listeners (spec.alb, docs/exposure-api.md:
// with certificates, an HTTPS listener on 443 with exactly those
// certificates and the SSL policy, and port 80 redirecting to it unless
// redirectHTTPS is false; without, HTTP on 80 only), and where its
// ingress gateway runs (spec.gateway, krm-fn's defaults when unset).
type Platform struct {
	// File names where it was read.
	File         string
	Certificates []string
	SSLPolicy    string
	Redirect     bool
	// LoadBalancer is alb (Ingresses), nlb or none (the gateway's own
	// Service is what clients reach).
	LoadBalancer string
	// MinTLSVersion is the minimum TLS version of the gateway's HTTPS
	// servers (spec.tls.minProtocolVersion, TLSV1_2; "": Istio's, 1.2).
	MinTLSVersion string
	// Gateway is the gateway Service (namespace/name) and the selector of
	// its pods, for api: istio.
	GatewayNamespace, GatewayService string
	GatewaySelector                  map[string]string
}

// defaultPlatform is krm-fn's built-in platform, a generator's when it has
// none.
func defaultPlatform() *Platform {
	return &Platform{File: "krm-fn's built-in defaults", LoadBalancer: "alb", GatewayNamespace: "istio-system",
		GatewayService: "istio-ingressgateway", GatewaySelector: map[string]string{"istio": "ingressgateway"}}
}

// FindPlatform finds the ExposurePlatform of a source's directory: in its
// config.yaml or input.yaml (a golden case), among its YAML files (an
// overlay's platform.yaml), or in a directory its kustomization.yaml
// names as a transformer or component. nil when there is none (a
// generator's built-in defaults).
func FindPlatform(dir string) (*Platform, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	var k struct {
		Transformers []string `json:"transformers"`
		Components   []string `json:"components"`
	}
	if data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml")); err == nil {
		_ = yaml.Unmarshal(data, &k)
	}
	for _, ref := range append(k.Transformers, k.Components...) {
		p := filepath.Join(dir, ref)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			more, _ := filepath.Glob(filepath.Join(p, "*.yaml"))
			files = append(files, more...)
		}
	}
	for _, f := range files {
		if base := filepath.Base(f); base == RequestsFile || base == FixtureFile || base == "expected.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := ParseObjects(data)
		if err != nil {
			continue // not objects (a patch, a list of allowances)
		}
		for _, o := range objs {
			if o.GetKind() == "ExposurePlatform" {
				return readPlatform(f, o.Unstructured), nil
			}
		}
	}
	return nil, nil
}

func readPlatform(file string, p *unstructured.Unstructured) *Platform {
	in := defaultPlatform()
	in.File = file
	in.Certificates, _, _ = unstructured.NestedStringSlice(p.Object, "spec", "alb", "certificateArns")
	in.SSLPolicy, _, _ = unstructured.NestedString(p.Object, "spec", "alb", "sslPolicy")
	redirect, set, _ := unstructured.NestedBool(p.Object, "spec", "alb", "redirectHTTPS")
	in.Redirect = len(in.Certificates) > 0 && (!set || redirect)
	in.MinTLSVersion, _, _ = unstructured.NestedString(p.Object, "spec", "tls", "minProtocolVersion")
	if lb, _, _ := unstructured.NestedString(p.Object, "spec", "loadBalancer"); lb != "" {
		in.LoadBalancer = lb
	}
	if ns, _, _ := unstructured.NestedString(p.Object, "spec", "gateway", "namespace"); ns != "" {
		in.GatewayNamespace = ns
	}
	if svc, _, _ := unstructured.NestedString(p.Object, "spec", "gateway", "service"); svc != "" {
		in.GatewayService = svc
	}
	if sel, _, _ := unstructured.NestedStringMap(p.Object, "spec", "gateway", "selector"); len(sel) > 0 {
		in.GatewaySelector = sel
	}
	return in
}

// listeners: every ALB's listeners are what the platform says.
func (r *ProofRun) listeners(in *Platform) []Finding {
	if in == nil {
		return nil
	}
	var out []Finding
	for _, lb := range r.ALB.ALBs {
		if !r.rendersFor(lb) {
			// A team's own Ingress on a group of its own (passed through):
			// its listeners are its own, not the platform's.
			continue
		}
		fail := func(format string, args ...any) {
			out = append(out, Finding{Object: "ALB group " + lb.Group, Component: ALBController, Severity: Error,
				Words: fmt.Sprintf(format, args...) + fmt.Sprintf(" (the platform: %s)", in.File)})
		}
		byPort := map[int32]ALBListener{}
		for _, l := range lb.Listeners {
			byPort[l.Port] = l
		}
		https, hasHTTPS := byPort[443]
		http, hasHTTP := byPort[80]
		if len(in.Certificates) == 0 {
			if hasHTTPS {
				fail("the ALB listens on 443 (%s), and the platform has no certificate", https.Protocol)
			}
			if !hasHTTP || http.Protocol != "HTTP" {
				fail("the ALB has no HTTP listener on 80, the platform's only one")
			}
			continue
		}
		if !hasHTTPS || https.Protocol != "HTTPS" {
			fail("the ALB has no HTTPS listener on 443, and the platform has certificates")
			continue
		}
		certs := slices.Compact(slices.Sorted(slices.Values(https.Certificates)))
		want := slices.Compact(slices.Sorted(slices.Values(in.Certificates)))
		if !slices.Equal(certs, want) {
			fail("the HTTPS listener's certificates are %s, the platform's %s", strings.Join(certs, ", "), strings.Join(want, ", "))
		}
		if in.SSLPolicy != "" && https.SSLPolicy != in.SSLPolicy {
			fail("the HTTPS listener's SSL policy is %q, the platform's %q", https.SSLPolicy, in.SSLPolicy)
		}
		if !in.Redirect {
			continue
		}
		redirects := hasHTTP && len(http.Rules) == 0 && len(http.Default) == 1 && http.Default[0].Redirect != nil &&
			strings.EqualFold(http.Default[0].Redirect.Protocol, "HTTPS") && http.Default[0].Redirect.Port == "443" &&
			http.Default[0].Redirect.Status == "HTTP_301"
		if !redirects {
			fail("port 80 of the ALB does not redirect every request to HTTPS 443 (301), as the platform's certificates (redirectHTTPS unset or true) say it must")
		}
	}
	return out
}

// rendersFor: krm-fn rendered an Ingress of the group (its
// app.kubernetes.io/managed-by label), so the platform's listeners apply.
func (r *ProofRun) rendersFor(lb ALBLoadBalancer) bool {
	for _, ing := range lb.Ingresses {
		ns, name, _ := strings.Cut(ing, "/")
		if o := r.World.object("networking.k8s.io/v1", "Ingress", ns, name); o != nil && o.GetLabels()["app.kubernetes.io/managed-by"] == "krm-fn" {
			return true
		}
	}
	return false
}

// gatewayTLS: every filter chain that ends TLS on the platform's gateway
// (api: istio) accepts the minimum TLS version the platform says, as the
// ALB's SSL policy is checked: Envoy's TLS_AUTO, its default, is 1.2 for a
// server, as is Istio's when the platform says none.
func (r *ProofRun) gatewayTLS(in *Platform) []Finding {
	if in == nil {
		return nil
	}
	version := func(v string) string {
		v = strings.ToUpper(v)
		if v == "" || v == "TLS_AUTO" {
			return "TLSV1_2"
		}
		return v
	}
	want := version(in.MinTLSVersion)
	var out []Finding
	for _, t := range r.Istio.Tables {
		if t.Proxy != "gateway "+in.GatewayNamespace+"/"+in.GatewayService {
			continue
		}
		for _, s := range t.TLSServers {
			if got := version(s.MinVersion); got != want {
				out = append(out, Finding{Object: fmt.Sprintf("gateway %s/%s port %d", in.GatewayNamespace, in.GatewayService, t.Port), Component: Istiod, Severity: Error,
					Words: fmt.Sprintf("its TLS for %s takes TLS from %s (Envoy's %s), the platform's minimum is %s (the platform: %s)",
						cmp.Or(strings.Join(s.ServerNames, ", "), "any host"), got, s.MinVersion, want, in.File)})
			}
		}
	}
	return out
}
