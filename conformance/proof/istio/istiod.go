package main

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tcpproxyv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/proto"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	metadatafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/gateway-api/pkg/consts"

	"github.com/krmfn/krm-fn/conformance/proof/istio/envoymatch"
	networking "istio.io/api/networking/v1alpha3"
	"istio.io/istio/pilot/pkg/config/kube/gateway"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	pstatus "istio.io/istio/pilot/pkg/status"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/config/schema/collection"
	"istio.io/istio/pkg/config/schema/gvk"
	kubelib "istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/spiffe"
	"istio.io/istio/pkg/test"
)

// proxy is one Envoy whose configuration istio-proof computes.
type proxy struct {
	// name is "gateway ns/pod" or "sidecar ns".
	name      string
	namespace string
	model     *model.Proxy
	gateway   bool
	listeners []*listenerv3.Listener
	clusters  map[string]*clusterv3.Cluster
	routes    map[string]*routev3.RouteConfiguration
	endpoints map[string][]string
}

// prover holds one run of istiod's configuration generation.
type prover struct {
	t       test.Failer
	c       *cluster
	s       *xds.FakeDiscoveryServer
	status  *statusSink
	parents map[string]string // generated VirtualService ns/name -> its Gateway API parents
	// generated are the VirtualServices the Gateway API controller makes.
	generated []config.Config
	gateway   []*proxy
	sidecar   []*proxy
}

// prove runs istiod (Istio's FakeDiscoveryServer, what Istio's own tests
// drive, over a fake kube client holding the cluster's objects), computes
// the configuration of every gateway pod and of a sidecar in every
// namespace, and reports the routing tables, the problems, and the
// answers to reqs.
func prove(t test.Failer, c *cluster, reqs []Request) *Report {
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{Configs: c.configs, KubernetesObjects: c.kube, KubeClientModifier: bundleVersionCRDs})
	p := &prover{t: t, c: c, s: s, status: newStatusSink(), parents: map[string]string{}}
	p.watchStatus()
	p.readGatewayAPIOutputs()
	p.buildProxies()

	rep := &Report{Problems: slices.Clone(c.problems)}
	rep.Tables = append(rep.Tables, p.gatewayTables()...)
	rep.Tables = append(rep.Tables, p.sidecarTables()...)
	rep.Problems = append(rep.Problems, p.routeProblems(rep.Tables)...)
	rep.Problems = append(rep.Problems, p.pushProblems()...)
	rep.Problems = append(rep.Problems, p.statusProblems()...)
	for _, r := range reqs {
		rep.Answers = append(rep.Answers, p.answer(r))
	}
	sortProblems(rep.Problems)
	return rep
}

// bundleVersionCRDs gives the fake client's Gateway API CRDs the
// bundle-version annotation that the Gateway API's own CRDs carry: istiod
// ignores a kind whose CRD predates the version it needs (TCPRoute,
// TLSRoute, GRPCRoute: pkg/config/schema/gatewayapi), and the fake makes
// its CRDs without one. The version is that of the Gateway API module
// istiod is built with (the cluster's CRDs are at least that).
func bundleVersionCRDs(c kubelib.Client) {
	fake, ok := c.Metadata().(*metadatafake.FakeMetadataClient)
	if !ok {
		return
	}
	fake.PrependReactor("*", "customresourcedefinitions", func(a k8stesting.Action) (bool, runtime.Object, error) {
		var obj runtime.Object
		switch a := a.(type) {
		case k8stesting.CreateAction:
			obj = a.GetObject()
		case k8stesting.UpdateAction:
			obj = a.GetObject()
		}
		if m, ok := obj.(metav1.Object); ok && strings.HasSuffix(m.GetName(), ".gateway.networking.k8s.io") {
			ann := maps.Clone(m.GetAnnotations())
			if ann == nil {
				ann = map[string]string{}
			}
			ann[consts.BundleVersionAnnotation] = consts.BundleVersion
			m.SetAnnotations(ann)
		}
		// Not handled: the fake's object tracker stores it, annotated.
		return false, nil, nil
	})
}

