package model

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
)

// TLS is how an exposure's own hosts are served at the gateway when the
// platform ends TLS there (nil otherwise).
type TLS struct {
	Mode v1alpha1.TLSMode
	// Port of the gateway its hosts are served on with TLS; PortSet says
	// spec.tls.port sets it.
	Port    int32
	PortSet bool
	// Credentials are the Secrets of its own hosts, in the order of its
	// hosts (one for all of them, or one per host): none with
	// passthrough, nor behind an ALB (the platform's one then).
	Credentials []Credential
	// FromPlatform says whether the Secrets are the platform's template's
	// (else spec.tls.credentialName).
	FromPlatform bool
}

// Credential is a Secret in the gateway's namespace and the hosts it
// serves.
type Credential struct {
	Secret string
	Hosts  []string
}

// GatewayTLS is the platform's TLS at the gateway, resolved.
type GatewayTLS struct {
	MinProtocolVersion string
	HTTPSRedirect      bool
	Issuer             *v1alpha1.Issuer
}

// TCPRoute is a tcp route of the exposure: a gateway port and where its
// connections go.
type TCPRoute struct {
	Port     int32
	Backends []Destination
}

// ServicePort is a port of the Service an exposure creates.
type ServicePort struct {
	Name     string // of the Service's port
	Port     int32
	Target   v1alpha1.ServicePort
	Protocol v1alpha1.Protocol
}

// Certificate is a cert-manager Certificate krm-fn renders into a
// credential Secret: in the gateway's namespace, named as the Secret.
type Certificate struct {
	Owner     string
	Carried   Carried
	Namespace string
	Credential
	Issuer v1alpha1.Issuer
}

// TLSGateway is the Istio Gateway of an environment whose ALB re-encrypts
// to the gateway (loadBalancer alb with tls, api: istio): the ALB
// connects without SNI, so the gateway port has one TLS server, for every
// host, with the platform's one certificate; every exposure's routing is
// bound to it. With the Gateway API the environment's Gateway has that
// listener instead.
type TLSGateway struct {
	Gateway
	Owner   string
	Carried Carried
	// Namespaces whose VirtualServices may bind to it (its server's hosts
	// "<namespace>/*").
	Namespaces []string
	Credential Credential
	TLS        GatewayTLS
}

// TLSGatewayName is the name of the TLSGateway of a platform whose gateway
// Service is service: "<service>-https".
func TLSGatewayName(service string) string { return service + "-https" }

// resolveTLS resolves the exposure's TLS at the gateway, its ports and tcp
// routes (after its routes).
func resolveTLS(x *Exposure, e *v1alpha1.ServiceExposure, p *v1alpha1.ExposurePlatformSpec) {
	s := &e.Spec
	x.LoadBalancer = p.LoadBalancer
	if p.TLS != nil {
		x.PlatformTLS = &GatewayTLS{MinProtocolVersion: p.TLS.MinProtocolVersion, HTTPSRedirect: p.TLS.HTTPSRedirect, Issuer: p.TLS.Issuer}
		x.ALBReencrypts = p.ALBReencrypts()
	}
	if len(s.Service.Ports) > 0 {
		for _, sp := range s.Service.Ports {
			x.Service.Ports = append(x.Service.Ports, ServicePort{Name: v1alpha1.ServicePortName(sp), Port: sp.Port, Target: sp, Protocol: sp.Protocol})
		}
	}
	x.Service.TCPPort = s.Service.TCPPort()
	if mode := s.TLSModeOn(p); mode != "" && len(s.Hosts) > 0 {
		t := &TLS{Mode: mode, Port: v1alpha1.TLSPort(s, p), PortSet: s.TLS != nil && s.TLS.Port != 0}
		if x.ALBReencrypts {
			t.Port = p.Gateway.HTTPSPort
		}
		if mode != v1alpha1.TLSPassthrough && !x.ALBReencrypts && len(x.Hosts) > 0 {
			template, fromPlatform := p.TLS.CredentialName, true
			if s.TLS != nil && s.TLS.CredentialName != "" {
				template, fromPlatform = s.TLS.CredentialName, false
			}
			t.FromPlatform = fromPlatform
			t.Credentials = credentials(template, x.Namespace, x.Name, x.Hosts)
		}
		x.TLS = t
	}
	if !s.HTTPRoutes() {
		x.Passthrough = true
		for i := range x.Routes {
			for j := range x.Routes[i].Backends {
				if d := &x.Routes[i].Backends[j]; d.OtherService == "" && !portNamed(s.Routes[i].Backends[j].Port) {
					d.Port = x.Service.TCPPort
				}
			}
		}
	}
	for _, r := range s.TCP {
		tr := TCPRoute{Port: r.Port}
		for _, b := range r.Backends {
			d := destination(x, b.Service, b.Namespace, b.Port, b.Subset)
			if d.OtherService == "" {
				d.Port = x.Service.TCPPort
				if b.Port != 0 {
					d.Port = b.Port
				}
				if d.Subset != "" {
					x.RoutedSubsets[d.Subset] = true
				}
			}
			d.Weight = *b.Weight
			tr.Backends = append(tr.Backends, d)
		}
		x.TCP = append(x.TCP, tr)
	}
}

