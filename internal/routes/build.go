package routes

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
)

// The proxies of the tables.
const (
	gatewayProxy  = "gateway "
	sidecarProxy  = "sidecar"
	waypointProxy = "waypoint "
)

// The kinds of the objects routes come from.
const (
	kindVirtualService = "VirtualService"
	kindHTTPRoute      = "HTTPRoute"
	kindTLSRoute       = "TLSRoute"
	kindTCPRoute       = "TCPRoute"
)

// Build is the routing of environment env (read from source): its
// tables, each route as the platform's API renders it.
func Build(env *model.Environment, source string) *Routes {
	b := &builder{env: env, p: env.Platform, gatewayAPI: env.Platform.API == v1alpha1.APIGatewayAPI, tables: map[tableKey]*table{}}
	if b.gatewayAPI {
		b.gatewayAPIGateway()
	} else {
		b.istioGateway()
	}
	b.mesh()
	api := string(env.Platform.API)
	if api == "" {
		api = string(v1alpha1.APIIstio)
	}
	out := &Routes{Version: Version, Source: source, Platform: env.Name, API: api, Tables: []Table{}}
	keys := slices.SortedFunc(maps.Keys(b.tables), func(a, b tableKey) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), strings.Compare(a.proxy, b.proxy), cmp.Compare(a.port, b.port), strings.Compare(a.exportTo, b.exportTo))
	})
	for _, k := range keys {
		out.Tables = append(out.Tables, b.tables[k].finish(b.gatewayAPI))
	}
	return out
}

// builder gathers the tables of an environment.
type builder struct {
	env        *model.Environment
	p          *v1alpha1.ExposurePlatformSpec
	gatewayAPI bool
	tables     map[tableKey]*table
}

// tableKey identifies a table: gateways (rank 0) before the mesh (1);
// the mesh's by the namespaces it is exported to too.
type tableKey struct {
	rank     int
	proxy    string
	port     uint32
	exportTo string
}

// table is a table being built: its hosts' routes by domain, before the
// Gateway API's ordering.
type table struct {
	Table
	hosts map[string]*host
}

// host is a virtual host being built.
type host struct {
	redirectsToHTTPS bool
	entries          []entry
}

// entry is a route of a host, with what orders it: with the Gateway API,
// the routes of every HTTPRoute of a host are merged, by the HTTPRoutes'
// namespace and name, then each sorted by its match (istiod's
// sortHTTPRoutes).
type entry struct {
	route  Route
	match  v1alpha1.Match
	object [2]string // namespace, name
}

func (b *builder) table(rank int, proxy string, port int32, exportTo ...string) *table {
	k := tableKey{rank, proxy, uint32(port), strings.Join(exportTo, ",")}
	t := b.tables[k]
	if t == nil {
		t = &table{Table: Table{Proxy: proxy, Port: uint32(port), ExportTo: exportTo}, hosts: map[string]*host{}}
		b.tables[k] = t
	}
	return t
}

func (t *table) host(domain string) *host {
	h := t.hosts[domain]
	if h == nil {
		h = &host{}
		t.hosts[domain] = h
	}
	return h
}

// finish orders the table's hosts by domain, and each host's routes as
// Envoy tries them: the Gateway API's precedence where it applies, then
// every route after one that takes every request marked unreachable.
func (t *table) finish(gatewayAPI bool) Table {
	out := t.Table
	for _, d := range slices.Sorted(maps.Keys(t.hosts)) {
		h := t.hosts[d]
		es := slices.Clone(h.entries)
		if gatewayAPI {
			slices.SortStableFunc(es, func(a, b entry) int {
				return cmp.Or(strings.Compare(a.object[0], b.object[0]), strings.Compare(a.object[1], b.object[1]))
			})
			slices.SortStableFunc(es, func(a, b entry) int { return gatewayAPIPrecedence(a.match, b.match) })
		}
		hr := Host{Domains: []string{d}, RedirectsToHTTPS: h.redirectsToHTTPS, Routes: []Route{}}
		catchAll := 0
		for _, e := range es {
			r := e.route
			if r.Redirect != nil {
				r.Redirect = finishRedirect(r.Redirect, gatewayAPI, t.Port, t.TLS)
			}
			if catchAll > 0 {
				r.Unreachable = fmt.Sprintf("route %d (%s) takes every request before it", catchAll, hr.Routes[catchAll-1].Match.Path)
			} else if takesAll(r.Match) {
				catchAll = len(hr.Routes) + 1
			}
			hr.Routes = append(hr.Routes, r)
		}
		out.Hosts = append(out.Hosts, hr)
	}
	return out
}