// watchStatus has the Gateway API controller write status, as istiod's
// leader does, into statusSink instead of the API server.
func (p *prover) watchStatus() {
	gwc, ok := p.s.Env().GatewayAPIController.(*gateway.Controller)
	if !ok || len(p.c.gatewayAPI) == 0 {
		return
	}
	m := pstatus.NewManager(p.status)
	gwc.SetStatusWrite(true, m)
	m.Start(test.NewStop(p.t))
}

// readGatewayAPIOutputs records which Gateway API objects each
// VirtualService the Gateway API controller generates comes from.
func (p *prover) readGatewayAPIOutputs() {
	gwc, ok := p.s.Env().GatewayAPIController.(*gateway.Controller)
	if !ok {
		return
	}
	for _, vs := range gwc.List(gvk.VirtualService, "") {
		p.parents[vs.Namespace+"/"+vs.Name] = vs.Annotations[constants.InternalParentNames]
		p.generated = append(p.generated, vs)
	}
}

func (p *prover) buildProxies() {
	for _, pod := range p.c.pods {
		if pod.Annotations[roleAnnotation] != "gateway" {
			continue
		}
		mp := &model.Proxy{
			Type:            model.Router,
			ID:              pod.Name + "." + pod.Namespace,
			IPAddresses:     []string{pod.Status.PodIP},
			ConfigNamespace: pod.Namespace,
			Labels:          pod.Labels,
			Metadata: &model.NodeMetadata{
				Namespace: pod.Namespace, Labels: pod.Labels, ServiceAccount: pod.Spec.ServiceAccountName,
			},
			VerifiedIdentity: &spiffe.Identity{TrustDomain: "cluster.local", Namespace: pod.Namespace, ServiceAccount: pod.Spec.ServiceAccountName},
		}
		p.gateway = append(p.gateway, p.generate("gateway "+pod.Namespace+"/"+pod.Name, pod.Namespace, mp, true))
	}
	for i, ns := range p.c.namespaces {
		mp := &model.Proxy{
			Type:            model.SidecarProxy,
			ID:              "proof-client." + ns,
			IPAddresses:     []string{fmt.Sprintf("240.240.%d.%d", i/250, i%250+1)},
			ConfigNamespace: ns,
			Metadata:        &model.NodeMetadata{Namespace: ns},
		}
		p.sidecar = append(p.sidecar, p.generate("sidecar "+ns, ns, mp, false))
	}
}

// generate computes a proxy's listeners, clusters, routes and endpoints.
func (p *prover) generate(name, namespace string, mp *model.Proxy, gw bool) *proxy {
	mp = p.s.SetupProxy(mp)
	x := &proxy{name: name, namespace: namespace, model: mp, gateway: gw,
		clusters: map[string]*clusterv3.Cluster{}, routes: map[string]*routev3.RouteConfiguration{}, endpoints: map[string][]string{}}
	x.listeners = p.s.Listeners(mp)
	for _, c := range p.s.Clusters(mp) {
		x.clusters[c.Name] = c
		if c.GetLoadAssignment() != nil {
			x.endpoints[c.Name] = endpointAddresses(c.GetLoadAssignment().GetEndpoints())
		}
	}
	for _, r := range p.s.RoutesFromListeners(mp, x.listeners) {
		x.routes[r.Name] = r
	}
	for _, cla := range p.s.Endpoints(mp) {
		x.endpoints[cla.ClusterName] = endpointAddresses(cla.GetEndpoints())
	}
	return x
}

// entered is where a connection to a proxy's address and port goes: the
// listener, the filter chain and, for HTTP, the route configuration.
type entered struct {
	listener, filterChain, routeConfig string
	// tls says the connection had to be TLS (the filter chain ends it or
	// passes it through by SNI).
	tls bool
}