func portNamed(port int32) bool { return port != 0 }

// credentials are the Secrets of hosts (qualified) under template: one
// per host when it has {host}, else one for all.
func credentials(template, namespace, name string, hosts []string) []Credential {
	if !v1alpha1.PerHost(template) {
		return []Credential{{Secret: v1alpha1.ExpandCredentialName(template, namespace, name, ""), Hosts: hosts}}
	}
	var out []Credential
	for _, h := range hosts {
		out = append(out, Credential{Secret: v1alpha1.ExpandCredentialName(template, namespace, name, h), Hosts: []string{h}})
	}
	return out
}

// Terminated says whether the gateway ends TLS for x's own hosts itself
// (simple or mutual, no ALB in front).
func (x *Exposure) Terminated() bool {
	return x.TLS != nil && x.TLS.Mode != v1alpha1.TLSPassthrough && !x.ALBReencrypts
}

// ServesHTTP says whether the gateway serves x's own hosts in plain HTTP
// on its HTTP port: they have http routes, and no ALB re-encrypts to the
// gateway (then the ALB's connections all come in TLS).
func (x *Exposure) ServesHTTP() bool {
	return len(x.Hosts) > 0 && !x.Passthrough && !x.ALBReencrypts
}

// HasGateway says whether x renders an Istio Gateway of its own: for the
// servers of its hosts or tcp routes (none behind an ALB that
// re-encrypts: the TLSGateway serves them).
func (x *Exposure) HasGateway() bool {
	return len(x.Hosts) > 0 && !x.ALBReencrypts || len(x.TCP) > 0
}

// HasRouting says whether x renders the VirtualService of its hosts and
// tcp routes (Istio's API).
func (x *Exposure) HasRouting() bool { return len(x.Hosts) > 0 || len(x.TCP) > 0 }

// Certificates are the cert-manager Certificates of x's own Secrets: with
// the platform's issuer, for the Secrets of the platform's template (a
// Secret spec.tls.credentialName names is the exposure's to provide).
func (x *Exposure) Certificates() []Certificate {
	if x.PlatformTLS == nil || x.PlatformTLS.Issuer == nil || x.TLS == nil || !x.TLS.FromPlatform {
		return nil
	}
	var out []Certificate
	for _, c := range x.TLS.Credentials {
		out = append(out, Certificate{Owner: x.Owner, Carried: x.Carried, Namespace: x.Ingress.Namespace, Credential: c, Issuer: *x.PlatformTLS.Issuer})
	}
	return out
}

// SharedCredential is the Secret of shared host h under platform p's
// template: the host's objects' name for {name}, the gateway's namespace
// for {namespace}.
func SharedCredential(h *SharedHost, p *v1alpha1.ExposurePlatformSpec) Credential {
	return Credential{Secret: v1alpha1.ExpandCredentialName(p.TLS.CredentialName, p.Gateway.Namespace, h.Name, h.Host), Hosts: []string{h.Host}}
}

