package model

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ClusterDomainSuffix ends the FQDN of every Service.
const ClusterDomainSuffix = ".svc.cluster.local"

// Resolve turns a defaulted, validated exposure into the model the
// builders read. It reports the problems that only show once names are
// derived (e.g. a derived ALB group name that is too long).
func Resolve(e *v1alpha1.ServiceExposure, p *v1alpha1.ExposurePlatformSpec) (*Exposure, field.ErrorList) {
	s := &e.Spec
	x := &Exposure{
		Name:      e.Name,
		Namespace: e.Namespace,
		Owner:     e.Namespace + "/" + e.Name,
		Carried:   Carry(e.Labels, e.Annotations),
		Subsets:   s.Subsets,
		Mesh:      s.Mesh,
		ExportTo:  s.ExportTo,
		// Shared hosts too: the gateway routes them.
		GatewayRouted: len(s.Hosts) > 0,
		API:           p.API,
		RoutedSubsets: map[string]bool{},
	}
	shared := map[string]bool{}
	for _, h := range p.SharedHosts {
		shared[v1alpha1.QualifyHost(h, p.Domain)] = true
	}
	for i, h := range s.Hosts {
		q := v1alpha1.QualifyHost(h, p.Domain)
		if shared[q] {
			x.SharedHosts, x.SharedIndex = append(x.SharedHosts, q), append(x.SharedIndex, i)
		} else {
			x.Hosts, x.HostIndex = append(x.Hosts, q), append(x.HostIndex, i)
		}
	}
	if in := s.Ingress; in != nil {
		x.IngressOverrides = in.Scheme != "" || in.Group != "" || len(in.Annotations) > 0
	}
	svc := &s.Service
	x.Service = Service{
		Name:      svc.Name,
		Namespace: svc.Namespace,
		FQDN:      FQDN(svc.Name, svc.Namespace),
		Port:      svc.HTTPPort(),
		Protocol:  svc.HTTPProtocol(),
		Selector:  svc.Selector,
		Create:    *svc.Create,
	}
	if svc.TargetPort != nil {
		x.Service.TargetPort = *svc.TargetPort
	}
	x.Injected = x.Service.Create && p.Injection != v1alpha1.InjectionNone
	x.Routes = make([]Route, 0, len(s.Routes))
	for _, r := range s.Routes {
		rr := resolveRoute(&r, x)
		for _, d := range rr.Destinations() {
			if d.OtherService == "" && d.Subset != "" {
				x.RoutedSubsets[d.Subset] = true
			}
		}
		x.Routes = append(x.Routes, rr)
	}
	resolveTLS(x, e, p)
	if s.TrafficPolicy != nil {
		x.Policy = s.TrafficPolicy.Policy
		x.PolicyZeroEnums = s.TrafficPolicy.ZeroEnums()
	}
	x.Gateway = Gateway{Name: e.Name, Selector: p.Gateway.Selector, Port: p.Gateway.Port}
	if p.API == v1alpha1.APIGatewayAPI {
		x.Gateway = Gateway{Name: p.Gateway.Name, Namespace: p.Gateway.Namespace, Port: p.Gateway.Port}
	}

	ann, group, errs := ingressAnnotations(s, p)
	if err := orderWildcards(ann, group, x.Hosts); err != "" {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "ingress", "annotations").Key(v1alpha1.ALBGroupOrder), err))
	}
	x.Ingress = platformIngress(e.Namespace+"-"+e.Name, ann, group, p)
	return x, errs
}

// orderWildcards puts an Ingress of a group with wildcard hosts after
// those of exact hosts, more specific wildcards first: "*" last. The ALB
// tries a group's rules in order (group.order, then namespace/name), and
// a wildcard rule tried first would take the requests of the exact hosts
// it covers, past their Ingresses' own rule settings (authentication,
// say). It says what is wrong when the annotations order the Ingress
// already.
func orderWildcards(ann map[string]string, group string, hosts []string) string {
	order := 0
	for _, h := range hosts {
		if strings.HasPrefix(h, "*") {
			// 1000 for "*"; 1000 less the suffix's length for "*.<suffix>",
			// which is at most 253: always past the default order, 0.
			order = max(order, v1alpha1.MaxGroupOrder-len(strings.TrimPrefix(h, "*")))
		}
	}
	if order == 0 || group == "" {
		return ""
	}
	if v, set := ann[v1alpha1.ALBGroupOrder]; set {
		return fmt.Sprintf("is %q, and krm-fn orders the Ingress of wildcard hosts itself (group.order %d, after exact hosts, so that a wildcard rule cannot take their requests): remove it", v, order)
	}
	ann[v1alpha1.ALBGroupOrder] = strconv.Itoa(order)
	return ""
}

// platformIngress is an Ingress in the gateway namespace that sends ALB
// traffic to the platform's gateway Service.
func platformIngress(name string, ann map[string]string, group string, p *v1alpha1.ExposurePlatformSpec) Ingress {
	return Ingress{
		Name:        name,
		Namespace:   p.Gateway.Namespace,
		ClassName:   p.ALB.IngressClassName,
		Group:       group,
		Annotations: ann,
		Service:     p.Gateway.Service,
		Port:        ingressPort(p),
	}
}

