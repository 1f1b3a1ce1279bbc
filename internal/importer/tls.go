package importer

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	networking "istio.io/api/networking/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TLS at the gateway, SNI passthrough and TCP routes: an input without an
// ALB Ingress whose Gateways end TLS, pass it through or carry TCP is an
// NLB-fronted platform (loadBalancer nlb), and its servers and its
// VirtualServices' tls and tcp routes become the exposures' tls and tcp.

// hostTLS is how a Gateway ends TLS for a host.
type hostTLS struct {
	mode       v1alpha1.TLSMode
	credential string
	port       uint32
	minVersion string
}

// gatewayL4 is what the input's Gateways do besides plain HTTP: TLS ended
// per host, passthrough ports per host, TCP ports, and whether the HTTP
// servers redirect to HTTPS.
type gatewayL4 struct {
	on          bool // no Ingress, and some Gateway ends or passes TLS, or carries TCP
	tls         map[string]hostTLS
	passthrough map[string]uint32
	tcp         map[uint32]bool
	redirect    bool
	// template is the platform's credentialName the import chose.
	template string
	// reencrypt says the input's ALB re-encrypts to the gateway
	// (backend-protocol HTTPS), which has one TLS server for every host
	// with credential alb; httpsPort is the gateway port it sends to.
	reencrypt bool
	alb       hostTLS
	httpsPort int32
}

// readGatewayL4 reads the Gateways of inv for TLS, passthrough and TCP
// servers.
func readGatewayL4(inv *inventory) gatewayL4 {
	g := gatewayL4{tls: map[string]hostTLS{}, passthrough: map[string]uint32{}, tcp: map[uint32]bool{}}
	for _, gw := range inv.gateways {
		for _, srv := range gw.spec.Servers {
			port := srv.GetPort().GetNumber()
			t := srv.GetTls()
			switch {
			case t.GetHttpsRedirect():
				g.redirect = true
			case strings.EqualFold(srv.GetPort().GetProtocol(), "TCP"):
				g.tcp[port] = true
			case t != nil && t.Mode == networking.ServerTLSSettings_PASSTHROUGH:
				for _, h := range srv.Hosts {
					g.passthrough[strings.ToLower(bareHost(h))] = port
				}
			case t != nil && (t.Mode == networking.ServerTLSSettings_SIMPLE || t.Mode == networking.ServerTLSSettings_MUTUAL) && t.CredentialName != "":
				ht := hostTLS{mode: v1alpha1.TLSSimple, credential: t.CredentialName, port: port}
				if t.Mode == networking.ServerTLSSettings_MUTUAL {
					ht.mode = v1alpha1.TLSMutual
				}
				if t.MinProtocolVersion != networking.ServerTLSSettings_TLS_AUTO {
					ht.minVersion = t.MinProtocolVersion.String()
				}
				for _, h := range srv.Hosts {
					g.tls[strings.ToLower(bareHost(h))] = ht
				}
			}
		}
	}
	g.on = len(inv.ingresses) == 0 && (len(g.tls)+len(g.passthrough)+len(g.tcp) > 0)
	for _, in := range inv.ingresses {
		if in.src.annotations[v1alpha1.ALBBackendProtocol] == v1alpha1.BackendProtocolHTTPS {
			g.reencrypt = true
		}
	}
	if t, ok := g.tls["*"]; ok && g.reencrypt {
		g.alb = t
	}
	return g
}

// bareHost is a Gateway host without its namespace/.
func bareHost(h string) string {
	if _, after, ok := strings.Cut(h, "/"); ok {
		return after
	}
	return h
}

// carriedServer says whether a Gateway server is one the import carries
// over on an NLB-fronted platform (so no loss).
func (g gatewayL4) carriedServer(srv *networking.Server) bool {
	if g.reencrypt && g.alb != (hostTLS{}) && srv.GetTls().GetCredentialName() == g.alb.credential {
		return true // the one TLS server behind an ALB that re-encrypts
	}
	if !g.on {
		return false
	}
	t := srv.GetTls()
	switch {
	case t.GetHttpsRedirect(), strings.EqualFold(srv.GetPort().GetProtocol(), "TCP"):
		return true
	case t == nil:
		return false
	}
	return t.Mode == networking.ServerTLSSettings_PASSTHROUGH ||
		(t.Mode == networking.ServerTLSSettings_SIMPLE || t.Mode == networking.ServerTLSSettings_MUTUAL) && t.CredentialName != ""
}

