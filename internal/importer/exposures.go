package importer

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// boundGateways splits the gateways of vs into the mesh and the Gateways
// by namespace/name.
func boundGateways(vs *virtualService) (mesh bool, gws []string) {
	if len(vs.spec.Gateways) == 0 {
		return true, nil
	}
	for _, g := range vs.spec.Gateways {
		switch {
		case g == "mesh":
			mesh = true
		case strings.Contains(g, "/"):
			gws = append(gws, g)
		default:
			gws = append(gws, vs.src.namespace+"/"+g)
		}
	}
	return mesh, gws
}

// gatewayRouting takes the routing vs gives the ingress gateway's hosts.
func (im *importer) gatewayRouting(vs *virtualService) {
	mesh, gws := boundGateways(vs)
	switch {
	case im.l4.on && len(gws) > 0:
		// An NLB-fronted platform: passthrough and TCP at the gateway.
		im.l4Routing(vs)
		if len(vs.spec.Http) == 0 {
			return
		}
	case len(vs.spec.Tcp) > 0 || len(vs.spec.Tls) > 0:
		if len(vs.spec.Tcp) > 0 {
			im.loss(vs.src, "spec.tcp", "the ALB carries HTTP only: TCP routes need a platform without an ALB Ingress (loadBalancer nlb)")
		}
		if len(vs.spec.Tls) > 0 {
			im.loss(vs.src, "spec.tls", "TLS ends at the ALB: passthrough needs a platform without an ALB Ingress (loadBalancer nlb)")
		}
	}
	if len(gws) == 0 {
		return
	}
	var hosts []string
	for i, h := range vs.spec.Hosts {
		h = strings.ToLower(h)
		if _, isSvc := serviceHost(h, vs.src.namespace); isSvc && mesh {
			continue // the mesh's
		}
		if im.served(vs, gws, h) {
			hosts = append(hosts, h)
		} else {
			im.loss(vs.src, fieldf("spec.hosts[%d]", i), "no Gateway it is bound to serves %s on port %d of the ingress gateway", h, im.gw.port)
		}
	}
	if len(hosts) == 0 {
		return
	}
	routes := normalize(vs.spec.Http, vs.src.namespace, im.portOf)
	if h, ok := strings.CutPrefix(vs.src.owner(), "host:"); ok && len(hosts) == 1 && hosts[0] == h {
		im.sharedHost(vs, h, routes)
		return
	}
	own, ok := im.owned[vs.src.owner()]
	if !ok {
		own, ok = primary(routes)
	}
	if !ok {
		im.loss(vs.src, "spec.http", "no route sends to a Service: a ServiceExposure exposes a Service")
		return
	}
	x := im.exposure(own, vs.src)
	if x.hasRoutes {
		if !sameRoutes(x.routes, routes) {
			im.loss(vs.src, "spec.http", "its routes to Service %s differ from those of %s: a Service has one exposure, with the same routes on all its hosts", own.fqdn(), x.routesFrom)
			return
		}
	} else {
		x.routes, x.routesFrom, x.hasRoutes = routes, vs.src, true
		x.exportTo = im.withoutGateway(vs.spec.ExportTo, vs.src.namespace)
		x.carried = carriedMeta(vs.src)
	}
	for _, h := range hosts {
		if !slices.Contains(x.hosts, h) {
			x.hosts = append(x.hosts, h)
		}
	}
}

// meshRouting takes the routing vs gives calls to Services from the mesh.
func (im *importer) meshRouting(vs *virtualService) {
	mesh, _ := boundGateways(vs)
	if !mesh {
		return
	}
	for i, h := range vs.spec.Hosts {
		s, isSvc := serviceHost(strings.ToLower(h), vs.src.namespace)
		if !isSvc {
			_, gws := boundGateways(vs)
			if len(gws) == 0 {
				im.loss(vs.src, fieldf("spec.hosts[%d]", i), "%s is no Service of the cluster: a ServiceExposure routes calls to its own Service in the mesh", h)
			}
			continue
		}
		routes := normalize(vs.spec.Http, vs.src.namespace, im.portOf)
		x := im.exposure(s, vs.src)
		switch {
		case !x.hasRoutes:
			x.routes, x.routesFrom, x.hasRoutes, x.mesh = routes, vs.src, true, true
			x.exportTo = vs.spec.ExportTo
			x.carried = carriedMeta(vs.src)
		case sameRoutes(x.routes, routes):
			x.mesh, x.meshExportTo = true, vs.spec.ExportTo
		default:
			im.loss(vs.src, fieldf("spec.hosts[%d]", i), "its mesh routes for %s differ from the gateway's routes of %s: an exposure routes the mesh as it routes the gateway", s.fqdn(), x.routesFrom)
		}
	}
}

