package v1alpha1

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// LoadBalancerKind is what carries traffic to the Istio gateway.
type LoadBalancerKind string

// The load balancers a platform fronts its gateway with.
const (
	// LoadBalancerALB: an ALB Ingress per exposure (and shared host); TLS
	// at the ALB, or re-encrypted to the gateway with spec.tls.
	LoadBalancerALB LoadBalancerKind = "alb"
	// LoadBalancerNLB: no Ingress; the gateway's own LoadBalancer Service
	// (an NLB the platform owns) carries traffic at L4; TLS at the gateway.
	LoadBalancerNLB LoadBalancerKind = "nlb"
	// LoadBalancerNone: no load-balancer objects at all.
	LoadBalancerNone LoadBalancerKind = "none"
)

// LoadBalancers are the values of loadBalancer, in the order messages
// list them.
var LoadBalancers = []LoadBalancerKind{LoadBalancerALB, LoadBalancerNLB, LoadBalancerNone}

// GatewayTLS is TLS at the Istio gateway, for every exposure of the
// platform.
type GatewayTLS struct {
	// CredentialName is the name of the Secret, in the gateway's
	// namespace, that holds each exposure's certificate (tls.crt,
	// tls.key; ca.crt for mutual TLS): a template where {namespace},
	// {name} and {host} are the exposure's namespace, name and each of its
	// hosts ({host} makes a Secret per host; a wildcard's "*" is written
	// "wildcard"). With loadBalancer alb the ALB connects to the gateway
	// without SNI, so one Secret serves every host: no placeholders then.
	// Default: "{namespace}-{name}-tls"; with alb,
	// "<gateway.service>-tls".
	CredentialName string `json:"credentialName,omitempty"`

	// Issuer makes krm-fn render a cert-manager Certificate for each
	// Secret, for the hosts it serves, issued by this Issuer (in the
	// gateway's namespace) or ClusterIssuer. Default: none (the Secrets
	// are the platform's to provide).
	Issuer *Issuer `json:"issuer,omitempty"`

	// MinProtocolVersion is the lowest TLS version the gateway accepts:
	// TLSV1_0, TLSV1_1, TLSV1_2 or TLSV1_3. Default: none (Istio's,
	// TLSV1_2). Not with api: gateway-api.
	MinProtocolVersion string `json:"minProtocolVersion,omitempty"`

	// HTTPSRedirect makes the gateway's HTTP server answer every request
	// with a redirect to HTTPS (with api: gateway-api, an HTTPRoute of the
	// HTTP listener). Only without an ALB in front (which talks to the
	// gateway in HTTPS, or redirects itself: alb.redirectHTTPS).
	// Default: false.
	HTTPSRedirect bool `json:"httpsRedirect,omitempty"`
}

// Issuer is a cert-manager issuer.
type Issuer struct {
	// Kind: Issuer (in the gateway's namespace, where the Certificates go)
	// or ClusterIssuer. Default: ClusterIssuer.
	Kind string `json:"kind,omitempty"`
	// Name of the issuer. Required.
	Name string `json:"name"`
}

// The kinds of cert-manager issuers.
const (
	IssuerKindIssuer        = "Issuer"
	IssuerKindClusterIssuer = "ClusterIssuer"
)

// IssuerKinds are the values of issuer.kind.
var IssuerKinds = []string{IssuerKindClusterIssuer, IssuerKindIssuer}

// TLSVersions are the values of minProtocolVersion (Istio's TLSProtocol,
// but TLS_AUTO).
var TLSVersions = []string{"TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"}

// TLSMode is how an exposure's hosts are served at the gateway.
type TLSMode string

// The TLS modes of an exposure.
const (
	// TLSSimple: TLS ends at the gateway, with the exposure's certificate.
	TLSSimple TLSMode = "simple"
	// TLSMutual: as simple, and clients must present a certificate signed
	// by the CA of the Secret's ca.crt.
	TLSMutual TLSMode = "mutual"
	// TLSPassthrough: the gateway routes the connection by SNI to the
	// Service, which ends TLS itself.
	TLSPassthrough TLSMode = "passthrough"
)

// TLSModes are the values of tls.mode.
var TLSModes = []TLSMode{TLSSimple, TLSMutual, TLSPassthrough}