// l4Routing takes the tls (passthrough) and tcp routes of vs into the
// exposures of the Services they send to.
func (im *importer) l4Routing(vs *virtualService) {
	for i, t := range vs.spec.Tls {
		at := fieldf("spec.tls[%d]", i)
		var hosts []string
		var port uint32
		for _, m := range t.Match {
			for _, h := range m.SniHosts {
				hosts = append(hosts, strings.ToLower(h))
			}
			port = m.Port
		}
		own, ok := l4Primary(t.Route, vs.src.namespace)
		if !ok || len(hosts) == 0 {
			im.loss(vs.src, at, "a passthrough route of a ServiceExposure sends the connections of its hosts (by SNI) to its Service")
			continue
		}
		x := im.exposure(own, vs.src)
		x.passthrough, x.passRoute, x.routesFrom, x.hasRoutes = true, t.Route, vs.src, true
		x.carried = carriedMeta(vs.src)
		if port == 0 {
			port = im.l4.passthrough[hosts[0]]
		}
		x.tlsPort = port
		for _, h := range hosts {
			if !slices.Contains(x.hosts, h) {
				x.hosts = append(x.hosts, h)
			}
		}
	}
	for i, t := range vs.spec.Tcp {
		at := fieldf("spec.tcp[%d]", i)
		var port uint32
		for _, m := range t.Match {
			port = m.Port
		}
		own, ok := l4Primary(t.Route, vs.src.namespace)
		if !ok || port == 0 {
			im.loss(vs.src, at, "a tcp route of a ServiceExposure sends the connections of one gateway port (match.port) to its Service")
			continue
		}
		x := im.exposure(own, vs.src)
		if !x.hasRoutes && len(vs.spec.Http) == 0 {
			// Its http routes, if any, are read after (gatewayRouting).
			x.routesFrom, x.carried, x.hasRoutes = vs.src, carriedMeta(vs.src), true
		}
		x.tcp = append(x.tcp, tcpRoute{port: port, route: t.Route, ns: vs.src.namespace})
	}
}

// tcpRoute is a tcp route as read.
type tcpRoute struct {
	port  uint32
	route []*networking.RouteDestination
	ns    string
}

// l4Primary is the Service most destinations name.
func l4Primary(ds []*networking.RouteDestination, ns string) (svcRef, bool) {
	var all []svcRef
	for _, d := range ds {
		if s, ok := serviceHost(strings.ToLower(d.GetDestination().GetHost()), ns); ok {
			all = append(all, s)
		}
	}
	return mostFrequent(all)
}

// l4Backends are destinations as backends of x's spec (its own Service's
// port only where it is not the one a connection takes by default).
func l4Backends(ds []*networking.RouteDestination, x *exposure, ns string, tcpPort int32) []v1alpha1.Backend {
	var out []v1alpha1.Backend
	for _, d := range ds {
		b := v1alpha1.Backend{Subset: d.GetDestination().GetSubset()}
		s, _ := serviceHost(strings.ToLower(d.GetDestination().GetHost()), ns)
		port := int32(d.GetDestination().GetPort().GetNumber())
		switch {
		case s != x.own:
			b.Service, b.Port = s.name, port
			if s.namespace != x.namespace {
				b.Namespace = s.namespace
			}
		case port != 0 && port != tcpPort:
			b.Port = port
		}
		if len(ds) > 1 {
			w := d.Weight
			b.Weight = &w
		}
		out = append(out, b)
	}
	if len(out) == 1 && out[0] == (v1alpha1.Backend{}) {
		return nil
	}
	return out
}

