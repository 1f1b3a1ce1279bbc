package importer

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
)

// Annotations of other tools the importer reads.
const (
	annotationIngressClass = "kubernetes.io/ingress.class"
	annotationExternalDNS  = "external-dns.alpha.kubernetes.io/hostname"
	annotationLastApplied  = "kubectl.kubernetes.io/last-applied-configuration"
	albActionsPrefix       = v1alpha1.ALBAnnotationPrefix + "actions."
	useAnnotation          = "use-annotation"
)

// gatewayRef is where the Ingresses send traffic: the ingress gateway's
// Service and port.
type gatewayRef struct {
	namespace, service string
	port               int32
}

// albSettings are the ALB settings of one Ingress, in the platform's
// terms.
type albSettings struct {
	class, scheme, sslPolicy, group, targetType string
	certs                                       []string
	redirect                                    bool
	healthPort, healthPath                      string
	// Settings krm-fn derives from the Service's protocol: checked
	// against it, per exposure.
	listenPorts, healthProto, successCodes, backendVersion string
	// alb names the ALB the Ingress is on: its group's, or its own.
	ingress string
	// other are the ALB annotations with no field of their own, foreign
	// the annotations of other tools.
	other, foreign map[string]string
}

// findGateway is the Service most of the Ingresses' backends name: the
// ingress gateway.
func findGateway(ins []*ingress) (gatewayRef, bool) {
	var all []gatewayRef
	for _, in := range ins {
		for _, b := range in.backends() {
			if b.svc.Port.Name == useAnnotation {
				continue
			}
			g := gatewayRef{in.src.namespace, b.svc.Name, b.svc.Port.Number}
			if b.svc.Port.Name != "" {
				g.port = namedGatewayPort(b.svc.Port.Name)
			}
			all = append(all, g)
		}
	}
	return mostFrequent(all)
}

// namedGatewayPort is the number of a port of Istio's ingress gateway
// Service by the name its chart gives it; 0 if unknown.
func namedGatewayPort(name string) int32 {
	switch name {
	case "http", "http2":
		return 80
	case "https":
		return 443
	}
	return 0
}

// settings reads the ALB annotations of in; what has no place in a spec
// is a loss.
func (im *importer) settings(in *ingress) albSettings {
	a := in.src.annotations
	// What the AWS Load Balancer Controller does when the Ingress does
	// not say (krm-fn's own defaults differ).
	s := albSettings{scheme: v1alpha1.SchemeInternal, targetType: v1alpha1.TargetTypeInstance, other: map[string]string{}, foreign: map[string]string{},
		ingress: in.src.namespace + "/" + in.src.name}
	if in.spec.IngressClassName != nil {
		s.class = *in.spec.IngressClassName
	} else {
		s.class = a[annotationIngressClass]
	}
	redirectAction := ""
	for _, b := range in.backends() {
		if b.svc.Port.Name == useAnnotation {
			redirectAction = b.svc.Name
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a)) {
		v := a[k]
		at := "metadata.annotations." + k
		switch {
		case k == annotationIngressClass, k == annotationLastApplied, k == v1alpha1.AnnotationOwner:
		case k == v1alpha1.ALBScheme:
			s.scheme = v
		case k == v1alpha1.ALBCertificateARN:
			for _, c := range strings.Split(v, ",") {
				if c = strings.TrimSpace(c); c != "" {
					s.certs = append(s.certs, c)
				}
			}
		case k == v1alpha1.ALBSSLPolicy:
			s.sslPolicy = v
		case k == v1alpha1.ALBGroupName:
			s.group = v
		case k == v1alpha1.ALBTargetType:
			s.targetType = v
		case k == v1alpha1.ALBSSLRedirect:
			s.redirect = strings.TrimSpace(v) == "443"
			if !s.redirect {
				im.loss(in.src, at, "krm-fn redirects HTTP to HTTPS port 443 only (alb.redirectHTTPS)")
			}
		case k == albActionsPrefix+redirectAction && redirectAction != "":
			if httpsRedirectAction(v) {
				s.redirect = true
			} else {
				im.loss(in.src, at, "an action other than the HTTP to HTTPS redirect of port 443: krm-fn renders no ALB actions")
			}
		case k == v1alpha1.ALBListenPorts:
			s.listenPorts = v
		case k == v1alpha1.ALBHealthCheckPort:
			s.healthPort = v
		case k == v1alpha1.ALBHealthCheckPath:
			s.healthPath = v
		case k == v1alpha1.ALBHealthCheckProto:
			s.healthProto = v
		case k == v1alpha1.ALBSuccessCodes:
			s.successCodes = v
		case k == v1alpha1.ALBBackendProtoVer:
			s.backendVersion = v
		case k == v1alpha1.ALBBackendProtocol && v == v1alpha1.BackendProtocolHTTPS:
			// The ALB re-encrypts to the gateway: the platform's spec.tls
			// (tls.go).
		case k == v1alpha1.ALBGroupOrder:
			s.other[k] = v
		case strings.HasPrefix(k, albActionsPrefix), strings.HasPrefix(k, v1alpha1.ALBAnnotationPrefix+"conditions."):
			im.loss(in.src, at, "krm-fn renders no ALB actions or conditions")
		case k == annotationExternalDNS:
			s.other[k] = v
		case strings.HasPrefix(k, v1alpha1.ALBAnnotationPrefix) || strings.Contains(k, "external-dns"):
			s.other[k] = v
		default:
			s.foreign[k] = v
		}
	}
	return s
}