// exposure is the exposure of Service s, made on first use from src (the
// owner annotation, if krm-fn rendered it, names it).
func (im *importer) exposure(s svcRef, src source) *exposure {
	if x := im.exposures[s]; x != nil {
		return x
	}
	x := &exposure{namespace: src.namespace, name: s.name, own: s}
	owner := src.owner()
	if strings.HasPrefix(owner, "host:") {
		owner = im.ownerOf[s]
	}
	if ns, name, ok := strings.Cut(owner, "/"); ok {
		x.namespace, x.name = ns, name
	}
	x.port = im.portOf(s)
	if svc := im.services[s]; svc != nil && len(svc.spec.Ports) > 1 {
		x.port = httpPortOf(svc)
	}
	im.exposures[s] = x
	return x
}

// served says whether a Gateway of gws serves host h on the gateway port.
func (im *importer) served(vs *virtualService, gws []string, h string) bool {
	for _, ref := range gws {
		g := im.gateways[ref]
		if g == nil {
			return true // not in the input: taken as the ingress gateway's
		}
		for _, srv := range g.spec.Servers {
			if !im.gatewayPort(srv.GetPort().GetNumber()) && !(im.l4.carriedServer(srv) && srv.GetTls().GetMode() != networking.ServerTLSSettings_PASSTHROUGH && srv.GetTls() != nil) {
				continue
			}
			for _, gh := range srv.Hosts {
				if _, after, ok := strings.Cut(gh, "/"); ok {
					gh = after
				}
				if hostMatches(strings.ToLower(gh), h) {
					return true
				}
			}
		}
	}
	return false
}

// hostMatches says whether the Gateway host pattern p takes host h.
func hostMatches(p, h string) bool {
	switch {
	case p == "*" || p == h:
		return true
	case strings.HasPrefix(p, "*."):
		return strings.HasSuffix(h, p[1:]) && !strings.HasPrefix(h, "*") || strings.HasPrefix(h, "*.") && strings.HasSuffix(h, p[1:])
	}
	return false
}

// primary is the Service most destinations of routes name, the first on
// a tie: the Service of the exposure.
func primary(routes []route) (svcRef, bool) {
	var all []svcRef
	for _, r := range routes {
		if !r.ok {
			continue
		}
		for _, d := range r.http.Route {
			s, _ := serviceHost(d.Destination.Host, "")
			all = append(all, s)
		}
	}
	return mostFrequent(all)
}

// mostFrequent is the value vs hold most often, the first on a tie; ok
// is false for no values.
func mostFrequent[T comparable](vs []T) (best T, ok bool) {
	count := map[T]int{}
	for _, v := range vs {
		count[v]++
	}
	for i, v := range vs {
		if i == 0 || count[v] > count[best] {
			best = v
		}
	}
	return best, len(vs) > 0
}

func sameRoutes(a, b []route) bool {
	return slices.EqualFunc(a, b, func(x, y route) bool { return proto.Equal(x.http, y.http) })
}

// carriedMeta are the labels and annotations of src that its exposure
// carries onto every object it renders: what the function carries
// (model.Carry), but the managed-by label krm-fn puts on what it renders.
func carriedMeta(src source) metav1.ObjectMeta {
	c := model.Carry(src.labels, src.annotations)
	delete(c.Labels, v1alpha1.LabelManagedBy)
	var m metav1.ObjectMeta
	if len(c.Labels) > 0 {
		m.Labels = c.Labels
	}
	if len(c.Annotations) > 0 {
		m.Annotations = c.Annotations
	}
	return m
}

