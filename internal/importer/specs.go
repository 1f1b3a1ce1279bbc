package importer

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"encoding/json"
	"github.com/krmfn/krm-fn/api/v1alpha1"

	"github.com/krmfn/krm-fn/fn/emit"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// albs sets the platform's ALB from the Ingresses that send to the
// ingress gateway, and gives each exposure the settings of the Ingress
// that sends its hosts there.
func (im *importer) albs(p *v1alpha1.ExposurePlatform) {
	claimed := map[string]*exposure{}
	for _, s := range slices.SortedFunc(maps.Keys(im.exposures), compareRefs) {
		for _, h := range im.exposures[s].hosts {
			claimed[h] = im.exposures[s]
		}
	}
	var all []albSettings
	var ins []*ingress
	for _, in := range im.inv.ingresses {
		toGateway := false
		for _, b := range in.backends() {
			switch {
			case b.svc.Port.Name == useAnnotation:
			case in.src.namespace != im.gw.namespace || b.svc.Name != im.gw.service:
				im.loss(in.src, b.field, "sends to Service %s/%s, not the ingress gateway %s/%s: krm-fn's Ingresses send to the gateway only", in.src.namespace, b.svc.Name, im.gw.namespace, im.gw.service)
			case b.path != "" && b.path != "/" && b.path != "/*":
				im.loss(in.src, b.field, "only path %s reaches the gateway: krm-fn's Ingresses send every path to it", b.path)
				toGateway = true
			default:
				toGateway = true
			}
		}
		if !toGateway {
			continue
		}
		if len(in.spec.TLS) > 0 {
			im.loss(in.src, "spec.tls", "TLS ends at the ALB with the certificates of alb.certificateArns")
		}
		s := im.settings(in)
		all = append(all, s)
		ins = append(ins, in)
	}
	if len(ins) == 0 {
		if len(im.exposures) > 0 && len(im.inv.ingresses) == 0 && !im.l4.on {
			im.losses = append(im.losses, Loss{Why: "no Ingress sends to the ingress gateway: each exposure's hosts get an ALB Ingress", Note: true})
		}
		return
	}
	alb, hcPort, hcPath := platformALB(all)
	p.Spec.ALB = alb
	if hcPort != "" && hcPort != v1alpha1.DefaultHealthCheckPort {
		p.Spec.Gateway.HealthCheckPort = hcPort
	}
	if hcPath != "" && hcPath != v1alpha1.DefaultHealthCheckPath {
		p.Spec.Gateway.HealthCheckPath = hcPath
	}
	for i, in := range ins {
		s := all[i]
		var xs []*exposure
		catchAll := false
		if strings.HasPrefix(in.src.owner(), "host:") {
			continue // a shared host's, with the platform's settings
		}
		for _, b := range in.backends() {
			if b.svc.Port.Name == useAnnotation {
				continue
			}
			h := strings.ToLower(b.host)
			if h == "" {
				catchAll = true
				if x := claimed[v1alpha1.AnyHost]; x != nil && !slices.Contains(xs, x) {
					xs = append(xs, x)
				}
				continue
			}
			x := claimed[h]
			if x == nil {
				im.loss(in.src, b.field, "no VirtualService routes host %s through the ingress gateway", h)
				continue
			}
			if !slices.Contains(xs, x) {
				xs = append(xs, x)
			}
		}
		if catchAll {
			for _, s2 := range slices.SortedFunc(maps.Keys(im.exposures), compareRefs) {
				x := im.exposures[s2]
				if x.ingress == nil && len(x.hosts) > 0 && !slices.Contains(xs, x) {
					xs = append(xs, x)
				}
			}
		}
		if dns, ok := s.other[annotationExternalDNS]; ok {
			for _, h := range strings.Split(dns, ",") {
				if h = strings.ToLower(strings.TrimSpace(h)); h != "" && claimed[h] == nil {
					im.loss(in.src, "metadata.annotations."+annotationExternalDNS, "%s is no host of an exposure: external-dns takes an Ingress's hosts from its rules", h)
				}
			}
		}
		for _, x := range xs {
			if x.ingress == nil {
				x.ingress, x.ingressFrom = &all[i], in.src
			}
		}
	}
	im.oneALB(p, ins, all)
	for _, s := range slices.SortedFunc(maps.Keys(im.exposures), compareRefs) {
		x := im.exposures[s]
		if len(x.hosts) > 0 && x.ingress == nil && !x.onlyShared {
			im.note(x.routesFrom, "spec.hosts", "no Ingress sends %s to the ingress gateway: the exposure's Ingress will", strings.Join(x.hosts, ", "))
		}
	}
}