// ExposureTLS is how one exposure's hosts are served at the gateway.
type ExposureTLS struct {
	// Mode: simple (TLS ends at the gateway), mutual (and clients present
	// certificates signed by the CA in the Secret's ca.crt) or passthrough
	// (the gateway routes by SNI to the Service, which ends TLS itself; its
	// routes then only choose backends, and the ports they reach must be
	// protocol tcp). With api: gateway-api, a gateway port checks client
	// certificates for every host on it against one CA, so a mutual
	// exposure's TLS port serves mutual exposures of one Secret only; and
	// passthrough names its hosts ("*" is none). Default: simple.
	Mode TLSMode `json:"mode,omitempty"`

	// CredentialName of the Secret, in the gateway's namespace, with this
	// exposure's certificate: overrides the platform's template. Not with
	// passthrough, nor with loadBalancer alb. Default: the platform's
	// credentialName.
	CredentialName string `json:"credentialName,omitempty"`

	// Port of the gateway its hosts are served on with TLS: one gateway
	// port serves either terminated TLS (and HTTP), or passthrough, or one
	// TCP route. The gateway Service must open it. Not with loadBalancer
	// alb, nor a port of the gateway's own proxy (15000, 15001, 15004,
	// 15006, 15008, 15009, 15020, 15021, 15053, 15090, 15443). Default:
	// the platform's gateway.httpsPort (443).
	Port int32 `json:"port,omitempty"`
}

// ServicePort is one named port of the Service.
type ServicePort struct {
	// Name of the port, a DNS-1123 label, unique. Required. The Service
	// port is named "<protocol>-<name>" for Istio (unless the name starts
	// so already).
	Name string `json:"name"`
	// Port clients and the routing use. Required, 1-65535, unique.
	Port int32 `json:"port"`
	// TargetPort on the pods: a number or a port name. Default: port.
	TargetPort *intstr.IntOrString `json:"targetPort,omitempty"`
	// Protocol of the port: http, http2, grpc or tcp. Default: http.
	Protocol Protocol `json:"protocol,omitempty"`
}

// TCPRoute sends the connections of a gateway port to backends.
type TCPRoute struct {
	// Port of the gateway, 1-65535: the platform's gateway Service must
	// open it. One TCP route per gateway port in an environment; not a
	// port of the gateway's own proxy (15000, 15001, 15004, 15006, 15008,
	// 15009, 15020, 15021, 15053, 15090, 15443). Required.
	Port int32 `json:"port"`
	// Backends the connections go to, with weights summing to 100: a
	// subset of the Service, another Service, and the port (which must be
	// a tcp port of the exposure's own Service). Default: the Service's
	// first tcp port, weight 100.
	Backends []Backend `json:"backends,omitempty"`
}

// GatewayProxyPorts are the ports the gateway's own proxy listens on
// (Envoy and Istio's agent, as Istio's "Ports used by Istio" lists them
// for every proxy, and pilot-agent's istioReservedPorts), and 15443, the
// SNI port of Istio's multi-network gateways, with what each is. A
// server or listener of an exposure there is refused beside the proxy's
// own, or takes what the platform and the load balancer rely on; with
// api: gateway-api, Istio deploys the Gateway's Service with status-port
// 15021 beside a port per listener, and a listener on 15021 makes that
// Service invalid for every listener.
var GatewayProxyPorts = map[int32]string{
	15000: "Envoy's admin port",
	15001: "Envoy's outbound capture port",
	15004: "the agent's debug port",
	15006: "Envoy's inbound capture port",
	15008: "the HBONE tunnel port",
	15009: "the HBONE port of secure networks",
	15020: "the agent's merged Prometheus port",
	15021: "the status port: the load balancer's health check probes it, and Istio gives it to the Gateway API Gateway's Service itself",
	15053: "the DNS proxy's port",
	15090: "Envoy's Prometheus port",
	15443: "the SNI port of Istio's multi-network gateways, AUTO_PASSTHROUGH",
}

// MaxServicePorts bounds spec.service.ports.
const MaxServicePorts = 100

// The placeholders of a credentialName template.
const (
	PlaceholderNamespace = "{namespace}"
	PlaceholderName      = "{name}"
	PlaceholderHost      = "{host}"
)

// DefaultCredentialName is the credentialName template of gateway TLS
// behind an NLB (or nothing): a Secret per exposure.
const DefaultCredentialName = PlaceholderNamespace + "-" + PlaceholderName + "-tls"

// ALBCredentialName is the default credentialName with loadBalancer alb:
// one Secret for the gateway's one TLS server, "<service>-tls".
func ALBCredentialName(gatewayService string) string { return gatewayService + "-tls" }

// ExpandCredentialName is template with its placeholders replaced by an
// exposure's namespace and name and one of its hosts (qualified; a
// wildcard's "*" as "wildcard").
func ExpandCredentialName(template, namespace, name, host string) string {
	return strings.NewReplacer(PlaceholderNamespace, namespace, PlaceholderName, name,
		PlaceholderHost, HostLabelForm(host)).Replace(template)
}

// HostLabelForm is host as a name may hold it: "*" as "wildcard".
func HostLabelForm(host string) string { return strings.ReplaceAll(host, "*", "wildcard") }

// PerHost says whether a credentialName template makes a Secret per host.
func PerHost(template string) bool { return strings.Contains(template, PlaceholderHost) }