// destinationRule gives the subsets and traffic policy of dr to the
// exposure of its Service.
func (im *importer) destinationRule(dr *destinationRule) {
	s, isSvc := serviceHost(strings.ToLower(dr.spec.Host), dr.src.namespace)
	if !isSvc {
		im.loss(dr.src, "spec.host", "%s is no Service of the cluster", dr.spec.Host)
		return
	}
	x := im.exposures[s]
	switch {
	case x == nil && im.subsetsUsed(s) != 0:
		// Routes of other exposures name its subsets, which only an
		// exposure of its own defines: one for the mesh, whose one
		// route sends to the Service as calls go without it.
		port := im.subsetsUsed(s)
		x = im.exposure(s, dr.src)
		x.port, x.mesh, x.hasRoutes, x.routesFrom = port, true, true, dr.src
		x.routes = []route{{ok: true, at: "spec", http: &networking.HTTPRoute{
			Match: []*networking.HTTPMatchRequest{{Uri: &networking.StringMatch{MatchType: &networking.StringMatch_Prefix{Prefix: "/"}}}},
			Route: []*networking.HTTPRouteDestination{{Destination: &networking.Destination{Host: s.fqdn(), Port: &networking.PortSelector{Number: uint32(port)}}}},
		}}}
		im.note(dr.src, "spec.subsets", "other exposures' routes name these subsets: the Service gets an exposure of its own, mesh: true without hosts, whose one route sends to it")
	case x == nil:
		im.loss(dr.src, "", "no VirtualService routes to Service %s: krm-fn renders a DestinationRule with the Service's exposure only; keep it as written", s.fqdn())
		return
	case x.dr != nil:
		im.loss(dr.src, "", "a second DestinationRule for %s, beside %s (Istio takes one): merge the two into the first", s.fqdn(), x.dr.src)
		return
	}
	x.dr = dr
	if dr.spec.WorkloadSelector != nil {
		im.loss(dr.src, "spec.workloadSelector", "a ServiceExposure's DestinationRule applies to every workload")
	}
	for i, ss := range dr.spec.Subsets {
		if ss.TrafficPolicy != nil {
			im.loss(dr.src, fieldf("spec.subsets[%d].trafficPolicy", i), "a ServiceExposure's subsets have labels only (its trafficPolicy applies to the whole Service)")
		}
	}
	if x.onlyShared {
		x.exportTo = im.withoutGateway(dr.spec.ExportTo, dr.src.namespace)
	}
	if x.mesh && len(x.meshExportTo) > 0 || x.mesh && len(x.exportTo) == 0 {
		x.exportTo = x.meshExportTo
	}
	// Where each is seen, not how it is spelled ([".", a] and [a, "."]
	// are the same).
	if im.visibility(dr.spec.ExportTo, dr.src.namespace) != im.visibility(x.exportTo, x.namespace) {
		im.loss(dr.src, "spec.exportTo", "an exposure exports its VirtualService and DestinationRule to the same namespaces (%v, from %s)", x.exportTo, x.routesFrom)
	}
}

// serviceSpec is the spec.service of x, from its Service in the input if
// there is one that krm-fn renders the same; else create: false.
func (im *importer) serviceSpec(x *exposure) v1alpha1.ServiceSpec {
	spec := v1alpha1.ServiceSpec{Port: x.port}
	if x.own.name != x.name {
		spec.Name = x.own.name
	}
	if x.own.namespace != x.namespace {
		spec.Namespace = x.own.namespace
	}
	svc := im.services[x.own]
	no := false
	if svc == nil {
		spec.Create = &no
		return spec
	}
	why := renderable(svc, x)
	var ports []v1alpha1.ServicePort
	if why == "" && len(svc.spec.Ports) > 1 {
		ports, why = servicePorts(svc)
	}
	if why != "" {
		im.note(svc.src, "", "left as written (service.create: false): %s", why)
		spec.Create = &no
		return spec
	}
	if len(ports) > 0 {
		if !maps.Equal(svc.spec.Selector, map[string]string{"app": x.name}) {
			spec.Selector = svc.spec.Selector
		}
		spec.Port, spec.Ports = 0, ports
		return spec
	}
	p := svc.spec.Ports[0]
	spec.Port = p.Port
	spec.Protocol = protocolOf(p)
	if spec.Protocol == v1alpha1.ProtocolHTTP {
		spec.Protocol = ""
	}
	if tp := p.TargetPort; tp.Type == intstr.String || tp.IntVal != 0 && tp.IntVal != p.Port {
		spec.TargetPort = &tp
	}
	if !maps.Equal(svc.spec.Selector, map[string]string{"app": x.name}) {
		spec.Selector = svc.spec.Selector
	}
	return spec
}