// l4Spec gives e the tls and tcp of x, on platform p.
func (im *importer) l4Spec(e *v1alpha1.ServiceExposure, x *exposure, p *v1alpha1.ExposurePlatformSpec) {
	tcpPort := e.Spec.Service.TCPPort()
	if x.passthrough {
		e.Spec.TLS = &v1alpha1.ExposureTLS{Mode: v1alpha1.TLSPassthrough}
		if x.tlsPort != 0 && int32(x.tlsPort) != p.Gateway.HTTPSPort && !(p.Gateway.HTTPSPort == 0 && x.tlsPort == v1alpha1.DefaultHTTPSPort) {
			e.Spec.TLS.Port = int32(x.tlsPort)
		}
		if bs := l4Backends(x.passRoute, x, x.namespace, tcpPort); len(bs) > 0 {
			e.Spec.Routes = []v1alpha1.Route{{Backends: bs}}
		} else {
			e.Spec.Routes = nil
		}
	}
	for _, r := range x.tcp {
		e.Spec.TCP = append(e.Spec.TCP, v1alpha1.TCPRoute{Port: int32(r.port), Backends: l4Backends(r.route, x, r.ns, tcpPort)})
	}
	if !im.l4.on || x.passthrough {
		return
	}
	var own []string // its hosts that are not shared
	for _, h := range x.hosts {
		if !slices.Contains(im.shared, h) {
			own = append(own, h)
		}
	}
	if len(own) == 0 {
		return
	}
	t, ok := im.l4.tls[own[0]]
	if !ok {
		return
	}
	spec := &v1alpha1.ExposureTLS{}
	if t.mode == v1alpha1.TLSMutual {
		spec.Mode = t.mode
	}
	if t.port != v1alpha1.DefaultHTTPSPort {
		spec.Port = int32(t.port)
	}
	fromTemplate := true
	for _, h := range own {
		o, ok := im.l4.tls[h]
		switch {
		case !ok || o.mode != t.mode || o.port != t.port:
			im.loss(x.routesFrom, "spec.hosts", "host %s is served with TLS otherwise than %s: an exposure's hosts share their TLS mode and port", h, own[0])
		case o.credential != v1alpha1.ExpandCredentialName(im.l4.template, x.namespace, x.name, h):
			fromTemplate = false
		}
	}
	if !fromTemplate {
		spec.CredentialName = t.credential
		for _, h := range own[1:] {
			if im.l4.tls[h].credential != t.credential {
				im.loss(x.routesFrom, "spec.hosts", "host %s has Secret %s and %s has %s: an exposure's own Secret serves all its hosts (else the platform's template makes them)", h, im.l4.tls[h].credential, own[0], t.credential)
			}
		}
	}
	if *spec != (v1alpha1.ExposureTLS{}) {
		e.Spec.TLS = spec
	}
}

