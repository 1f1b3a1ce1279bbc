package v1alpha1

import "k8s.io/apimachinery/pkg/util/intstr"

// Default fills every unset field of the platform with its documented
// default. It is idempotent.
func (p *ExposurePlatform) Default() {
	s := &p.Spec
	if s.Injection == "" {
		s.Injection = InjectionNamespace
	}
	if s.ALB.Scheme == "" {
		s.ALB.Scheme = SchemeInternetFacing
	}
	if s.ALB.TargetType == "" {
		s.ALB.TargetType = TargetTypeIP
	}
	if s.ALB.IngressClassName == "" {
		s.ALB.IngressClassName = DefaultIngressClassName
	}
	if s.ALB.RedirectHTTPS == nil {
		redirect := len(s.ALB.CertificateARNs) > 0
		s.ALB.RedirectHTTPS = &redirect
	}
	if s.API == "" {
		s.API = APIIstio
	}
	g := &s.Gateway
	if g.Namespace == "" {
		g.Namespace = DefaultGatewayNamespace
	}
	if s.API == APIGatewayAPI {
		// The Gateway's own Deployment and Service, which Istio deploys
		// for it: no selector, and the Service has the Gateway's name.
		if g.Name == "" {
			g.Name = DefaultGatewayAPIName
		}
		if g.Service == "" {
			g.Service = GatewayAPIService(g.Name)
		}
	} else {
		if g.Service == "" {
			g.Service = DefaultGatewayService
		}
		if len(g.Selector) == 0 {
			g.Selector = map[string]string{DefaultGatewaySelectorKey: DefaultGatewaySelectorValue}
		}
	}
	if g.Port == 0 {
		g.Port = DefaultGatewayPort
	}
	if g.HealthCheckPort == "" {
		g.HealthCheckPort = DefaultHealthCheckPort
	}
	if g.HealthCheckPath == "" {
		g.HealthCheckPath = DefaultHealthCheckPath
	}
	p.defaultTLS()
	s.defaultTenancy()
}

// GatewayAPIService is the Service Istio deploys for a Gateway API Gateway
// of class istio named name: "<name>-istio", in the Gateway's namespace.
func GatewayAPIService(name string) string { return name + "-" + GatewayClassIstio }

// GatewayAPISubsetService is the name of the Service that stands for
// subset of Service service with the Gateway API, which has no subsets:
// "<service>-<subset>".
func GatewayAPISubsetService(service, subset string) string { return service + "-" + subset }

// Default fills every unset field of the exposure with its documented
// default. Defaults that depend on the platform (the domain of short hosts,
// the ALB group) are applied when the exposure is resolved. It is idempotent.
func (e *ServiceExposure) Default() {
	svc := &e.Spec.Service
	if svc.TargetPort == nil && svc.Port != 0 {
		tp := intstr.FromInt32(svc.Port)
		svc.TargetPort = &tp
	}
	if svc.Protocol == "" && len(svc.Ports) == 0 {
		svc.Protocol = ProtocolHTTP
	}
	if svc.Create == nil {
		create := true
		svc.Create = &create
	}
	if len(svc.Selector) == 0 && *svc.Create {
		svc.Selector = map[string]string{"app": e.Name}
	}
	if svc.Name == "" {
		svc.Name = e.Name
	}
	if svc.Namespace == "" {
		svc.Namespace = e.Namespace
	}
	if len(e.Spec.Routes) == 0 && (len(e.Spec.Hosts) > 0 || e.Spec.Mesh || len(e.Spec.TCP) == 0) {
		e.Spec.Routes = []Route{{}}
	}
	for i := range e.Spec.Routes {
		r := &e.Spec.Routes[i]
		if r.Match.Prefix == "" && r.Match.Exact == "" && r.Match.Regex == "" {
			r.Match.Prefix = DefaultPathPrefix
		}
		if len(r.Backends) == 0 && r.Redirect == nil && r.Respond == nil {
			r.Backends = []Backend{{}}
		}
		defaultBackends(r.Backends, e.Namespace)
		if m := r.Mirror; m != nil {
			if m.Service != "" && m.Namespace == "" {
				m.Namespace = e.Namespace
			}
			defaultPercent(&m.Percent)
		}
		if f := r.Fault; f != nil {
			if f.Delay != nil {
				defaultPercent(&f.Delay.Percent)
			}
			if f.Abort != nil {
				defaultPercent(&f.Abort.Percent)
			}
		}
		if r.Redirect != nil && r.Redirect.Code == 0 {
			r.Redirect.Code = DefaultRedirectCode
		}
		if d := e.Spec.RouteDefaults; d != nil {
			applyRouteDefaults(r, d)
		}
	}
	e.defaultPorts()
}

// defaultPercent sets an unset share of requests to all of them.
func defaultPercent(p **float64) {
	if *p == nil {
		all := float64(100)
		*p = &all
	}
}

// defaultBackends gives a lone backend the whole weight and a backend
// naming another Service the exposure's namespace, where they say none.
func defaultBackends(bs []Backend, namespace string) {
	if len(bs) == 1 && bs[0].Weight == nil {
		w := int32(DefaultBackendWeight)
		bs[0].Weight = &w
	}
	for j := range bs {
		if b := &bs[j]; b.Service != "" && b.Namespace == "" {
			b.Namespace = namespace
		}
	}
}