// locate finds where an HTTP request to address:port goes, with Istio's
// own simulation of Envoy's listener and filter chain selection
// (pilot/pkg/simulation): in plain text, or, where the port takes only
// TLS, in TLS with the SNI given (an ALB re-encrypting to the gateway
// sends none). The simulation gets the route configurations without their
// virtual hosts, so that it stops there: envoymatch picks the virtual host
// and the route.
func (x *proxy) locate(address string, port int, mode simulation.CallMode, tls bool, sni string) (e entered, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("Istio's simulation failed on this proxy's listeners: %v", r)
		}
	}()
	bare := make([]*routev3.RouteConfiguration, 0, len(x.routes))
	for _, rc := range x.routes {
		b := proto.Clone(rc).(*routev3.RouteConfiguration)
		b.VirtualHosts = nil
		bare = append(bare, b)
	}
	sim := &simulation.Simulation{Listeners: x.listeners, Routes: bare}
	call := simulation.Call{Address: address, Port: port, Protocol: simulation.HTTP, CallMode: mode, HostHeader: "proof.invalid"}
	res := sim.Run(call)
	if !tls && (res.Error == simulation.ErrTLSError || res.Error == simulation.ErrNoFilterChain) {
		tls = true
	}
	if tls {
		call.TLS, call.Sni = simulation.TLS, sni
		res = sim.Run(call)
	}
	e = entered{listener: res.ListenerMatched, filterChain: res.FilterChainMatched, routeConfig: res.RouteConfigMatched, tls: tls}
	// The simulation stops at the virtual host: it has none of them.
	reached := res.Error == nil || res.Error == simulation.ErrNoVirtualHost
	switch {
	case !reached:
		return e, fmt.Errorf("%s: port %d: %w", x.name, port, res.Error)
	case res.RouteConfigMatched != "" || x.tcpProxy(e) != nil:
		return e, nil
	default:
		return e, fmt.Errorf("%s: port %d reaches no route configuration and no TCP proxy (listener %q)", x.name, port, res.ListenerMatched)
	}
}

// tcpProxy is the TCP proxy of the filter chain a connection entered, if
// it has one (a TCP route, a TLS route passing the connection through).
func (x *proxy) tcpProxy(e entered) *tcpproxyv3.TcpProxy {
	for _, l := range x.listeners {
		if l.GetName() != e.listener {
			continue
		}
		// By name, which only one filter chain may have (else it cannot
		// say which one the connection entered).
		var chains []*listenerv3.FilterChain
		for _, fc := range l.GetFilterChains() {
			if fc.GetName() == e.filterChain {
				chains = append(chains, fc)
			}
		}
		if len(chains) == 1 {
			return tcpProxyOf(chains[0])
		}
		return nil
	}
	return nil
}

// routeConfigsOf lists the RDS route configurations of a listener's
// filter chains, in order, once each.
func (x *proxy) routeConfigsOf(listener string) []string {
	var out []string
	for _, l := range x.listeners {
		if l.GetName() != listener {
			continue
		}
		for _, fc := range l.GetFilterChains() {
			for _, f := range fc.GetFilters() {
				if f.GetName() != "envoy.filters.network.http_connection_manager" {
					continue
				}
				var m hcmv3.HttpConnectionManager
				if f.GetTypedConfig().UnmarshalTo(&m) == nil {
					if n := m.GetRds().GetRouteConfigName(); n != "" && !slices.Contains(out, n) {
						out = append(out, n)
					}
				}
			}
		}
	}
	return out
}

// tlsServers lists the filter chains of a listener that end TLS.
func (x *proxy) tlsServers(listener string) []TLSServer {
	var out []TLSServer
	for _, l := range x.listeners {
		if l.GetName() != listener {
			continue
		}
		for _, fc := range l.GetFilterChains() {
			if fc.GetTransportSocket().GetName() != "envoy.transport_sockets.tls" {
				continue
			}
			var ctx tlsv3.DownstreamTlsContext
			if fc.GetTransportSocket().GetTypedConfig().UnmarshalTo(&ctx) != nil {
				continue
			}
			s := TLSServer{ServerNames: fc.GetFilterChainMatch().GetServerNames(),
				MinVersion:        ctx.GetCommonTlsContext().GetTlsParams().GetTlsMinimumProtocolVersion().String(),
				ClientCertificate: ctx.GetRequireClientCertificate().GetValue()}
			if sds := ctx.GetCommonTlsContext().GetTlsCertificateSdsSecretConfigs(); len(sds) > 0 {
				s.Credential = sds[0].GetName()
			}
			out = append(out, s)
		}
	}
	return out
}