// takesAll says whether a match takes every request (istiod's
// IsCatchAllRoute): any path, no method, header or query condition.
func takesAll(m Match) bool {
	return (m.Path == "prefix /" || m.Path == "segments /" || m.Path == "regex .*") && m.Method == "" && len(m.Headers) == 0 && len(m.Query) == 0
}

// gatewayAPIPrecedence orders two matches as istiod orders the rules of
// Gateway API routes (sortHTTPRoutes), most specific first: exact, then
// prefix, then regex paths; longer paths first (a prefix without its
// trailing "/", as Istio reads it); a match with a method; more headers;
// more query parameters.
func gatewayAPIPrecedence(a, b v1alpha1.Match) int {
	rank := func(m v1alpha1.Match) int { return m.PathRank() }
	length := func(m v1alpha1.Match) int {
		switch {
		case m.Exact != "":
			return len(m.Exact)
		case m.Regex != "":
			return len(m.Regex)
		}
		return len(gatewayAPIPrefix(m.Prefix))
	}
	method := func(m v1alpha1.Match) int {
		if m.Method != "" {
			return 0
		}
		return 1
	}
	return cmp.Or(
		cmp.Compare(rank(a), rank(b)),
		-cmp.Compare(length(a), length(b)),
		cmp.Compare(method(a), method(b)),
		-cmp.Compare(len(a.Headers), len(b.Headers)),
		-cmp.Compare(len(a.QueryParams), len(b.QueryParams)))
}

// gatewayAPIPrefix is a PathPrefix as Istio reads it: without a trailing
// "/" ("When specified, a trailing `/` is ignored"), but "/".
func gatewayAPIPrefix(p string) string {
	if p == "/" {
		return p
	}
	return strings.TrimSuffix(p, "/")
}

// gatewayProxy is the proxy name of the platform's ingress gateway.
func (b *builder) gatewayProxy() string {
	return gatewayProxy + b.p.Gateway.Namespace + "/" + b.p.Gateway.Service
}

// origin names the spec of route i of x.
func origin(x *model.Exposure, i int) string {
	return fmt.Sprintf("ServiceExposure %s spec.routes[%d]", x.Owner, i)
}

func objectName(kind, namespace, name string) string { return kind + " " + namespace + "/" + name }

// istioGateway adds the tables of the ingress gateway under api: istio:
// each exposure's own hosts (its VirtualService, on its Gateway's
// servers), its TLS passthrough and tcp routes, and the shared hosts.
func (b *builder) istioGateway() {
	proxy := b.gatewayProxy()
	redirect := b.p.TLS != nil && b.p.TLS.HTTPSRedirect
	for _, x := range b.env.Exposures {
		from := objectName(kindVirtualService, x.Namespace, x.Name)
		if len(x.Hosts) > 0 && !x.Passthrough {
			var routes []entry
			for i := range x.Routes {
				routes = append(routes, entry{route: b.route(x, i, &x.Routes[i], from, ""), match: x.Routes[i].Match})
			}
			add := func(t *table, redirects bool) {
				for _, h := range x.Hosts {
					hr := t.host(h)
					hr.redirectsToHTTPS = redirects
					hr.entries = routes
				}
			}
			if x.ServesHTTP() {
				add(b.table(0, proxy, x.Gateway.Port), redirect)
			}
			if x.Terminated() {
				t := b.table(0, proxy, x.TLS.Port)
				t.TLS = true
				add(t, false)
			}
			if x.ALBReencrypts {
				t := b.table(0, proxy, b.p.Gateway.HTTPSPort)
				t.TLS = true
				add(t, false)
			}
		}
		if x.Passthrough && x.TLS != nil && len(x.Routes) > 0 {
			t := b.table(0, proxy, x.TLS.Port)
			t.TLS = true
			t.TCP = append(t.TCP, TCPRoute{ServerNames: x.Hosts, From: from, Origin: origin(x, 0), Backends: b.backends(x.Routes[0].Backends)})
		}
		b.tcpRoutes(x, proxy, func(int32) string { return from })
	}
	for _, h := range b.env.SharedHosts {
		owners := map[*model.Route]claim{}
		for _, x := range h.Claimants {
			for i := range x.Routes {
				owners[&x.Routes[i]] = claim{x, i}
			}
		}
		from := objectName(kindVirtualService, h.Ingress.Namespace, h.Name)
		var routes []entry
		for _, r := range h.Routes {
			c := owners[r]
			routes = append(routes, entry{route: b.route(c.x, c.i, r, from, ""), match: r.Match})
		}
		add := func(t *table, redirects bool) {
			hr := t.host(h.Host)
			hr.redirectsToHTTPS = redirects
			hr.entries = routes
		}
		if h.ALBReencrypts {
			t := b.table(0, proxy, b.p.Gateway.HTTPSPort)
			t.TLS = true
			add(t, false)
			continue
		}
		add(b.table(0, proxy, h.Gateway.Port), redirect)
		if b.p.TLS != nil {
			t := b.table(0, proxy, b.p.Gateway.HTTPSPort)
			t.TLS = true
			add(t, false)
		}
	}
}