// renderable says why krm-fn would not render Service svc as it is ("" if
// it would).
func renderable(svc *service, x *exposure) string {
	s := svc.spec
	switch {
	case len(s.Ports) == 0:
		return "it has no port"
	case s.Type != "" && s.Type != corev1.ServiceTypeClusterIP:
		return "it is of type " + string(s.Type)
	case s.ClusterIP == corev1.ClusterIPNone:
		return "it is headless"
	case len(s.Selector) == 0:
		return "it has no selector"
	case s.Ports[0].Protocol != "" && s.Ports[0].Protocol != corev1.ProtocolTCP:
		return "its port is " + string(s.Ports[0].Protocol)
	case x.port != 0 && s.Ports[0].Port != x.port:
		return fmt.Sprintf("the routes send to port %d, it has %d", x.port, s.Ports[0].Port)
	case s.SessionAffinity == corev1.ServiceAffinityClientIP:
		return "it sets spec.sessionAffinity, which a Service krm-fn renders does not"
	case len(s.ExternalIPs) > 0:
		return "it sets spec.externalIPs, which a Service krm-fn renders does not"
	case s.LoadBalancerIP != "", len(s.LoadBalancerSourceRanges) > 0:
		return "it sets spec.loadBalancerIP or spec.loadBalancerSourceRanges, which a Service krm-fn renders does not"
	case s.ExternalName != "":
		return "it sets spec.externalName, which a Service krm-fn renders does not"
	case s.PublishNotReadyAddresses:
		return "it sets spec.publishNotReadyAddresses, which a Service krm-fn renders does not"
	case s.TrafficDistribution != nil:
		return "it sets spec.trafficDistribution, which a Service krm-fn renders does not"
	case s.InternalTrafficPolicy != nil && *s.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster:
		return "it sets spec.internalTrafficPolicy, which a Service krm-fn renders does not"
	}
	want := carriedMeta(svc.src)
	if !maps.Equal(want.Labels, x.carried.Labels) || !maps.Equal(want.Annotations, x.carried.Annotations) {
		return "its labels or annotations are not those of its routing, which krm-fn carries to every object"
	}
	return ""
}

// protocolOf is the protocol Istio takes port p to speak: its
// appProtocol, else its name's prefix; http when neither says.
func protocolOf(p corev1.ServicePort) v1alpha1.Protocol {
	name := p.Name
	if p.AppProtocol != nil {
		name = *p.AppProtocol
	}
	prefix, _, _ := strings.Cut(strings.ToLower(name), "-")
	switch prefix {
	case "http2", "grpc", "tcp":
		return v1alpha1.Protocol(prefix)
	}
	return v1alpha1.ProtocolHTTP
}

// specRoutes are the routes of x as a ServiceExposure writes them, each
// setting it cannot carry over a loss.
func (im *importer) specRoutes(x *exposure) []v1alpha1.Route {
	var out []v1alpha1.Route
	for _, r := range x.routes {
		if !r.ok {
			im.loss(x.routesFrom, r.at+".route", "a destination is no Service of the cluster: the route is left out")
			continue
		}
		drop := false
		for _, p := range notCarried(r.http.ProtoReflect(), r.at, "") {
			if matchField(strings.TrimPrefix(p, r.at)) {
				im.loss(x.routesFrom, p, "a ServiceExposure cannot match on it: the route is left out")
				drop = true
			} else if !drop {
				im.loss(x.routesFrom, p, "a ServiceExposure route has no such setting")
			}
		}
		if drop {
			continue
		}
		if r.matchName != "" {
			at := r.at + ".match[0].name"
			if strings.HasSuffix(r.at, "]") && strings.Contains(r.at, ".match[") {
				at = r.at + ".name"
			}
			im.loss(x.routesFrom, at, "a ServiceExposure route's match has no name (Istio's stats take the route's, spec.routes[].name)")
		}
		if rw := r.http.Rewrite; rw != nil && rw.UriRegexRewrite != nil && rw.UriRegexRewrite.Match != "^.*$" {
			im.loss(x.routesFrom, r.at+".rewrite.uriRegexRewrite", "a ServiceExposure rewrites the matched prefix or the whole path, not a regex's match")
			rw.UriRegexRewrite = nil
		}
		if x.port == 0 {
			for _, d := range r.http.Route {
				if s, _ := serviceHost(d.Destination.Host, ""); s == x.own {
					x.port = int32(d.Destination.GetPort().GetNumber())
				}
			}
		}
		out = append(out, specRoute(r.http, x.own, x.port, x.namespace))
	}
	if len(out) == 1 && isDefaultRoute(out[0]) {
		return nil
	}
	return out
}