// tlsGateway is the TLSGateway of the environment, if its ALB re-encrypts
// to the gateway and any exposure has hosts. With the Gateway API it
// renders no Istio Gateway (the Gateway API Gateway has the listener), only
// the Certificate of its Secret.
func tlsGateway(exposures []*Exposure, p *v1alpha1.ExposurePlatformSpec, shared []*SharedHost) *TLSGateway {
	if !p.ALBReencrypts() {
		return nil
	}
	g := &TLSGateway{
		Gateway: Gateway{Name: TLSGatewayName(p.Gateway.Service), Namespace: p.Gateway.Namespace, Selector: p.Gateway.Selector, Port: p.Gateway.HTTPSPort},
		TLS:     GatewayTLS{MinProtocolVersion: p.TLS.MinProtocolVersion, Issuer: p.TLS.Issuer},
	}
	g.Owner = GatewayOwnerPrefix + p.Gateway.Namespace + "/" + g.Name
	g.Credential.Secret = p.TLS.CredentialName
	namespaces, hosts := map[string]bool{}, map[string]bool{}
	first := true
	for _, x := range exposures {
		if len(x.Hosts)+len(x.SharedHosts) == 0 {
			continue
		}
		if len(x.Hosts) > 0 {
			namespaces[x.Namespace] = true
		}
		for _, h := range slices.Concat(x.Hosts, x.SharedHosts) {
			hosts[h] = true
		}
		if first {
			g.Carried, first = x.Carried, false
		} else {
			g.Carried = g.Carried.Common(x.Carried)
		}
	}
	if len(shared) > 0 {
		namespaces[p.Gateway.Namespace] = true
	}
	if len(namespaces) == 0 {
		return nil
	}
	g.Carried = g.Carried.Shared()
	g.Namespaces = slices.Sorted(maps.Keys(namespaces))
	delete(hosts, v1alpha1.AnyHost)
	g.Credential.Hosts = slices.Sorted(maps.Keys(hosts))
	return g
}

// Certificate is the Certificate of the TLSGateway's Secret, if the
// platform names an issuer and some host can be in it (the ALB checks no
// name of it; "*" cannot be one).
func (g *TLSGateway) Certificate() (Certificate, bool) {
	if g.TLS.Issuer == nil || len(g.Credential.Hosts) == 0 {
		return Certificate{}, false
	}
	return Certificate{Owner: g.Owner, Carried: g.Carried, Namespace: g.Namespace, Credential: g.Credential, Issuer: *g.TLS.Issuer}, true
}

// Certificate is the Certificate of shared host h's Secret under platform
// p: with its issuer and TLS ended at the gateway for the host.
func (h *SharedHost) Certificate(p *v1alpha1.ExposurePlatformSpec) (Certificate, bool) {
	if p.TLS == nil || p.TLS.Issuer == nil || h.ALBReencrypts || h.Host == v1alpha1.AnyHost {
		return Certificate{}, false
	}
	return Certificate{Owner: h.Owner, Carried: h.Carried, Namespace: h.Ingress.Namespace, Credential: SharedCredential(h, p), Issuer: *p.TLS.Issuer}, true
}

// TLSListener is an HTTPS listener of the Gateway API Gateway: TLS ended
// with Secret for Hostname ("" for every host) on Port, for the
// HTTPRoutes of Namespaces.
type TLSListener struct {
	Name       string
	Hostname   string
	Port       int32
	Secret     string
	Namespaces []string
}

// completeTLS gives the Gateway API Gateway g its TLS: the type of the
// Service Istio deploys for it, by load balancer, and its HTTPS
// listeners: one for every host behind an ALB that re-encrypts (which
// sends no SNI), else one per host (a listener has one hostname) with the
// Secret of its exposure, or of the shared host.
func (g *PlatformGateway) completeTLS(exposures []*Exposure, shared []*SharedHost, p *v1alpha1.ExposurePlatformSpec) {
	switch p.LoadBalancer {
	case v1alpha1.LoadBalancerNLB:
		g.ServiceType = "LoadBalancer"
	case v1alpha1.LoadBalancerNone:
		g.ServiceType = "ClusterIP"
	}
	if p.TLS == nil {
		return
	}
	g.Redirect = p.TLS.HTTPSRedirect && !p.ALBReencrypts() && !g.NoHTTP
	if p.ALBReencrypts() {
		g.NoHTTP = true
		g.TLSListeners = []TLSListener{{Name: "https", Port: p.Gateway.HTTPSPort, Secret: p.TLS.CredentialName, Namespaces: g.Namespaces}}
		return
	}
	for _, x := range exposures {
		if x.TLS == nil {
			continue
		}
		for _, c := range x.TLS.Credentials {
			for _, h := range c.Hosts {
				g.TLSListeners = append(g.TLSListeners, tlsListener(h, x.TLS.Port, c.Secret, []string{x.Namespace}))
			}
			if x.TLS.Mode == v1alpha1.TLSMutual && !slices.ContainsFunc(g.ClientCAs, func(ca ClientCA) bool { return ca.Port == x.TLS.Port }) {
				g.ClientCAs = append(g.ClientCAs, ClientCA{Port: x.TLS.Port, Secret: c.Secret})
			}
		}
	}
	slices.SortStableFunc(g.ClientCAs, func(a, b ClientCA) int { return cmp.Compare(a.Port, b.Port) })
	for _, h := range shared {
		g.TLSListeners = append(g.TLSListeners, tlsListener(h.Host, p.Gateway.HTTPSPort, SharedCredential(h, p).Secret, h.Namespaces))
	}
	slices.SortStableFunc(g.TLSListeners, func(a, b TLSListener) int { return strings.Compare(a.Name, b.Name) })
	if g.Redirect {
		// The HTTP listener takes the redirect only: each HTTPRoute
		// attaches to its hosts' HTTPS listeners.
		for _, x := range exposures {
			if x.Passthrough {
				continue // a TLSRoute of its hosts' TLS listeners
			}
			for _, h := range slices.Concat(x.Hosts, x.SharedHosts) {
				x.Listeners = append(x.Listeners, ListenerName(h))
			}
		}
	}
}