func tcpProxyOf(fc *listenerv3.FilterChain) *tcpproxyv3.TcpProxy {
	for _, f := range fc.GetFilters() {
		if f.GetName() != "envoy.filters.network.tcp_proxy" {
			continue
		}
		var tp tcpproxyv3.TcpProxy
		if f.GetTypedConfig().UnmarshalTo(&tp) == nil {
			return &tp
		}
	}
	return nil
}

// tcpRoutes lists the TCP proxies of a listener: a TCP route, or TLS
// passed through by SNI.
func (p *prover) tcpRoutes(x *proxy, listener string) []TCPRoute {
	var out []TCPRoute
	for _, l := range x.listeners {
		if l.GetName() != listener {
			continue
		}
		for _, fc := range l.GetFilterChains() {
			tp := tcpProxyOf(fc)
			if tp == nil {
				continue
			}
			r := TCPRoute{ServerNames: fc.GetFilterChainMatch().GetServerNames(), Backends: tcpBackends(x, tp)}
			r.From = p.tcpFrom(tp, r.Backends)
			out = append(out, r)
		}
	}
	return out
}

func tcpBackends(x *proxy, tp *tcpproxyv3.TcpProxy) []Backend {
	if c := tp.GetCluster(); c != "" {
		return []Backend{x.backend(c, 0)}
	}
	var out []Backend
	for _, wc := range tp.GetWeightedClusters().GetClusters() {
		out = append(out, x.backend(wc.GetName(), wc.GetWeight()))
	}
	return out
}

// tcpFrom names the object of a TCP proxy: by its stat prefix,
// "name.namespace" (weighted), else the one VirtualService with TCP or TLS
// routes to its backend's host; for a VirtualService the Gateway API
// controller generates, its TCPRoutes or TLSRoutes.
func (p *prover) tcpFrom(tp *tcpproxyv3.TcpProxy, bs []Backend) string {
	var candidates []string
	for _, cfg := range slices.Concat(p.c.configs, p.generated) {
		if cfg.GroupVersionKind.Kind != "VirtualService" {
			continue
		}
		name := objectName("VirtualService", cfg.Namespace, cfg.Name)
		if parents, ok := p.parents[cfg.Namespace+"/"+cfg.Name]; ok {
			name = gatewayAPIParent(parents, "", p.c.ruleNames)
		}
		if tp.GetStatPrefix() == cfg.Name+"."+cfg.Namespace {
			return name
		}
		vs, ok := cfg.Spec.(*networking.VirtualService)
		if !ok || len(bs) == 0 {
			continue
		}
		var hosts []string
		for _, t := range vs.GetTcp() {
			for _, d := range t.GetRoute() {
				hosts = append(hosts, d.GetDestination().GetHost())
			}
		}
		for _, t := range vs.GetTls() {
			for _, d := range t.GetRoute() {
				hosts = append(hosts, d.GetDestination().GetHost())
			}
		}
		for _, h := range hosts {
			if (h == bs[0].Service || strings.HasPrefix(bs[0].Service, h+".")) && !slices.Contains(candidates, name) {
				candidates = append(candidates, name)
				break
			}
		}
	}
	if len(candidates) == 1 {
		return candidates[0]
	}
	return ""
}

// gatewayTables: for every gateway pod, every port of every Service that
// selects it (but the status port), the routing of the HTTP listener it
// reaches.
func (p *prover) gatewayTables() []Table {
	var out []Table
	for _, x := range p.gateway {
		pod := p.pod(x)
		for _, svc := range p.servicesOf(pod) {
			for _, sp := range svc.Spec.Ports {
				if sp.Port == statusPort {
					continue
				}
				target := targetPort(pod, sp)
				if target == 0 {
					continue
				}
				t := Table{Proxy: "gateway " + svc.Namespace + "/" + svc.Name, Port: uint32(sp.Port)}
				e, _ := x.locate(pod.Status.PodIP, target, simulation.CallModeGateway, false, "")
				t.Listener, t.RouteConfig, t.TLS = e.listener, e.routeConfig, e.tls
				if t.Listener == "" {
					t.Listener = fmt.Sprintf("0.0.0.0_%d", target)
				}
				if e.routeConfig != "" {
					t.Hosts = p.hosts(x, x.routes[e.routeConfig], false)
				} else {
					// A port that ends TLS per host (SNI): the route
					// configurations of all its filter chains.
					var names []string
					for _, rc := range x.routeConfigsOf(t.Listener) {
						names = append(names, rc)
						t.Hosts = append(t.Hosts, p.hosts(x, x.routes[rc], false)...)
					}
					t.RouteConfig = strings.Join(names, ",")
				}
				t.TCP = p.tcpRoutes(x, t.Listener)
				t.TLSServers = x.tlsServers(t.Listener)
				out = append(out, t)
			}
		}
	}
	return out
}