func compareRefs(a, b svcRef) int {
	if c := strings.Compare(a.namespace, b.namespace); c != 0 {
		return c
	}
	return strings.Compare(a.name, b.name)
}

// overrides are x's spec.ingress: the settings of its Ingress that are
// not the platform's.
func (im *importer) overrides(x *exposure, alb v1alpha1.ALBSpec, p *v1alpha1.ExposurePlatformSpec) *v1alpha1.IngressOverrides {
	s := x.ingress
	if s == nil {
		return nil
	}
	o := &v1alpha1.IngressOverrides{}
	src := x.ingressFrom
	at := func(k string) string { return "metadata.annotations." + k }
	if s.scheme != alb.Scheme {
		o.Scheme = s.scheme
	}
	derived := alb.Group + "-" + s.scheme
	if alb.Group == "" {
		derived = s.scheme
	}
	if s.group != alb.Group && !(o.Scheme != "" && s.group == derived) {
		o.Group = s.group
		if s.group == "" {
			im.loss(src, at(v1alpha1.ALBGroupName), "the Ingress has an ALB of its own, the platform's exposures share group %s: set spec.ingress.group", alb.Group)
		}
	}
	if strings.Join(s.certs, ",") != strings.Join(alb.CertificateARNs, ",") {
		im.loss(src, at(v1alpha1.ALBCertificateARN), "every Ingress has the platform's certificates (%s)", strings.Join(alb.CertificateARNs, ","))
	}
	if s.sslPolicy != alb.SSLPolicy {
		im.loss(src, at(v1alpha1.ALBSSLPolicy), "every Ingress has the platform's ssl-policy %q", alb.SSLPolicy)
	}
	if s.targetType != alb.TargetType {
		im.loss(src, at(v1alpha1.ALBTargetType), "every Ingress has the platform's target-type %q", alb.TargetType)
	}
	redirect := len(alb.CertificateARNs) > 0
	if alb.RedirectHTTPS != nil {
		redirect = *alb.RedirectHTTPS
	}
	if s.redirect != redirect {
		im.loss(src, at(v1alpha1.ALBSSLRedirect), "every Ingress redirects HTTP to HTTPS as the platform does (alb.redirectHTTPS: %v)", redirect)
	}
	class := alb.IngressClassName
	if class == "" {
		class = v1alpha1.DefaultIngressClassName
	}
	if s.class != class && s.class != "" {
		im.loss(src, "spec.ingressClassName", "every Ingress has the platform's class %q", class)
	}
	im.derived(x, s, o)
	if im.protocol(x) != v1alpha1.ProtocolGRPC {
		if s.healthPort != "" && s.healthPort != p.Gateway.HealthCheckPort && !(p.Gateway.HealthCheckPort == "" && s.healthPort == v1alpha1.DefaultHealthCheckPort) {
			im.loss(src, at(v1alpha1.ALBHealthCheckPort), "every Ingress health-checks the platform's gateway.healthCheckPort")
		}
		if s.healthPath != "" && s.healthPath != p.Gateway.HealthCheckPath && !(p.Gateway.HealthCheckPath == "" && s.healthPath == v1alpha1.DefaultHealthCheckPath) {
			im.loss(src, at(v1alpha1.ALBHealthCheckPath), "every Ingress health-checks the platform's gateway.healthCheckPath")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.foreign)) {
		if s.foreign[k] != x.carried.Annotations[k] {
			im.loss(src, at(k), "not an ALB setting: krm-fn's Ingresses carry their exposure's annotations only")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.other)) {
		if k == annotationExternalDNS {
			continue
		}
		if k == v1alpha1.ALBGroupOrder {
			if !slices.ContainsFunc(x.hosts, func(h string) bool { return strings.HasPrefix(h, "*") }) {
				im.loss(src, at(k), "krm-fn orders the Ingresses of a group itself (wildcard hosts after exact ones), and no exposure may set group.order: it would put its rules before every other Ingress's of the group")
			}
			continue
		}
		if s.other[k] != alb.Annotations[k] {
			if o.Annotations == nil {
				o.Annotations = map[string]string{}
			}
			o.Annotations[k] = s.other[k]
		}
	}
	for _, k := range slices.Sorted(maps.Keys(alb.Annotations)) {
		if _, ok := s.other[k]; !ok {
			im.loss(src, at(k), "not set on this Ingress, but on most: every Ingress has the platform's annotations")
		}
	}
	if o.Scheme == "" && o.Group == "" && o.Annotations == nil {
		return nil
	}
	return o
}