// ListenerName is the name of the HTTPS listener of host h: "https-" and
// the host, a wildcard's "*" as "wildcard".
func ListenerName(h string) string { return "https-" + v1alpha1.HostLabelForm(h) }

// ClientCA is a port of the Gateway API Gateway whose HTTPS listeners
// check client certificates, against the CA in Secret's ca.crt (the
// Secret of the mutual exposures there, in the Gateway's namespace: the
// checks allow one per port).
type ClientCA struct {
	Port   int32
	Secret string
}

// TCPListener is a TCP listener of the Gateway API Gateway: the port of a
// tcp route, for the TCPRoute of Namespace.
type TCPListener struct {
	Name      string
	Port      int32
	Namespace string
}

// PassthroughListenerName is the name of the TLS listener in Passthrough
// mode of host h: "tls-" and the host, a wildcard's "*" as "wildcard".
func PassthroughListenerName(h string) string { return "tls-" + v1alpha1.HostLabelForm(h) }

// TCPListenerName is the name of the TCP listener of gateway port port.
func TCPListenerName(port int32) string { return "tcp-" + strconv.Itoa(int(port)) }

// TCPRouteName is the name of the TCPRoute of x's tcp route on gateway
// port port (a TCPRoute has one rule): "<name>-<port>".
func (x *Exposure) TCPRouteName(port int32) string { return x.Name + "-" + strconv.Itoa(int(port)) }

// completeL4 gives the Gateway API Gateway g the listeners of connections
// it routes without ending TLS: a TLS listener in Passthrough mode per
// host of a passthrough exposure (on its TLS port, for its TLSRoute), and
// a TCP listener per tcp route (for its TCPRoute), each taking routes
// from the exposure's namespace only.
func (g *PlatformGateway) completeL4(exposures []*Exposure) {
	for _, x := range exposures {
		if x.Passthrough && x.TLS != nil {
			for _, h := range x.Hosts {
				l := tlsListener(h, x.TLS.Port, "", []string{x.Namespace})
				l.Name = PassthroughListenerName(h)
				g.PassthroughListeners = append(g.PassthroughListeners, l)
			}
		}
		for _, r := range x.TCP {
			g.TCPListeners = append(g.TCPListeners, TCPListener{Name: TCPListenerName(r.Port), Port: r.Port, Namespace: x.Namespace})
		}
	}
	slices.SortStableFunc(g.PassthroughListeners, func(a, b TLSListener) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(g.TCPListeners, func(a, b TCPListener) int { return cmp.Compare(a.Port, b.Port) })
}

// RedirectRouteName is the name of the HTTPRoute that redirects the HTTP
// listener of Gateway gateway to HTTPS.
func RedirectRouteName(gateway string) string { return gateway + "-https-redirect" }

// tlsListener is the HTTPS listener of host h, named after it.
func tlsListener(h string, port int32, secret string, namespaces []string) TLSListener {
	l := TLSListener{Name: ListenerName(h), Hostname: h, Port: port, Secret: secret, Namespaces: namespaces}
	if h == v1alpha1.AnyHost {
		l.Hostname = ""
	}
	return l
}