// ingressPort is the gateway Service port the ALB sends to: the HTTPS
// port when it re-encrypts to the gateway.
func ingressPort(p *v1alpha1.ExposurePlatformSpec) int32 {
	if p.ALBReencrypts() {
		return p.Gateway.HTTPSPort
	}
	return p.Gateway.Port
}

// Destinations are where r sends requests: its backends, and its mirror.
func (r *Route) Destinations() []*Destination {
	var ds []*Destination
	for i := range r.Backends {
		ds = append(ds, &r.Backends[i])
	}
	if r.Mirror != nil {
		ds = append(ds, r.Mirror)
	}
	return ds
}

// FQDN is the cluster DNS name of a Service.
func FQDN(name, namespace string) string {
	return name + "." + namespace + ClusterDomainSuffix
}

// resolveRoute resolves one (defaulted, validated) route of x.
func resolveRoute(r *v1alpha1.Route, x *Exposure) Route {
	rr := Route{
		Name:            r.Name,
		Match:           r.Match,
		Timeout:         r.Timeout.Value(),
		Rewrite:         r.Rewrite,
		RequestHeaders:  r.RequestHeaders,
		ResponseHeaders: r.ResponseHeaders,
		Redirect:        r.Redirect,
		Respond:         r.Respond,
	}
	if rt := r.Retries; rt != nil {
		rr.Retries = &Retries{Attempts: rt.Attempts, PerTryTimeout: rt.PerTryTimeout.Value(), RetryOn: rt.RetryOn}
	}
	for _, b := range r.Backends {
		d := destination(x, b.Service, b.Namespace, b.Port, b.Subset)
		d.Weight = *b.Weight
		rr.Backends = append(rr.Backends, d)
	}
	if c := r.CORS; c != nil {
		rr.CORS = &CORS{AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders,
			ExposeHeaders: c.ExposeHeaders, MaxAge: c.MaxAge.Value(), AllowCredentials: c.AllowCredentials}
	}
	if f := r.Fault; f != nil {
		rr.Fault = &Fault{}
		if d := f.Delay; d != nil {
			rr.Fault.Delay, rr.Fault.DelayPercent = d.Fixed.Value(), *d.Percent
		}
		if a := f.Abort; a != nil {
			rr.Fault.AbortStatus, rr.Fault.AbortPercent = a.Status, *a.Percent
		}
	}
	if m := r.Mirror; m != nil {
		d := destination(x, m.Service, m.Namespace, m.Port, m.Subset)
		rr.Mirror, rr.MirrorPercent = &d, *m.Percent
	}
	return rr
}

// destination is a backend or mirror of x: its own Service, or another.
func destination(x *Exposure, service, namespace string, port int32, subset string) Destination {
	if service == "" || service == x.Service.Name && namespace == x.Service.Namespace {
		own := x.Service.Port
		if port != 0 { // a port of the exposure's own Service
			own = port
		}
		return Destination{Host: x.Service.FQDN, Name: x.Service.Name, Namespace: x.Service.Namespace, Port: own, Subset: subset}
	}
	return Destination{Host: FQDN(service, namespace), Name: service, Namespace: namespace, Port: port, Subset: subset, OtherService: namespace + "/" + service}
}

// ingressAnnotations computes the ALB annotations of one exposure's
// Ingress and the IngressGroup it joins.
func ingressAnnotations(s *v1alpha1.ServiceExposureSpec, p *v1alpha1.ExposurePlatformSpec) (map[string]string, string, field.ErrorList) {
	platform := platformAnnotations(p, p.ALB.Scheme)
	over := s.Ingress
	if over == nil {
		over = &v1alpha1.IngressOverrides{}
	}
	scheme := p.ALB.Scheme
	if over.Scheme != "" {
		scheme = over.Scheme
	}
	ann := platformAnnotations(p, scheme)
	targetGroupAnnotations(ann, v1alpha1.TargetGroupProtocolVersion(s, p), *p.ALB.RedirectHTTPS)
	maps.Copy(ann, over.Annotations)

	group := over.Group
	if group == "" && p.ALB.Group != "" {
		group = p.ALB.Group
		if !maps.Equal(GroupWide(ann), GroupWide(platform)) {
			group = p.ALB.Group + "-" + scheme
		}
		if errs := v1alpha1.ValidateGroupName(field.NewPath("spec", "ingress", "group"), group); len(errs) > 0 {
			return ann, group, field.ErrorList{field.Invalid(field.NewPath("spec", "ingress"), field.OmitValueType{},
				fmt.Sprintf("these overrides take the exposure off the platform's ALB group %q, and the derived group name %q is not valid: set spec.ingress.group", p.ALB.Group, group))}
		}
	}
	if group != "" {
		ann[v1alpha1.ALBGroupName] = group
	}
	return ann, group, nil
}