// claim is route i of exposure x.
type claim struct {
	x *model.Exposure
	i int
}

// tcpRoutes adds x's tcp routes to the gateway's tables, each from the
// object from names for its port.
func (b *builder) tcpRoutes(x *model.Exposure, proxy string, from func(port int32) string) {
	for i, r := range x.TCP {
		t := b.table(0, proxy, r.Port)
		t.TCP = append(t.TCP, TCPRoute{From: from(r.Port), Origin: fmt.Sprintf("ServiceExposure %s spec.tcp[%d]", x.Owner, i), Backends: b.backends(r.Backends)})
	}
}

// gatewayAPIGateway adds the tables of the environment's Gateway API
// Gateway: per listener, the HTTPRoutes that attach to it (the HTTP
// listener's, its redirect to HTTPS alone when the platform asks for it),
// the TLSRoutes of passthrough and the TCPRoutes.
func (b *builder) gatewayAPIGateway() {
	g := b.env.Gateway
	if g == nil {
		return
	}
	proxy := b.gatewayProxy()
	type listener struct {
		name       string
		hostname   string // "": every host
		port       int32
		tls        bool
		namespaces []string
	}
	var ls []listener
	if !g.NoHTTP {
		if g.Redirect {
			t := b.table(0, proxy, g.Port)
			name := model.RedirectRouteName(g.Name)
			t.host(v1alpha1.AnyHost).entries = []entry{{
				route: Route{
					Name:     g.Namespace + "." + name + ".0",
					From:     objectName(kindHTTPRoute, g.Namespace, name),
					Origin:   fmt.Sprintf("ExposurePlatform %s spec.tls.httpsRedirect", b.env.Name),
					Match:    Match{Path: "prefix /"},
					Redirect: &Redirect{Scheme: "https", Status: 301},
				},
				match:  v1alpha1.Match{Prefix: "/"},
				object: [2]string{g.Namespace, name},
			}}
		} else {
			ls = append(ls, listener{name: "http", port: g.Port, namespaces: g.Namespaces})
		}
	}
	for _, l := range g.TLSListeners {
		ls = append(ls, listener{name: l.Name, hostname: l.Hostname, port: l.Port, tls: true, namespaces: l.Namespaces})
	}
	for _, l := range ls {
		t := b.table(0, proxy, l.port)
		t.TLS = t.TLS || l.tls
		for _, x := range b.env.Exposures {
			if len(x.Hosts)+len(x.SharedHosts) == 0 || x.Passthrough || !slices.Contains(l.namespaces, x.Namespace) {
				continue
			}
			if len(x.Listeners) > 0 && !slices.Contains(x.Listeners, l.name) {
				continue
			}
			from := objectName(kindHTTPRoute, x.Namespace, x.Name)
			for _, h := range slices.Concat(x.Hosts, x.SharedHosts) {
				domain, ok := attached(h, l.hostname)
				if !ok {
					continue
				}
				hr := t.host(domain)
				for i := range x.Routes {
					hr.entries = append(hr.entries, entry{
						route:  b.route(x, i, &x.Routes[i], from, x.Namespace+"."+x.Name),
						match:  x.Routes[i].Match,
						object: [2]string{x.Namespace, x.Name},
					})
				}
			}
		}
	}
	for _, x := range b.env.Exposures {
		if x.Passthrough && x.TLS != nil && len(x.Routes) > 0 {
			t := b.table(0, proxy, x.TLS.Port)
			t.TLS = true
			for _, h := range x.Hosts {
				t.TCP = append(t.TCP, TCPRoute{ServerNames: []string{h}, From: objectName(kindTLSRoute, x.Namespace, x.Name), Origin: origin(x, 0), Backends: b.backends(x.Routes[0].Backends)})
			}
		}
		b.tcpRoutes(x, proxy, func(port int32) string { return objectName(kindTCPRoute, x.Namespace, x.TCPRouteName(port)) })
	}
}