// specs are the ServiceExposures of the import, by namespace and name.
func (im *importer) specs(p *v1alpha1.ExposurePlatform) []*v1alpha1.ServiceExposure {
	var out []*v1alpha1.ServiceExposure
	taken := map[string]bool{}
	for _, s := range slices.SortedFunc(maps.Keys(im.exposures), compareRefs) {
		x := im.exposures[s]
		if !x.hasRoutes {
			continue
		}
		if taken[x.namespace+"/"+x.name] {
			// Services of one name in two namespaces, routed from one.
			x.name += "-" + x.own.namespace
		}
		taken[x.namespace+"/"+x.name] = true
		e := &v1alpha1.ServiceExposure{
			TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: string(v1alpha1.KindServiceExposure)},
			ObjectMeta: metav1.ObjectMeta{Name: x.name, Namespace: x.namespace, Labels: x.carried.Labels, Annotations: x.carried.Annotations},
		}
		for _, h := range x.hosts {
			e.Spec.Hosts = append(e.Spec.Hosts, shortHost(h, p.Spec.Domain))
		}
		e.Spec.Mesh = x.mesh
		e.Spec.ExportTo = x.exportTo
		e.Spec.Routes = im.specRoutes(x)
		e.Spec.Service = im.serviceSpec(x)
		if len(e.Spec.Service.Ports) > 0 {
			// A port of its own Service, by its number alone.
			for i := range e.Spec.Routes {
				for j := range e.Spec.Routes[i].Backends {
					if b := &e.Spec.Routes[i].Backends[j]; b.Service == x.own.name && b.Namespace == "" && x.own.namespace == x.namespace {
						b.Service = ""
					}
				}
			}
		}
		im.l4Spec(e, x, &p.Spec)
		if e.Spec.Service.Port == 0 && len(e.Spec.Service.Ports) == 0 {
			im.loss(x.routesFrom, "spec.http", "no route names the port of Service %s, and the input has no such Service", x.own.fqdn())
		}
		if dr := x.dr; dr != nil {
			for _, ss := range dr.spec.Subsets {
				e.Spec.Subsets = append(e.Spec.Subsets, v1alpha1.Subset{Name: ss.Name, Labels: ss.Labels})
			}
			if dr.spec.TrafficPolicy != nil {
				b, err := json.Marshal(emit.IstioSpec{Message: emit.WithZeroEnums(dr.spec.TrafficPolicy, dr.zeros)})
				if err != nil {
					im.loss(dr.src, "spec.trafficPolicy", "cannot be written as a spec's trafficPolicy (%v): write it by hand", err)
				} else {
					e.Spec.TrafficPolicy = v1alpha1.ParseTrafficPolicy([]byte(canonicalJSON(b)))
				}
			}
		}
		e.Spec.Ingress = im.overrides(x, p.Spec.ALB, &p.Spec)
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// protocol is what x's Service speaks.
func (im *importer) protocol(x *exposure) v1alpha1.Protocol {
	if svc := im.services[x.own]; svc != nil && len(svc.spec.Ports) == 1 {
		return protocolOf(svc.spec.Ports[0])
	}
	return v1alpha1.ProtocolHTTP
}

// derived checks the settings of s that krm-fn derives from the
// protocol of x's Service (its target group and health check), and
// carries those an exposure may override.
func (im *importer) derived(x *exposure, s *albSettings, o *v1alpha1.IngressOverrides) {
	src := x.ingressFrom
	at := func(k string) string { return "metadata.annotations." + k }
	set := func(k, v string) {
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		o.Annotations[k] = v
	}
	grpc := im.protocol(x) == v1alpha1.ProtocolGRPC
	tls := len(s.certs) > 0
	switch v := s.backendVersion; {
	case grpc && v != v1alpha1.BackendProtocolVersionGRPC && v != "":
		set(v1alpha1.ALBBackendProtoVer, v)
	case !grpc && v == v1alpha1.BackendProtocolVersionHTTP2:
		set(v1alpha1.ALBBackendProtoVer, v)
	case !grpc && v == v1alpha1.BackendProtocolVersionGRPC:
		im.loss(src, at(v1alpha1.ALBBackendProtoVer), "krm-fn gives a GRPC target group to a Service whose port speaks grpc only (name grpc-… or appProtocol grpc)")
	}
	if v := s.listenPorts; v != "" && !defaultListenPorts(v, tls) && !(grpc && v == `[{"HTTPS":443}]`) {
		im.loss(src, at(v1alpha1.ALBListenPorts), "krm-fn listens on HTTP 80, and HTTPS 443 with a certificate")
	}
	if v := s.healthProto; v != "" && v != "HTTP" {
		im.loss(src, at(v1alpha1.ALBHealthCheckProto), "krm-fn health-checks the gateway with HTTP")
	}
	codes := v1alpha1.DefaultHealthCheckCodes
	if grpc {
		codes = v1alpha1.DefaultGRPCHealthCheckCodes
		if s.healthPort != "" && s.healthPort != v1alpha1.DefaultGRPCHealthCheckPort {
			set(v1alpha1.ALBHealthCheckPort, s.healthPort)
		}
		if s.healthPath != "" && s.healthPath != v1alpha1.DefaultGRPCHealthCheckPath {
			set(v1alpha1.ALBHealthCheckPath, s.healthPath)
		}
	}
	if v := s.successCodes; v != "" && v != codes {
		set(v1alpha1.ALBSuccessCodes, v)
	}
}

// oneALB keeps one ALB for the exposures of an Ingress outside any group
// (the seed's one Ingress for every host): krm-fn renders an Ingress per
// exposure, which the controller would give an ALB each, so the platform
// groups them, under the Ingress's name.
func (im *importer) oneALB(p *v1alpha1.ExposurePlatform, ins []*ingress, all []albSettings) {
	if p.Spec.ALB.Group != "" {
		return
	}
	count := map[*albSettings]int{}
	for _, x := range im.exposures {
		if x.ingress != nil {
			count[x.ingress]++
		}
	}
	best := -1
	for i := range all {
		if all[i].group == "" && count[&all[i]] > 1 && (best < 0 || count[&all[i]] > count[&all[best]]) {
			best = i
		}
	}
	if best < 0 {
		return
	}
	p.Spec.ALB.Group = ins[best].src.name
	all[best].group = p.Spec.ALB.Group
}