// l4Platform gives the platform of an NLB-fronted input its load
// balancer and gateway TLS: the credentialName template that names most
// Secrets, the issuer of the Certificates that write them, the minimum
// TLS version most servers take, the HTTP servers' redirect.
func (im *importer) l4Platform(p *v1alpha1.ExposurePlatform) {
	if im.l4.reencrypt {
		im.albTLS(p)
		return
	}
	if !im.l4.on {
		return
	}
	p.Spec.LoadBalancer = v1alpha1.LoadBalancerNLB
	type use struct{ namespace, name, host, secret string }
	var uses []use
	for _, x := range im.exposures {
		for _, h := range x.hosts {
			if t, ok := im.l4.tls[h]; ok && !x.passthrough && !slices.Contains(im.shared, h) {
				uses = append(uses, use{x.namespace, x.name, h, t.credential})
			}
		}
	}
	for _, h := range im.shared {
		if t, ok := im.l4.tls[h]; ok {
			uses = append(uses, use{im.gw.namespace, model.SharedName(h), h, t.credential})
		}
	}
	slices.SortFunc(uses, func(a, b use) int { return strings.Compare(a.host, b.host) })
	candidates := []string{v1alpha1.DefaultCredentialName}
	for _, u := range uses {
		if c := strings.ReplaceAll(u.secret, v1alpha1.HostLabelForm(u.host), v1alpha1.PlaceholderHost); c != u.secret {
			candidates = append(candidates, c)
		}
		if c := strings.ReplaceAll(u.secret, u.namespace+"-"+u.name, v1alpha1.PlaceholderNamespace+"-"+v1alpha1.PlaceholderName); c != u.secret {
			candidates = append(candidates, c)
		} else if c := strings.ReplaceAll(u.secret, u.name, v1alpha1.PlaceholderName); c != u.secret {
			candidates = append(candidates, c)
		}
	}
	best, bestN := v1alpha1.DefaultCredentialName, -1
	for _, c := range candidates {
		n := 0
		for _, u := range uses {
			if v1alpha1.ExpandCredentialName(c, u.namespace, u.name, u.host) == u.secret {
				n++
			}
		}
		if n > bestN {
			best, bestN = c, n
		}
	}
	im.l4.template = best
	t := &v1alpha1.GatewayTLS{HTTPSRedirect: im.l4.redirect}
	if best != v1alpha1.DefaultCredentialName {
		t.CredentialName = best
	}
	var versions, issuers []string
	for _, h := range sortedKeys(im.l4.tls) {
		versions = append(versions, im.l4.tls[h].minVersion)
	}
	if len(versions) > 0 {
		t.MinProtocolVersion = mostString(versions)
	}
	for _, h := range sortedKeys(im.l4.tls) {
		if v := im.l4.tls[h].minVersion; v != t.MinProtocolVersion {
			im.loss(source{kind: "Gateway"}, "", "host %s: minProtocolVersion %q: the platform has one for every host, %q", h, v, t.MinProtocolVersion)
		}
	}
	refs := map[string]cmmeta.IssuerReference{}
	for _, c := range im.inv.certificates {
		ref := c.spec.IssuerRef
		key := ref.Kind + "/" + ref.Name
		refs[key] = ref
		issuers = append(issuers, key)
	}
	if len(issuers) > 0 {
		most := mostString(issuers)
		ref := refs[most]
		t.Issuer = &v1alpha1.Issuer{Name: ref.Name}
		if ref.Kind != v1alpha1.IssuerKindClusterIssuer && ref.Kind != "" {
			t.Issuer.Kind = ref.Kind
		}
		for _, c := range im.inv.certificates {
			if r := c.spec.IssuerRef; r.Kind+"/"+r.Name != most || r.Group != "" && r.Group != "cert-manager.io" {
				im.loss(c.src, "spec.issuerRef", "the platform's Certificates have one issuer, %s", most)
			}
		}
	}
	if *t != (v1alpha1.GatewayTLS{}) {
		p.Spec.TLS = t
	}
}

// servicePorts are the ports of a Service of several ports as
// spec.service.ports: each named as krm-fn names it back
// ("<protocol>-<name>"), or why it cannot be.
func servicePorts(svc *service) ([]v1alpha1.ServicePort, string) {
	var out []v1alpha1.ServicePort
	for _, p := range svc.spec.Ports {
		proto := protocolOf(p)
		name := strings.TrimPrefix(p.Name, string(proto)+"-")
		sp := v1alpha1.ServicePort{Name: name, Port: p.Port}
		if proto != v1alpha1.ProtocolHTTP {
			sp.Protocol = proto
		}
		if tp := p.TargetPort; tp.Type == intstr.String || tp.IntVal != 0 && tp.IntVal != p.Port {
			sp.TargetPort = &tp
		}
		probe := sp
		probe.Protocol = proto
		if v1alpha1.ServicePortName(probe) != p.Name {
			return nil, fmt.Sprintf("port %q would be named %q (krm-fn names a port <protocol>-<name>, so Istio reads its protocol)", p.Name, v1alpha1.ServicePortName(probe))
		}
		if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
			return nil, fmt.Sprintf("port %q is %s", p.Name, p.Protocol)
		}
		out = append(out, sp)
	}
	return out, ""
}

// httpPortOf is the port http routes take of a Service of several ports,
// as krm-fn chooses it: the first whose protocol is not tcp.
func httpPortOf(svc *service) int32 {
	for _, p := range svc.spec.Ports {
		if protocolOf(p) != v1alpha1.ProtocolTCP {
			return p.Port
		}
	}
	return svc.spec.Ports[0].Port
}

// l4Routing is what a set of objects does at L4, to compare: per host,
// the TLS a Gateway ends it with; the passthrough routes of each host; the
// tcp routes of each gateway port.
type l4Routing struct {
	tls         map[string]hostTLS
	passthrough map[string][]string
	tcp         map[string][]string
}