// attached is the virtual host of route hostname h on a listener of
// hostname l ("": every host), if the listener takes it.
func attached(h, l string) (string, bool) {
	switch {
	case l == "" || h == l:
		return h, true
	case h == v1alpha1.AnyHost:
		return l, true
	case strings.HasPrefix(l, "*.") && strings.HasSuffix(h, l[1:]):
		return h, true
	case strings.HasPrefix(h, "*.") && strings.HasSuffix(l, h[1:]):
		return l, true
	}
	return "", false
}

// mesh adds the tables of the mesh: the routes of every exposure with
// mesh: true, for calls to its Service's HTTP ports, from the sidecars of
// the namespaces it exports them to (with the Gateway API in the ambient
// mesh, from its namespace's waypoint).
func (b *builder) mesh() {
	for _, x := range b.env.Exposures {
		if !x.Mesh {
			continue
		}
		proxy, exportTo := sidecarProxy, exportTo(x.ExportTo, x.Namespace)
		from := objectName(kindVirtualService, x.Namespace, x.MeshName())
		prefix := ""
		if b.gatewayAPI {
			from = objectName(kindHTTPRoute, x.Namespace, x.MeshName())
			prefix = x.Namespace + "." + x.MeshName()
			// A route in the Service's namespace is the producer's, for
			// every client; one elsewhere its own namespace's.
			exportTo = []string{v1alpha1.AnyHost}
			if x.Namespace != x.Service.Namespace {
				exportTo = []string{x.Namespace}
			}
			for _, w := range b.env.Waypoints {
				if w.Namespace == x.Service.Namespace {
					proxy, exportTo = waypointProxy+w.Namespace+"/"+v1alpha1.WaypointName, nil
				}
			}
		}
		for _, port := range httpPorts(x) {
			hr := b.table(1, proxy, port, exportTo...).host(x.Service.FQDN)
			for i := range x.Routes {
				hr.entries = append(hr.entries, entry{route: b.route(x, i, &x.Routes[i], from, prefix), match: x.Routes[i].Match,
					object: [2]string{x.Namespace, x.MeshName()}})
			}
		}
	}
}

// exportTo is a mesh VirtualService's exportTo, "." named: every
// namespace when it has none.
func exportTo(e []string, own string) []string {
	if len(e) == 0 {
		return []string{v1alpha1.AnyHost}
	}
	out := make([]string, 0, len(e))
	for _, ns := range e {
		if ns == "." {
			ns = own
		}
		if !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	return out
}

// httpPorts are the ports of x's Service that take HTTP (not tcp).
func httpPorts(x *model.Exposure) []int32 {
	if len(x.Service.Ports) == 0 {
		if x.Service.Protocol == v1alpha1.ProtocolTCP {
			return nil
		}
		return []int32{x.Service.Port}
	}
	var out []int32
	for _, p := range x.Service.Ports {
		if p.Protocol != v1alpha1.ProtocolTCP {
			out = append(out, p.Port)
		}
	}
	return out
}
