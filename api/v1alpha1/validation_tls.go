package v1alpha1

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// placeholder finds what looks like a placeholder of a template.
var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// validatePlatformTLS checks the platform's load balancer and gateway TLS.
func validatePlatformTLS(spec *field.Path, s *ExposurePlatformSpec) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, oneOf(spec.Child("loadBalancer"), s.LoadBalancer, LoadBalancers)...)
	errs = append(errs, portNumber(spec.Child("gateway", "httpsPort"), s.Gateway.HTTPSPort)...)
	if s.Gateway.HTTPSPort == s.Gateway.Port {
		errs = append(errs, field.Invalid(spec.Child("gateway", "httpsPort"), s.Gateway.HTTPSPort,
			fmt.Sprintf("is the gateway's HTTP port too (gateway.port): one gateway port serves plain HTTP or TLS, not both; choose another")))
	}
	if s.LoadBalancer != LoadBalancerALB && s.LoadBalancer != "" {
		alb := spec.Child("alb")
		why := fmt.Sprintf("configures the ALB Ingresses, and loadBalancer %s renders none: remove it", s.LoadBalancer)
		if len(s.ALB.CertificateARNs) > 0 {
			errs = append(errs, field.Forbidden(alb.Child("certificateArns"), why))
		}
		if s.ALB.SSLPolicy != "" {
			errs = append(errs, field.Forbidden(alb.Child("sslPolicy"), why))
		}
		if s.ALB.Group != "" {
			errs = append(errs, field.Forbidden(alb.Child("group"), why))
		}
		if len(s.ALB.Annotations) > 0 {
			errs = append(errs, field.Forbidden(alb.Child("annotations"), why))
		}
	}
	t := s.TLS
	if t == nil {
		return errs
	}
	p := spec.Child("tls")
	errs = append(errs, credentialTemplate(p.Child("credentialName"), t.CredentialName)...)
	if s.LoadBalancer == LoadBalancerALB {
		if placeholder.MatchString(t.CredentialName) {
			errs = append(errs, field.Invalid(p.Child("credentialName"), t.CredentialName,
				"with loadBalancer alb the ALB connects to the gateway without SNI, so the gateway has one TLS server for every host and one certificate (the ALB does not check it): name one Secret, without placeholders"))
		}
		if t.HTTPSRedirect {
			errs = append(errs, field.Forbidden(p.Child("httpsRedirect"),
				"the ALB talks HTTPS to the gateway and redirects HTTP itself (alb.redirectHTTPS): remove it"))
		}
	}
	if i := t.Issuer; i != nil {
		errs = append(errs, oneOf(p.Child("issuer", "kind"), i.Kind, IssuerKinds)...)
		if i.Name == "" {
			errs = append(errs, field.Required(p.Child("issuer", "name"), "the cert-manager Issuer or ClusterIssuer that issues the certificates"))
		} else {
			errs = append(errs, dnsSubdomain(p.Child("issuer", "name"), i.Name)...)
		}
	}
	if t.MinProtocolVersion != "" {
		errs = append(errs, oneOf(p.Child("minProtocolVersion"), t.MinProtocolVersion, TLSVersions)...)
		if s.API == APIGatewayAPI {
			errs = append(errs, field.Forbidden(p.Child("minProtocolVersion"), gatewayAPINo+
				"minimum TLS version (a listener's tls.options are the implementation's own): remove it, or render this environment with api: istio"))
		}
	}
	if _, set := s.ALB.Annotations[ALBBackendProtocol]; set && s.LoadBalancer == LoadBalancerALB {
		errs = append(errs, field.Forbidden(spec.Child("alb", "annotations").Key(ALBBackendProtocol),
			"with spec.tls the ALB re-encrypts to the gateway, and krm-fn writes backend-protocol: HTTPS itself: remove it"))
	}
	return errs
}