// platformAnnotations are the annotations every Ingress of the platform
// carries, for the given scheme.
func platformAnnotations(p *v1alpha1.ExposurePlatformSpec, scheme string) map[string]string {
	ann := maps.Clone(p.ALB.Annotations)
	if ann == nil {
		ann = map[string]string{}
	}
	ann[v1alpha1.ALBScheme] = scheme
	ann[v1alpha1.ALBTargetType] = p.ALB.TargetType
	ann[v1alpha1.ALBHealthCheckProto] = "HTTP"
	ann[v1alpha1.ALBHealthCheckPort] = p.Gateway.HealthCheckPort
	ann[v1alpha1.ALBHealthCheckPath] = p.Gateway.HealthCheckPath
	ann[v1alpha1.ALBSuccessCodes] = v1alpha1.DefaultHealthCheckCodes
	listen := []map[string]int{{"HTTP": 80}}
	if len(p.ALB.CertificateARNs) > 0 {
		listen = append(listen, map[string]int{"HTTPS": v1alpha1.DefaultHTTPSPort})
		ann[v1alpha1.ALBCertificateARN] = strings.Join(p.ALB.CertificateARNs, ",")
		if p.ALB.SSLPolicy != "" {
			ann[v1alpha1.ALBSSLPolicy] = p.ALB.SSLPolicy
		}
	}
	ann[v1alpha1.ALBListenPorts] = listenPorts(listen)
	if p.ALBReencrypts() {
		ann[v1alpha1.ALBBackendProtocol] = v1alpha1.BackendProtocolHTTPS
	}
	if *p.ALB.RedirectHTTPS {
		ann[v1alpha1.ALBSSLRedirect] = fmt.Sprint(v1alpha1.DefaultHTTPSPort)
	}
	return ann
}

// targetGroupAnnotations sets, over the platform's, what the protocol
// version of the exposure's target group needs (validation has checked
// that it can work; docs/design.md, "gRPC through the ALB"). HTTP2 and GRPC
// target groups take requests from HTTPS listeners only: unless the
// platform redirects HTTP to HTTPS (then the controller gives HTTP
// listeners the redirect and no rules), the Ingress listens on HTTPS
// alone, so that no HTTP listener gets a rule forwarding to them. A GRPC
// target group is health-checked with a gRPC call and gRPC status codes:
// the controller's defaults for one, on the port the traffic takes, where
// the gateway answers UNIMPLEMENTED; the platform's health check port and
// path are for HTTP. The exposure's annotations still override these.
func targetGroupAnnotations(ann map[string]string, version string, redirect bool) {
	if version == "" {
		return
	}
	ann[v1alpha1.ALBBackendProtoVer] = version
	if v1alpha1.NeedsHTTPSListener(version) && !redirect {
		ann[v1alpha1.ALBListenPorts] = listenPorts([]map[string]int{{"HTTPS": v1alpha1.DefaultHTTPSPort}})
	}
	if version == v1alpha1.BackendProtocolVersionGRPC {
		ann[v1alpha1.ALBHealthCheckPort] = v1alpha1.DefaultGRPCHealthCheckPort
		ann[v1alpha1.ALBHealthCheckPath] = v1alpha1.DefaultGRPCHealthCheckPath
		ann[v1alpha1.ALBSuccessCodes] = v1alpha1.DefaultGRPCHealthCheckCodes
	}
}

// listenPorts is the listen-ports value of the listeners given.
func listenPorts(listen []map[string]int) string {
	b, _ := json.Marshal(listen) // cannot fail: a slice of maps of ints
	return string(b)
}

// GroupWide keeps the annotations that configure the ALB a whole group
// shares.
func GroupWide(ann map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range v1alpha1.GroupWideAnnotations {
		if v, ok := ann[k]; ok {
			out[k] = v
		}
	}
	return out
}

// Carry is what an exposure with these labels and annotations carries to
// what it renders: its labels, and its annotations but those of the build
// (kustomize's and the KRM functions' own: config.kubernetes.io and
// config.k8s.io domains), kubectl's, krm-fn's own, and the ALB's, which
// are settings that go through spec.ingress (fn warns of them).
func Carry(labels, annotations map[string]string) Carried {
	c := Carried{Labels: maps.Clone(labels), Annotations: map[string]string{}}
	for k, v := range annotations {
		if !Carries(k) {
			continue
		}
		c.Annotations[k] = v
	}
	return c
}

// Carries says whether an exposure's annotation k is carried to what it
// renders.
func Carries(k string) bool {
	domain, _, ok := strings.Cut(k, "/")
	if !ok {
		return true
	}
	switch {
	case domain == "config.kubernetes.io" || strings.HasSuffix(domain, ".config.kubernetes.io"),
		domain == "config.k8s.io" || strings.HasSuffix(domain, ".config.k8s.io"),
		domain == "kubectl.kubernetes.io",
		domain == v1alpha1.Group, // the owner annotation, a second run's
		strings.HasPrefix(k, v1alpha1.ALBAnnotationPrefix):
		return false
	}
	return true
}