// GatewayTLSOn says whether the platform ends TLS at the Istio gateway
// (after defaulting: spec.tls is set).
func (s *ExposurePlatformSpec) GatewayTLSOn() bool { return s.TLS != nil }

// ALBReencrypts says whether the ALB re-encrypts to the gateway: TLS at
// the gateway behind an ALB.
func (s *ExposurePlatformSpec) ALBReencrypts() bool {
	return s.LoadBalancer == LoadBalancerALB && s.TLS != nil
}

// Ingresses says whether the platform renders ALB Ingresses.
func (s *ExposurePlatformSpec) Ingresses() bool { return s.LoadBalancer == LoadBalancerALB }

// defaultTLS fills the platform's load balancer and gateway TLS.
func (p *ExposurePlatform) defaultTLS() {
	s := &p.Spec
	if s.LoadBalancer == "" {
		s.LoadBalancer = LoadBalancerALB
	}
	if s.TLS == nil && s.LoadBalancer == LoadBalancerNLB {
		s.TLS = &GatewayTLS{}
	}
	if s.Gateway.HTTPSPort == 0 {
		s.Gateway.HTTPSPort = DefaultHTTPSPort
	}
	if t := s.TLS; t != nil {
		if t.CredentialName == "" {
			t.CredentialName = DefaultCredentialName
			if s.LoadBalancer == LoadBalancerALB {
				t.CredentialName = ALBCredentialName(s.Gateway.Service)
			}
		}
		if t.Issuer != nil && t.Issuer.Kind == "" {
			t.Issuer.Kind = IssuerKindClusterIssuer
		}
	}
}

// defaultPorts fills the exposure's TLS mode and its Service's ports.
func (e *ServiceExposure) defaultPorts() {
	if e.Spec.TLS != nil && e.Spec.TLS.Mode == "" {
		e.Spec.TLS.Mode = TLSSimple
	}
	for i := range e.Spec.Service.Ports {
		p := &e.Spec.Service.Ports[i]
		if p.TargetPort == nil && p.Port != 0 {
			tp := intstr.FromInt32(p.Port)
			p.TargetPort = &tp
		}
		if p.Protocol == "" {
			p.Protocol = ProtocolHTTP
		}
	}
	for i := range e.Spec.TCP {
		r := &e.Spec.TCP[i]
		if len(r.Backends) == 0 {
			r.Backends = []Backend{{}}
		}
		defaultBackends(r.Backends, e.Namespace)
	}
}

// TLSMode is the exposure's mode of TLS at the gateway: "" when the
// platform has none.
func (s *ServiceExposureSpec) TLSModeOn(p *ExposurePlatformSpec) TLSMode {
	if p == nil || !p.GatewayTLSOn() {
		return ""
	}
	if s.TLS == nil || s.TLS.Mode == "" {
		return TLSSimple
	}
	return s.TLS.Mode
}

// HTTPRoutes says whether the exposure's routes are http routes: not
// with passthrough (they are tls routes then, by SNI).
func (s *ServiceExposureSpec) HTTPRoutes() bool {
	return s.TLS == nil || s.TLS.Mode != TLSPassthrough
}

// ServicePorts are the ports of the Service: spec.service.ports, or the
// one of port, targetPort and protocol (named by its protocol, as
// before). Defaulted.
func (s *ServiceSpec) ServicePorts() []ServicePort {
	if len(s.Ports) > 0 {
		return s.Ports
	}
	return []ServicePort{{Port: s.Port, TargetPort: s.TargetPort, Protocol: s.Protocol}}
}

// HTTPPort is the port http routes send to unless a backend names one:
// the first port whose protocol is not tcp, else the first. 0 with none.
func (s *ServiceSpec) HTTPPort() int32 {
	ports := s.ServicePorts()
	for _, p := range ports {
		if p.Protocol != ProtocolTCP {
			return p.Port
		}
	}
	return ports[0].Port
}

// TCPPort is the port tcp routes and passthrough send to unless a backend
// names one: the first tcp port; 0 when there is none.
func (s *ServiceSpec) TCPPort() int32 {
	for _, p := range s.ServicePorts() {
		if p.Protocol == ProtocolTCP {
			return p.Port
		}
	}
	return 0
}

// PortProtocol is the protocol of the Service's port number port, and
// whether it has one.
func (s *ServiceSpec) PortProtocol(port int32) (Protocol, bool) {
	for _, p := range s.ServicePorts() {
		if p.Port == port {
			return p.Protocol, true
		}
	}
	return "", false
}

// HTTPProtocol is the protocol of HTTPPort: what the gateway speaks to the
// port http routes send to.
func (s *ServiceSpec) HTTPProtocol() Protocol {
	p, _ := s.PortProtocol(s.HTTPPort())
	return p
}