// credentialTemplate checks a credentialName template: known placeholders
// only, and a Secret name (in the gateway's namespace) once expanded.
func credentialTemplate(p *field.Path, template string) field.ErrorList {
	var errs field.ErrorList
	for _, ph := range placeholder.FindAllString(template, -1) {
		if ph != PlaceholderNamespace && ph != PlaceholderName && ph != PlaceholderHost {
			errs = append(errs, field.Invalid(p, template, fmt.Sprintf("has the placeholder %s: a template knows {namespace}, {name} and {host}", ph)))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return credentialName(p, template, ExpandCredentialName(template, "namespace", "name", "host.example.com"))
}

// credentialName checks the name of a credential Secret: a Secret of the
// gateway's namespace, by name alone.
func credentialName(p *field.Path, written, name string) field.ErrorList {
	if strings.Contains(name, "/") || strings.Contains(name, ":") {
		return field.ErrorList{field.Invalid(p, written,
			"names a Secret in the gateway's namespace, where the gateway reads credentials, by its name alone: no namespace/, no kubernetes:// or other scheme; a Secret elsewhere cannot serve")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(p, written, "names a Secret, so "+msg))
	}
	return errs
}

// validateExposureTLS checks an exposure's TLS at the gateway, its tcp
// routes and what its routes are under passthrough, against the
// platform (nil: invalid itself; then what depends on it is not checked)
// and what tn, the exposure, may reach.
func validateExposureTLS(spec *field.Path, s *ServiceExposureSpec, platform *ExposurePlatformSpec, tn tenant) field.ErrorList {
	var errs field.ErrorList
	tp := spec.Child("tls")
	if t := s.TLS; t != nil {
		errs = append(errs, oneOf(tp.Child("mode"), t.Mode, TLSModes)...)
		if t.CredentialName != "" {
			errs = append(errs, credentialName(tp.Child("credentialName"), t.CredentialName, t.CredentialName)...)
			if t.Mode == TLSPassthrough {
				errs = append(errs, field.Forbidden(tp.Child("credentialName"), "with passthrough the Service ends TLS with its own certificate: remove it"))
			}
		}
		if t.Port != 0 {
			errs = append(errs, portNumber(tp.Child("port"), t.Port)...)
			errs = append(errs, gatewayProxyPort(tp.Child("port"), t.Port)...)
		}
		if platform != nil {
			errs = append(errs, exposureTLSOnPlatform(tp, t, platform)...)
		}
	}
	if s.TLS != nil && s.TLS.Mode == TLSPassthrough {
		errs = append(errs, passthroughRoutes(spec, s)...)
	}
	if platform != nil && platform.API == APIGatewayAPI {
		errs = append(errs, gatewayAPITLS(spec, s, platform)...)
	}
	if platform != nil && slices.Contains(s.Hosts, AnyHost) && platform.TLS != nil && platform.TLS.Issuer != nil && s.HTTPRoutes() && !platform.ALBReencrypts() {
		errs = append(errs, field.Invalid(spec.Child("hosts").Index(slices.Index(s.Hosts, AnyHost)), AnyHost,
			"the platform has cert-manager issue a certificate for each exposure's hosts, and no certificate names every host: give it the hosts it serves, or a Secret of your own (spec.tls.credentialName)"))
	}
	errs = append(errs, expandedCredentials(spec, s, platform, tn)...)
	errs = append(errs, validateTCP(spec, s, platform, tn)...)
	errs = append(errs, reencryptAnnotations(spec, s, platform)...)
	return errs
}

// expandedCredentials checks the names the platform's credentialName
// template gives the exposure's Secrets (and Certificates), with its
// namespace, name and hosts: a template is checked with short sample
// values, and a long host or name can take the Secret's past a name's 253
// characters.
func expandedCredentials(spec *field.Path, s *ServiceExposureSpec, platform *ExposurePlatformSpec, tn tenant) field.ErrorList {
	if platform == nil || platform.TLS == nil || platform.ALBReencrypts() || !s.HTTPRoutes() ||
		s.TLS != nil && s.TLS.CredentialName != "" || tn.namespace == "" || tn.name == "" {
		return nil
	}
	template := platform.TLS.CredentialName
	var errs field.ErrorList
	shared := ownHosts(platform.SharedHosts, platform)
	for i, h := range ownHosts(s.Hosts, platform) {
		if slices.Contains(shared, h) {
			continue // served with the platform's Secret of the host
		}
		name := ExpandCredentialName(template, tn.namespace, tn.name, h)
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			at := spec.Child("hosts").Index(i)
			if !PerHost(template) {
				at = field.NewPath("metadata", "name")
			}
			errs = append(errs, field.Invalid(at, name, fmt.Sprintf(
				"is the name the platform's spec.tls.credentialName %q gives this exposure's Secret (and Certificate), which is no Secret name: %s: shorten it, or name a Secret of the exposure's own (spec.tls.credentialName)",
				template, msg)))
		}
		if !PerHost(template) {
			break // one Secret for every host
		}
	}
	return errs
}

// exposureTLSOnPlatform checks what an exposure's tls asks of its
// platform.
func exposureTLSOnPlatform(tp *field.Path, t *ExposureTLS, platform *ExposurePlatformSpec) field.ErrorList {
	if !platform.GatewayTLSOn() {
		return field.ErrorList{field.Forbidden(tp, fmt.Sprintf(
			"needs TLS at the gateway, and the ExposurePlatform has none (loadBalancer %s, no spec.tls): remove it, or ask the platform for spec.tls", platform.LoadBalancer))}
	}
	var errs field.ErrorList
	if platform.LoadBalancer == LoadBalancerALB {
		switch t.Mode {
		case TLSPassthrough:
			errs = append(errs, field.Forbidden(tp.Child("mode"),
				"the ALB ends the client's TLS (loadBalancer alb), so there is no client TLS left to pass through to the Service: use mode simple, or a platform with loadBalancer nlb"))
		case TLSMutual:
			errs = append(errs, field.Forbidden(tp.Child("mode"),
				"the ALB ends the client's TLS (loadBalancer alb), and the client's certificate with it: the gateway sees the ALB's connection only; use mode simple, or a platform with loadBalancer nlb"))
		}
		if t.CredentialName != "" {
			errs = append(errs, field.Forbidden(tp.Child("credentialName"),
				"the ALB connects to the gateway without SNI, so every host has the one certificate of the platform's spec.tls.credentialName: remove it"))
		}
		if t.Port != 0 {
			errs = append(errs, field.Forbidden(tp.Child("port"),
				"the ALB re-encrypts to the platform's gateway.httpsPort: remove it"))
		}
	}
	if t.Port != 0 && t.Port == platform.Gateway.Port {
		errs = append(errs, field.Invalid(tp.Child("port"), t.Port,
			"is the gateway's HTTP port (gateway.port of the ExposurePlatform): one gateway port serves plain HTTP or TLS; choose another"))
	}
	return errs
}

// reencryptAnnotations refuses an exposure's backend-protocol where the
// ALB re-encrypts to the gateway: anything but HTTPS would talk plain HTTP
// to its TLS port.
func reencryptAnnotations(spec *field.Path, s *ServiceExposureSpec, platform *ExposurePlatformSpec) field.ErrorList {
	if platform == nil || !platform.ALBReencrypts() || s.Ingress == nil {
		return nil
	}
	if _, set := s.Ingress.Annotations[ALBBackendProtocol]; set {
		return field.ErrorList{field.Forbidden(spec.Child("ingress", "annotations").Key(ALBBackendProtocol),
			"the platform's ALB re-encrypts to the gateway (spec.tls), and krm-fn writes backend-protocol: HTTPS itself: remove it")}
	}
	return nil
}

// passthroughRoutes checks the routes of a passthrough exposure: the
// gateway sees no request, only the SNI of a connection, so a route
// chooses backends and nothing else, and they must take TLS (tcp ports).
func passthroughRoutes(spec *field.Path, s *ServiceExposureSpec) field.ErrorList {
	var errs field.ErrorList
	why := "with tls mode passthrough the gateway routes connections by SNI and sees no request: remove it"
	if len(s.Routes) > 1 {
		errs = append(errs, field.TooMany(spec.Child("routes"), len(s.Routes), 1))
	}
	if s.Mesh {
		errs = append(errs, field.Forbidden(spec.Child("mesh"), "the routes of a passthrough exposure are tls routes of the gateway, not http routes for the mesh: remove it"))
	}
	for i := range s.Routes {
		r, p := &s.Routes[i], spec.Child("routes").Index(i)
		m := r.Match
		if m.Prefix != DefaultPathPrefix || m.Exact != "" || m.Regex != "" || m.Method != "" || len(m.Headers) > 0 || len(m.QueryParams) > 0 {
			errs = append(errs, field.Forbidden(p.Child("match"), why))
		}
		for _, f := range []struct {
			name string
			set  bool
		}{{"name", r.Name != ""}, {"timeout", !r.Timeout.IsZero()}, {"retries", r.Retries != nil}, {"rewrite", r.Rewrite != nil},
			{"requestHeaders", r.RequestHeaders != nil}, {"responseHeaders", r.ResponseHeaders != nil}, {"cors", r.CORS != nil},
			{"fault", r.Fault != nil}, {"mirror", r.Mirror != nil}, {"redirect", r.Redirect != nil}, {"respond", r.Respond != nil}} {
			if f.set {
				errs = append(errs, field.Forbidden(p.Child(f.name), why))
			}
		}
	}
	if s.Service.TCPPort() == 0 {
		errs = append(errs, field.Invalid(spec.Child("service"), field.OmitValueType{},
			"with tls mode passthrough the client's TLS goes to the Service as it is: it needs a port of protocol tcp (spec.service.protocol, or one of spec.service.ports)"))
	}
	return errs
}

// validateTCP checks the exposure's tcp routes: their backends reach what
// the routes' may (tn's tenancy), no more.
func validateTCP(spec *field.Path, s *ServiceExposureSpec, platform *ExposurePlatformSpec, tn tenant) field.ErrorList {
	var errs field.ErrorList
	if len(s.TCP) == 0 {
		return nil
	}
	tcp := spec.Child("tcp")
	if platform != nil && platform.LoadBalancer == LoadBalancerALB {
		return field.ErrorList{field.Forbidden(tcp,
			"the ALB carries HTTP only (loadBalancer alb): TCP routes need a platform whose gateway takes connections itself (loadBalancer nlb or none)")}
	}
	if s.Mesh && len(s.Hosts) == 0 && len(s.Routes) == 0 {
		errs = append(errs, field.Forbidden(spec.Child("mesh"), "applies the http routes inside the mesh, and an exposure of tcp routes alone has none: remove it"))
	}
	if s.Service.TCPPort() == 0 {
		errs = append(errs, field.Invalid(spec.Child("service"), field.OmitValueType{},
			"tcp routes send connections to a port of protocol tcp, and the Service has none (spec.service.protocol, or one of spec.service.ports)"))
	}
	to := targets{subsets: map[string]bool{}, platform: platform, service: &s.Service, l4: true, tenant: tn}
	for _, sub := range s.Subsets {
		to.subsets[sub.Name] = true
	}
	seen := map[int32]bool{}
	for i, r := range s.TCP {
		p := tcp.Index(i)
		if r.Port == 0 {
			errs = append(errs, field.Required(p.Child("port"), "the gateway port whose connections this route takes"))
		} else {
			errs = append(errs, portNumber(p.Child("port"), r.Port)...)
			errs = append(errs, gatewayProxyPort(p.Child("port"), r.Port)...)
		}
		if seen[r.Port] && r.Port != 0 {
			errs = append(errs, field.Duplicate(p.Child("port"), r.Port))
		}
		seen[r.Port] = true
		if platform != nil && r.Port != 0 {
			if r.Port == platform.Gateway.Port {
				errs = append(errs, field.Invalid(p.Child("port"), r.Port, "is the gateway's HTTP port (gateway.port of the ExposurePlatform): one gateway port serves HTTP(S), TLS passthrough or one TCP route; choose another"))
			} else if hasTLS(s, platform) && r.Port == TLSPort(s, platform) {
				errs = append(errs, field.Invalid(p.Child("port"), r.Port, "is the gateway port of this exposure's TLS: one gateway port serves HTTP(S), TLS passthrough or one TCP route; choose another"))
			}
		}
		errs = append(errs, validateBackends(p.Child("backends"), r.Backends, to)...)
	}
	return errs
}

// gatewayProxyPort refuses port, a gateway port an exposure asks for, if
// the gateway's own proxy listens there (GatewayProxyPorts).
func gatewayProxyPort(p *field.Path, port int32) field.ErrorList {
	what, ok := GatewayProxyPorts[port]
	if !ok {
		return nil
	}
	return field.ErrorList{field.Forbidden(p, fmt.Sprintf(
		"gateway port %d is the gateway proxy's own (%s), and no exposure may take a port Istio's proxy uses: choose another", port, what))}
}

// gatewayAPITLS checks what the Gateway API (v1.6.3, standard channel)
// cannot say of an exposure's passthrough, client certificates and tcp
// routes: a TLSRoute names its SNI hosts ("*" is none), a Gateway checks
// the client certificates of a port against one CA (one Secret per
// exposure then), and a rule of a TCPRoute or TLSRoute has at most 16
// backends. What it cannot say across exposures (a port of mutual and
// simple TLS, or of two CAs) the processor checks.
func gatewayAPITLS(spec *field.Path, s *ServiceExposureSpec, platform *ExposurePlatformSpec) field.ErrorList {
	var errs field.ErrorList
	orIstio := "; or render this environment with api: istio"
	if t := s.TLS; t != nil && t.Mode == TLSPassthrough {
		if i := slices.Index(s.Hosts, AnyHost); i >= 0 {
			errs = append(errs, field.Forbidden(spec.Child("hosts").Index(i), gatewayAPINo+
				`TLS passthrough for every host: a TLSRoute names the SNI hosts it takes ("*.example.com" will do, "*" will not): name them`+orIstio))
		}
	}
	if t := s.TLS; t != nil && t.Mode == TLSMutual && t.CredentialName == "" && platform.TLS != nil && PerHost(platform.TLS.CredentialName) && len(s.Hosts) > 1 {
		errs = append(errs, field.Invalid(spec.Child("tls", "mode"), t.Mode, fmt.Sprintf(
			"the Gateway API (platform api: gateway-api) checks the client certificates of a gateway port against one CA (the Gateway's spec.tls.frontend.perPort), and the platform's credentialName %q gives each host its own Secret, with its own ca.crt: name one Secret for the exposure (spec.tls.credentialName)%s",
			platform.TLS.CredentialName, orIstio)))
	}
	for i, r := range s.TCP {
		if n := len(r.Backends); n > gatewayAPIMaxBackends {
			errs = append(errs, gatewayAPITooMany(spec.Child("tcp").Index(i).Child("backends"), n, gatewayAPIMaxBackends, "the rule of a TCPRoute has at most %d backends"))
		}
	}
	return errs
}

// hasTLS says whether the exposure's hosts are served with TLS at the
// gateway.
func hasTLS(s *ServiceExposureSpec, platform *ExposurePlatformSpec) bool {
	return len(s.Hosts) > 0 && s.TLSModeOn(platform) != ""
}

// TLSPort is the gateway port of the exposure's TLS: its own, or the
// platform's gateway.httpsPort.
func TLSPort(s *ServiceExposureSpec, platform *ExposurePlatformSpec) int32 {
	if s.TLS != nil && s.TLS.Port != 0 {
		return s.TLS.Port
	}
	return platform.Gateway.HTTPSPort
}

// ownPort checks a port a backend (or mirror) names of the exposure's own
// Service: one of its ports; of protocol tcp for connections (tcp routes,
// passthrough).
func ownPort(p *field.Path, port int32, to targets) field.ErrorList {
	if port == 0 || to.service == nil {
		return nil
	}
	proto, ok := to.service.PortProtocol(port)
	switch {
	case !ok && len(to.service.Ports) == 0:
		return field.ErrorList{field.Forbidden(p, "only with service: the exposure's own Service has its port")}
	case !ok:
		var ports []string
		for _, sp := range to.service.Ports {
			ports = append(ports, strconv.Itoa(int(sp.Port)))
		}
		return field.ErrorList{field.NotSupported(p, port, ports)}
	case to.l4 && proto != ProtocolTCP:
		return field.ErrorList{field.Invalid(p, port, fmt.Sprintf(
			"is a port of protocol %s, and a connection routed by the gateway (tcp route, passthrough) is no %s request: name a port of protocol tcp", proto, proto))}
	}
	return nil
}

// validateServicePorts checks spec.service.ports: instead of port,
// targetPort and protocol; unique names and ports.
func validateServicePorts(path *field.Path, s *ServiceSpec) field.ErrorList {
	var errs field.ErrorList
	instead := "spec.service.ports lists the Service's ports: set their port, targetPort and protocol there, and remove it here"
	if s.Port != 0 {
		errs = append(errs, field.Forbidden(path.Child("port"), instead))
	}
	if s.TargetPort != nil {
		errs = append(errs, field.Forbidden(path.Child("targetPort"), instead))
	}
	if s.Protocol != "" {
		errs = append(errs, field.Forbidden(path.Child("protocol"), instead))
	}
	if len(s.Ports) > MaxServicePorts {
		return append(errs, field.TooMany(path.Child("ports"), len(s.Ports), MaxServicePorts))
	}
	names, numbers := map[string]bool{}, map[int32]bool{}
	for i, sp := range s.Ports {
		p := path.Child("ports").Index(i)
		if sp.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), "names the port"))
		} else if msgs := validation.IsDNS1123Label(sp.Name); len(msgs) > 0 {
			errs = append(errs, dnsLabel(p.Child("name"), sp.Name)...)
		} else if name := ServicePortName(sp); len(validation.IsDNS1123Label(name)) > 0 {
			errs = append(errs, field.Invalid(p.Child("name"), sp.Name, fmt.Sprintf("names the Service port %q for Istio, which must be a DNS label of at most 63 characters: shorten it", name)))
		}
		if names[sp.Name] && sp.Name != "" {
			errs = append(errs, field.Duplicate(p.Child("name"), sp.Name))
		}
		names[sp.Name] = true
		if sp.Port == 0 {
			errs = append(errs, field.Required(p.Child("port"), "the port clients and the routing use"))
		} else {
			errs = append(errs, portNumber(p.Child("port"), sp.Port)...)
		}
		if numbers[sp.Port] && sp.Port != 0 {
			errs = append(errs, field.Duplicate(p.Child("port"), sp.Port))
		}
		numbers[sp.Port] = true
		if sp.TargetPort != nil && *sp.TargetPort != intstr.FromInt32(sp.Port) {
			errs = append(errs, portNumberOrName(p.Child("targetPort"), *sp.TargetPort)...)
		}
		errs = append(errs, oneOf(p.Child("protocol"), sp.Protocol, Protocols)...)
	}
	return errs
}

// ServicePortName is the name of a port of spec.service.ports in the
// Service: "<protocol>-<name>", so that Istio reads its protocol from
// it, unless the name says it already ("http", "grpc-api").
func ServicePortName(sp ServicePort) string {
	proto := string(sp.Protocol)
	if sp.Name == proto || strings.HasPrefix(sp.Name, proto+"-") {
		return sp.Name
	}
	return proto + "-" + sp.Name
}