// l4RoutingOf reads inv's Gateways and VirtualServices at L4.
func l4RoutingOf(inv *inventory, ports portOf) l4Routing {
	g := readGatewayL4(inv)
	rt := l4Routing{tls: g.tls, passthrough: map[string][]string{}, tcp: map[string][]string{}}
	for _, vs := range inv.virtualServices {
		for _, t := range vs.spec.Tls {
			for _, m := range t.Match {
				for _, h := range m.SniHosts {
					rt.passthrough[strings.ToLower(h)] = l4Destinations(t.Route, vs.src.namespace, ports)
				}
			}
		}
		for _, t := range vs.spec.Tcp {
			for _, m := range t.Match {
				rt.tcp[fmt.Sprint(m.Port)] = l4Destinations(t.Route, vs.src.namespace, ports)
			}
		}
	}
	return rt
}

// l4Destinations are weighted destinations in terms two can be compared
// in: "<fqdn>:<port> subset <s> weight <w>".
func l4Destinations(ds []*networking.RouteDestination, ns string, ports portOf) []string {
	var out []string
	for _, d := range ds {
		host := strings.ToLower(d.GetDestination().GetHost())
		port := int32(d.GetDestination().GetPort().GetNumber())
		if s, ok := serviceHost(host, ns); ok {
			host = s.fqdn()
			if port == 0 {
				port = ports(s)
			}
		}
		w := d.Weight
		if len(ds) == 1 {
			w = 100
		}
		out = append(out, fmt.Sprintf("%s:%d subset %q weight %d", host, port, d.GetDestination().GetSubset(), w))
	}
	return out
}

// compareL4 lists the differences at L4 between the input, a, and the
// rendering, b.
func compareL4(a, b l4Routing) []string {
	var out []string
	for _, h := range sortedKeys(a.tls) {
		if x, y := a.tls[h], b.tls[h]; x != y {
			out = append(out, fmt.Sprintf("TLS of host %s: input %s, rendered %s", h, showTLS(x), showTLS(y)))
		}
	}
	for _, h := range sortedKeys(a.passthrough, b.passthrough) {
		if x, y := a.passthrough[h], b.passthrough[h]; !slices.Equal(x, y) {
			out = append(out, fmt.Sprintf("passthrough of host %s: input %v, rendered %v", h, x, y))
		}
	}
	for _, p := range sortedKeys(a.tcp, b.tcp) {
		if x, y := a.tcp[p], b.tcp[p]; !slices.Equal(x, y) {
			out = append(out, fmt.Sprintf("TCP of gateway port %s: input %v, rendered %v", p, x, y))
		}
	}
	return out
}

func showTLS(t hostTLS) string {
	if t == (hostTLS{}) {
		return "none"
	}
	return fmt.Sprintf("%s with Secret %s on port %d (minimum %q)", t.mode, t.credential, t.port, t.minVersion)
}

// albTLS gives the platform of an input whose ALB re-encrypts to the
// gateway its spec.tls: the one Secret of the gateway's TLS server, its
// minimum version, the issuer of its Certificate.
func (im *importer) albTLS(p *v1alpha1.ExposurePlatform) {
	t := &v1alpha1.GatewayTLS{MinProtocolVersion: im.l4.alb.minVersion}
	if c := im.l4.alb.credential; c != "" && c != v1alpha1.ALBCredentialName(cmp.Or(p.Spec.Gateway.Service, v1alpha1.DefaultGatewayService)) {
		t.CredentialName = c
	}
	if im.l4.httpsPort != 0 && im.l4.httpsPort != v1alpha1.DefaultHTTPSPort {
		p.Spec.Gateway.HTTPSPort = im.l4.httpsPort
	}
	for _, c := range im.inv.certificates {
		if c.spec.SecretName == im.l4.alb.credential {
			t.Issuer = &v1alpha1.Issuer{Name: c.spec.IssuerRef.Name}
			if k := c.spec.IssuerRef.Kind; k != "" && k != v1alpha1.IssuerKindClusterIssuer {
				t.Issuer.Kind = k
			}
		}
	}
	p.Spec.TLS = t
}