// sidecarTables: the routes of the mesh, as the sidecar of each namespace
// sees them: every virtual host that has a route from a VirtualService or
// an HTTPRoute. Namespaces whose sidecars route alike share one table.
func (p *prover) sidecarTables() []Table {
	type key struct {
		rc   string
		body string
	}
	byKey := map[key]*Table{}
	var order []key
	for _, x := range p.sidecar {
		names := make([]string, 0, len(x.routes))
		for n := range x.routes {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			hosts := p.hosts(x, x.routes[n], true)
			if len(hosts) == 0 {
				continue
			}
			port, _ := strconv.Atoi(n)
			t := Table{Proxy: "sidecar", Port: uint32(port), RouteConfig: n, Hosts: hosts}
			k := key{n, fmt.Sprintf("%v", mustJSON(t))}
			if prev, ok := byKey[k]; ok {
				prev.Namespaces = append(prev.Namespaces, x.namespace)
				continue
			}
			t.Namespaces = []string{x.namespace}
			byKey[k] = &t
			order = append(order, k)
		}
	}
	out := make([]Table, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out
}

// hosts reads a route configuration's virtual hosts; configured keeps only
// those with a route from a VirtualService or an HTTPRoute.
func (p *prover) hosts(x *proxy, rc *routev3.RouteConfiguration, configured bool) []Host {
	var out []Host
	for _, vh := range rc.GetVirtualHosts() {
		h := Host{Name: vh.GetName(), Domains: envoymatch.Domains(vh), RedirectsToHTTPS: vh.GetRequireTls() != routev3.VirtualHost_NONE}
		if configured {
			h.Domains = longestNames(h.Domains)
		}
		any := false
		for _, r := range vh.GetRoutes() {
			route := readRoute(r, x)
			route.From = p.from(r)
			any = any || route.From != ""
			h.Routes = append(h.Routes, route)
		}
		if configured && !any {
			continue
		}
		out = append(out, h)
	}
	return out
}

// from names the object an Envoy route comes from, by the config metadata
// istiod puts on it.
func (p *prover) from(r *routev3.Route) string {
	md := r.GetMetadata().GetFilterMetadata()["istio"].GetFields()["config"].GetStringValue()
	// /apis/networking.istio.io/v1/namespaces/<ns>/virtual-service/<name>
	parts := strings.Split(md, "/")
	if len(parts) != 8 || parts[4] != "namespaces" {
		return ""
	}
	ns, kind, name := parts[5], parts[6], parts[7]
	if kind != "virtual-service" {
		return kind + " " + ns + "/" + name
	}
	parents, generated := p.parents[ns+"/"+name]
	if !generated {
		return "VirtualService " + ns + "/" + name
	}
	return gatewayAPIParent(parents, r.GetName(), p.c.ruleNames)
}

// gatewayAPIParent names the HTTPRoute (or GRPCRoute) a generated route
// comes from: parents is "HTTPRoute/name.ns,..."; an unnamed rule's route
// is named "ns.name.index", a named rule's route by the rule's name, which
// ruleNames lists per route.
func gatewayAPIParent(parents, route string, ruleNames map[string][]string) string {
	var names, named []string
	for _, p := range strings.Split(parents, ",") {
		kind, rest, ok := strings.Cut(p, "/")
		if !ok {
			continue
		}
		dot := strings.LastIndexByte(rest, '.')
		if dot < 0 {
			continue
		}
		name, ns := rest[:dot], rest[dot+1:]
		id := kind + " " + ns + "/" + name
		if strings.HasPrefix(route, ns+"."+name+".") {
			return id
		}
		if slices.Contains(ruleNames[id], route) {
			named = append(named, id)
		}
		names = append(names, id)
	}
	if len(named) == 1 {
		return named[0]
	}
	return strings.Join(names, ", ")
}

// longestNames keeps, of a sidecar's virtual host's domains, the names
// the others abbreviate (reviews.bookinfo.svc.cluster.local, not reviews,
// reviews.bookinfo, its trailing-dot form or its cluster IP), so that the
// tables of sidecars in different namespaces compare.
func longestNames(domains []string) []string {
	var out []string
	for _, d := range domains {
		if net.ParseIP(d) != nil || strings.HasSuffix(d, ".") {
			continue
		}
		if slices.ContainsFunc(domains, func(e string) bool { return e != d && strings.HasPrefix(e, d+".") }) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func (p *prover) pod(x *proxy) *corev1.Pod {
	for _, pod := range p.c.pods {
		if "gateway "+pod.Namespace+"/"+pod.Name == x.name {
			return pod
		}
	}
	return nil
}

// servicesOf lists the Services of the pod's namespace that select it.
func (p *prover) servicesOf(pod *corev1.Pod) []*corev1.Service {
	var out []*corev1.Service
	for _, svc := range p.c.services {
		if svc.Namespace == pod.Namespace && len(svc.Spec.Selector) > 0 &&
			labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			out = append(out, svc)
		}
	}
	return out
}

const statusPort = 15021

// targetPort resolves a Service port to the pod's port.
func targetPort(pod *corev1.Pod, sp corev1.ServicePort) int {
	if sp.TargetPort.IntValue() != 0 {
		return sp.TargetPort.IntValue()
	}
	if sp.TargetPort.StrVal == "" {
		return int(sp.Port)
	}
	for _, c := range pod.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == sp.TargetPort.StrVal {
				return int(cp.ContainerPort)
			}
		}
	}
	return 0
}