func isDefaultRoute(r v1alpha1.Route) bool {
	b, _ := json.Marshal(r)
	return string(b) == `{"match":{}}`
}

// withoutGateway is exportTo of an object of namespace ns without the
// ingress gateway's namespace, which krm-fn adds to what the gateway
// uses: written or not, it renders the same.
func (im *importer) withoutGateway(exportTo []string, ns string) []string {
	if len(exportTo) == 0 {
		return nil
	}
	var out []string
	for _, e := range exportTo {
		if e == im.gw.namespace && ns != im.gw.namespace && !slices.Contains(exportTo, "*") {
			continue
		}
		out = append(out, e)
	}
	return out
}

// sharedHost takes the VirtualService krm-fn rendered for the platform's
// shared host h: each route goes to the exposure of the Service it sends
// to (one that answers itself, to that of the route whose path holds its
// own), and the exposure claims h.
func (im *importer) sharedHost(vs *virtualService, h string, routes []route) {
	im.shared = append(im.shared, h)
	owners := make([]*exposure, len(routes))
	for i, r := range routes {
		if s, ok := primary([]route{r}); ok {
			owners[i] = im.exposure(s, vs.src)
		}
	}
	for i, r := range routes {
		if owners[i] != nil {
			continue
		}
		best := -1
		for j, o := range routes {
			p := o.http.Match[0].GetUri().GetPrefix()
			if owners[j] != nil && strings.HasPrefix(path(r), p) && (best < 0 || len(p) > len(routes[best].http.Match[0].GetUri().GetPrefix())) {
				best = j
			}
		}
		if best < 0 {
			im.loss(vs.src, r.at, "no route of a Service holds its path: the route is left out")
			continue
		}
		owners[i] = owners[best]
	}
	for i, x := range owners {
		if x == nil {
			continue
		}
		if x.sharedFrom == "" {
			x.sharedFrom = h
			if !x.hasRoutes {
				x.routesFrom = vs.src // what later messages of its routes name
			}
		}
		if x.sharedFrom == h { // the same routes on each shared host
			x.sharedRoutes = append(x.sharedRoutes, routes[i])
		}
		if !slices.Contains(x.hosts, h) {
			x.hosts = append(x.hosts, h)
		}
	}
}

// path is the path r matches: its exact path or prefix.
func path(r route) string {
	u := r.http.Match[0].GetUri()
	if u.GetExact() != "" {
		return u.GetExact()
	}
	return u.GetPrefix()
}

// subsetsUsed is the port of Service s where a route of an exposure
// sends to one of its subsets (0: none does).
func (im *importer) subsetsUsed(s svcRef) int32 {
	for _, ref := range slices.SortedFunc(maps.Keys(im.exposures), compareRefs) {
		x := im.exposures[ref]
		for _, r := range x.routes {
			for _, d := range r.http.GetRoute() {
				if h, _ := serviceHost(d.GetDestination().GetHost(), ""); h == s && d.Destination.Subset != "" {
					return int32(d.Destination.GetPort().GetNumber())
				}
			}
			if m := r.http.GetMirror(); m != nil && m.Subset != "" {
				if h, _ := serviceHost(m.Host, ""); h == s {
					return int32(m.GetPort().GetNumber())
				}
			}
		}
	}
	return 0
}

// gatewayPort says whether a Gateway server on port n takes what the ALB
// sends to the gateway Service's port: the port itself, or 8080 behind
// port 80, the container port Istio's gateway charts give it (Istio's
// samples, bookinfo's among them, write that one).
func (im *importer) gatewayPort(n uint32) bool {
	return n == uint32(im.gw.port) || im.gw.port == v1alpha1.DefaultGatewayPort && n == 8080
}
