package emit

import (
	"strconv"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	networking "istio.io/api/networking/v1"
	"istio.io/api/networking/v1alpha3"
)

// The server of plain HTTP of every Gateway (behind an ALB that ends TLS,
// the only one), and the names and protocols of the others.
const (
	gatewayServerPortName = "http"
	gatewayServerProtocol = "HTTP"
	httpsServerPortName   = "https"
	httpsServerProtocol   = "HTTPS"
	tlsServerPortName     = "tls"
	tlsServerProtocol     = "TLS"
	tcpServerProtocol     = "TCP"
)

// Gateway builds the Istio Gateway of x's own hosts and tcp routes: a
// plain HTTP server for its hosts (redirecting to HTTPS if the platform
// says so), an HTTPS server per Secret when the gateway ends TLS
// (SIMPLE, or MUTUAL), a TLS PASSTHROUGH server for passthrough, and a TCP
// server per tcp route. Behind an ALB that ends TLS the Gateway never
// redirects to HTTPS itself (that would loop).
func Gateway(x *model.Exposure) *IstioObject {
	var servers []*networking.Server
	if x.ServesHTTP() {
		servers = append(servers, httpServer(x.Gateway.Port, x.Hosts, x.PlatformTLS))
	}
	if x.Terminated() {
		for _, c := range x.TLS.Credentials {
			servers = append(servers, httpsServer(x.TLS.Port, c, x.TLS.Mode, x.PlatformTLS, len(x.TLS.Credentials) > 1))
		}
	}
	if x.Passthrough && x.TLS != nil {
		servers = append(servers, &networking.Server{
			Port:  &networking.Port{Number: uint32(x.TLS.Port), Name: tlsServerPortName, Protocol: tlsServerProtocol},
			Hosts: x.Hosts,
			Tls:   &networking.ServerTLSSettings{Mode: networking.ServerTLSSettings_PASSTHROUGH},
		})
	}
	for _, r := range x.TCP {
		servers = append(servers, &networking.Server{
			Port:  &networking.Port{Number: uint32(r.Port), Name: "tcp-" + strconv.Itoa(int(r.Port)), Protocol: tcpServerProtocol},
			Hosts: []string{v1alpha1.AnyHost},
		})
	}
	return gateway(x.Owner, x.Carried, x.Gateway, x.Namespace, servers)
}

// SharedGateway builds the one Gateway of a shared host, in the gateway's
// namespace: no other Gateway serves the host. With TLS at the gateway
// (and no ALB in front) it ends TLS with the shared host's Secret too.
func SharedGateway(h *model.SharedHost, p *v1alpha1.ExposurePlatformSpec) *IstioObject {
	var platformTLS *model.GatewayTLS
	if p.TLS != nil {
		platformTLS = &model.GatewayTLS{MinProtocolVersion: p.TLS.MinProtocolVersion, HTTPSRedirect: p.TLS.HTTPSRedirect}
	}
	servers := []*networking.Server{httpServer(h.Gateway.Port, []string{h.Host}, platformTLS)}
	if platformTLS != nil {
		servers = append(servers, httpsServer(p.Gateway.HTTPSPort, model.SharedCredential(h, p), v1alpha1.TLSSimple, platformTLS, false))
	}
	return gateway(h.Owner, h.Carried, h.Gateway, h.Ingress.Namespace, servers)
}

// TLSGateway builds the Gateway of an environment whose ALB re-encrypts to
// the gateway: one HTTPS server for every host (the ALB sends no SNI), for
// the VirtualServices of the namespaces that have exposures.
func TLSGateway(g *model.TLSGateway) *IstioObject {
	var hosts []string
	for _, ns := range g.Namespaces {
		hosts = append(hosts, ns+"/"+v1alpha1.AnyHost)
	}
	server := httpsServer(g.Port, model.Credential{Secret: g.Credential.Secret, Hosts: hosts}, v1alpha1.TLSSimple, &g.TLS, false)
	return gateway(g.Owner, g.Carried, g.Gateway, g.Namespace, []*networking.Server{server})
}

// httpServer is the plain HTTP server of hosts; with the platform's
// httpsRedirect, it answers every request with a redirect to HTTPS.
func httpServer(port int32, hosts []string, t *model.GatewayTLS) *networking.Server {
	s := &networking.Server{
		Port:  &networking.Port{Number: uint32(port), Name: gatewayServerPortName, Protocol: gatewayServerProtocol},
		Hosts: hosts,
	}
	if t != nil && t.HTTPSRedirect {
		s.Tls = &networking.ServerTLSSettings{HttpsRedirect: true}
	}
	return s
}

// httpsServer is the server that ends TLS for c's hosts with c's Secret;
// perHost names it after its host (a Gateway's port names are unique).
func httpsServer(port int32, c model.Credential, mode v1alpha1.TLSMode, t *model.GatewayTLS, perHost bool) *networking.Server {
	name := httpsServerPortName
	if perHost {
		name += "-" + v1alpha1.HostLabelForm(c.Hosts[0])
	}
	tls := &networking.ServerTLSSettings{Mode: networking.ServerTLSSettings_SIMPLE, CredentialName: c.Secret}
	if mode == v1alpha1.TLSMutual {
		tls.Mode = networking.ServerTLSSettings_MUTUAL
	}
	if t != nil && t.MinProtocolVersion != "" {
		tls.MinProtocolVersion = networking.ServerTLSSettings_TLSProtocol(v1alpha3.ServerTLSSettings_TLSProtocol_value[t.MinProtocolVersion])
	}
	return &networking.Server{
		Port:  &networking.Port{Number: uint32(port), Name: name, Protocol: httpsServerProtocol},
		Hosts: c.Hosts,
		Tls:   tls,
	}
}

func gateway(owner string, c model.Carried, g model.Gateway, namespace string, servers []*networking.Server) *IstioObject {
	return &IstioObject{
		TypeMeta:   KindGateway.TypeMeta(),
		ObjectMeta: ownedMeta(owner, c, g.Name, namespace),
		Spec:       IstioSpec{&networking.Gateway{Selector: g.Selector, Servers: servers}},
	}
}