// statusSink is the store the status manager writes Gateway API status
// to: it keeps the latest status of each object.
type statusSink struct {
	mu     sync.Mutex
	status map[string]any
	last   time.Time
}

func newStatusSink() *statusSink { return &statusSink{status: map[string]any{}} }

func (s *statusSink) get(name string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.status[name]
	return st, ok
}

// settle waits until every name has a status and none has changed for a
// moment, or until the deadline.
func (s *statusSink) settle(names []string, deadline time.Duration) {
	end := time.Now().Add(deadline)
	for time.Now().Before(end) {
		s.mu.Lock()
		all := true
		for _, n := range names {
			if _, ok := s.status[n]; !ok {
				all = false
				break
			}
		}
		quiet := time.Since(s.last) > 100*time.Millisecond
		s.mu.Unlock()
		if all && quiet {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var _ model.ConfigStore = (*statusSink)(nil)

func (s *statusSink) Schemas() collection.Schemas { return collection.Schemas{} }

func (s *statusSink) Get(typ config.GroupVersionKind, name, namespace string) *config.Config {
	// The status manager only checks the generation (the objects here
	// have none) and hands the status to UpdateStatus.
	return &config.Config{Meta: config.Meta{GroupVersionKind: typ, Name: name, Namespace: namespace}}
}

func (s *statusSink) List(config.GroupVersionKind, string) []config.Config { return nil }

func (s *statusSink) Create(config.Config) (string, error) {
	return "", fmt.Errorf("istio-proof's status store only takes status")
}

func (s *statusSink) Update(config.Config) (string, error) {
	return "", fmt.Errorf("istio-proof's status store only takes status")
}

func (s *statusSink) UpdateStatus(c config.Config) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[objectName(c.GroupVersionKind.Kind, c.Namespace, c.Name)] = c.Status
	s.last = time.Now()
	return "", nil
}

func (s *statusSink) Delete(config.GroupVersionKind, string, string, *string) error { return nil }