// httpsRedirectAction says whether the ALB action v is the redirect of
// HTTP to HTTPS on 443 (the seed's actions.ssl-redirect).
func httpsRedirectAction(v string) bool {
	var act struct {
		Type           string
		RedirectConfig struct{ Protocol, Port, StatusCode string }
	}
	if json.Unmarshal([]byte(v), &act) != nil {
		return false
	}
	return strings.EqualFold(act.Type, "redirect") && act.RedirectConfig.Protocol == "HTTPS" &&
		(act.RedirectConfig.Port == "" || act.RedirectConfig.Port == "443")
}

// defaultListenPorts says whether listen-ports v is what krm-fn renders:
// HTTP 80, and HTTPS 443 with a certificate.
func defaultListenPorts(v string, tls bool) bool {
	var ports []map[string]int
	if json.Unmarshal([]byte(v), &ports) != nil {
		return false
	}
	got := map[string]bool{}
	for _, p := range ports {
		for proto, n := range p {
			got[proto+":"+strconv.Itoa(n)] = true
		}
	}
	want := map[string]bool{"HTTP:80": true}
	if tls {
		want["HTTPS:443"] = true
	}
	return maps.Equal(got, want)
}

// mostString is the string most of vs have, the first on a tie ("" for
// none).
func mostString(vs []string) string {
	s, _ := mostFrequent(vs)
	return s
}

// platformALB is the ALB every Ingress shares, by majority of settings.
func platformALB(all []albSettings) (v1alpha1.ALBSpec, string, string) {
	pickFrom := func(from []albSettings, f func(albSettings) string) string {
		var vs []string
		for _, s := range from {
			vs = append(vs, f(s))
		}
		return mostString(vs)
	}
	pick := func(f func(albSettings) string) string { return pickFrom(all, f) }
	var http []albSettings
	for _, s := range all {
		if s.backendVersion != v1alpha1.BackendProtocolVersionGRPC {
			http = append(http, s)
		}
	}
	pickHTTP := func(f func(albSettings) string) string { return pickFrom(http, f) }
	alb := v1alpha1.ALBSpec{
		Scheme:     scheme(all),
		SSLPolicy:  pick(func(s albSettings) string { return s.sslPolicy }),
		Group:      group(all),
		TargetType: pick(func(s albSettings) string { return s.targetType }),
	}
	if c := pick(func(s albSettings) string { return s.class }); c != v1alpha1.DefaultIngressClassName && c != "" {
		alb.IngressClassName = c
	}
	if certs := pick(func(s albSettings) string { return strings.Join(s.certs, ",") }); certs != "" {
		alb.CertificateARNs = strings.Split(certs, ",")
	}
	redirect := pick(func(s albSettings) string { return strconv.FormatBool(s.redirect) }) == "true"
	if redirect != (len(alb.CertificateARNs) > 0) {
		alb.RedirectHTTPS = &redirect
	}
	keys := map[string]bool{}
	for _, s := range all {
		for k := range s.other {
			keys[k] = true
		}
	}
	// An annotation on every Ingress is the platform's; one on some is
	// their exposures' own.
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if k == annotationExternalDNS || k == v1alpha1.ALBGroupOrder {
			continue
		}
		v, ok := all[0].other[k]
		for _, s := range all {
			if w, has := s.other[k]; !has || w != v {
				ok = false
			}
		}
		if ok {
			if alb.Annotations == nil {
				alb.Annotations = map[string]string{}
			}
			alb.Annotations[k] = v
		}
	}
	return alb, pickHTTP(func(s albSettings) string { return s.healthPort }), pickHTTP(func(s albSettings) string { return s.healthPath })
}

// scheme is the scheme most Ingresses have, internet-facing on a tie
// (an internal override moves to a group of its own).
func scheme(all []albSettings) string {
	n := 0
	for _, s := range all {
		if s.scheme == v1alpha1.SchemeInternal {
			n++
		}
	}
	if 2*n > len(all) {
		return v1alpha1.SchemeInternal
	}
	return v1alpha1.SchemeInternetFacing
}

// group is the ALB group most Ingresses of the platform's scheme have:
// those of the other scheme are in a group of their own.
func group(all []albSettings) string {
	sch := scheme(all)
	var vs []string
	for _, s := range all {
		if s.scheme == sch {
			vs = append(vs, s.group)
		}
	}
	return mostString(vs)
}

// guessDomain is the domain most hosts are one label under.
func guessDomain(hosts []string) string {
	var cands []string
	for _, h := range hosts {
		h = strings.TrimPrefix(h, "*.")
		if i := strings.Index(h, "."); i > 0 && strings.Contains(h[i+1:], ".") {
			cands = append(cands, h[i+1:])
		}
	}
	return mostString(cands)
}

// shortHost is h as an exposure writes it under domain.
func shortHost(h, domain string) string {
	if domain == "" || h == v1alpha1.AnyHost {
		return h
	}
	if s, ok := strings.CutSuffix(h, "."+domain); ok && v1alpha1.IsShortHost(s) {
		return s
	}
	return h
}
