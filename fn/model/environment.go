package model

import (
	"maps"
	"slices"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

// Environment is an ExposurePlatform with the exposures of one rendering,
// resolved together: what each exposure's routes reach of the others
// (their ports and subsets), the shared hosts they claim, the
// environment's Gateway API Gateway, the waypoints, and the namespaces
// krm-fn labels for the mesh. It is complete once NewEnvironment returns
// and nothing changes it after: the checks read it, and the plan turns it
// into objects.
type Environment struct {
	// Name is the ExposurePlatform's metadata.name ("": the built-in
	// defaults, or a generator's platform of none).
	Name        string
	Platform    *v1alpha1.ExposurePlatformSpec
	Exposures   []*Exposure      // in the order of the input
	SharedHosts []*SharedHost    // the claimed ones, by host
	Gateway     *PlatformGateway // api: gateway-api, when an exposure has hosts; else nil
	Waypoints   []*Waypoint      // by namespace
	Namespaces  []*MeshNamespace // by name
	// TLSGateway is the Istio Gateway of the environment's one TLS server
	// when its ALB re-encrypts to the gateway (api: istio); else nil.
	TLSGateway *TLSGateway
	services   map[string]*Exposure
}

// MeshNamespace is a namespace krm-fn labels for the mesh: the platform's
// injection label, for the Services krm-fn creates there, and the
// waypoint's. The input's Namespace of that name gets the labels;
// without one, krm-fn renders it.
type MeshNamespace struct {
	Name   string
	Labels []Label // in the order they are set
	// Carried is what a Namespace krm-fn renders carries: what every
	// exposure it is labelled for carries.
	Carried Carried
}

// Label is a label krm-fn sets, and the first exposure it sets it for.
type Label struct {
	Key, Value string
	For        *Exposure
}

// NewEnvironment resolves exposures (each resolved on its own, by
// Resolve) together under platform p.
func NewEnvironment(p *v1alpha1.ExposurePlatformSpec, exposures []*Exposure) *Environment {
	env := &Environment{Platform: p, Exposures: exposures, services: map[string]*Exposure{}}
	for _, x := range exposures {
		env.services[x.Service.Namespace+"/"+x.Service.Name] = x
	}
	env.resolveDestinations()
	env.SharedHosts = sharedHosts(exposures, p)
	env.Gateway = platformGateway(exposures, p)
	env.TLSGateway = tlsGateway(exposures, p, env.SharedHosts)
	if env.Gateway != nil {
		env.Gateway.completeTLS(exposures, env.SharedHosts, p)
		env.Gateway.completeL4(exposures)
	}
	env.Waypoints = waypoints(exposures, p)
	env.Namespaces = meshNamespaces(exposures, env.Waypoints, p)
	return env
}

// ServiceExposure is the exposure of Service "<namespace>/<name>", if the
// environment has one (the last, if several expose it).
func (env *Environment) ServiceExposure(service string) (*Exposure, bool) {
	x, ok := env.services[service]
	return x, ok
}

// resolveDestinations completes the destinations of routes (and mirrors)
// that send to another exposure's Service: a port left out is that
// exposure's Service port, and the subsets they send to are its routed
// subsets; its Service is routed by the gateway when the sending exposure
// has hosts (its own routing only: the gateway applies the routes of the
// exposure with the hosts). A destination no exposure of the environment
// exposes stays as written (the checks say what it lacks).
func (env *Environment) resolveDestinations() {
	for _, x := range env.Exposures {
		for i := range x.Routes {
			r := &x.Routes[i]
			for j := range r.Backends {
				env.resolveDestination(x, &r.Backends[j])
			}
			if r.Mirror != nil {
				env.resolveDestination(x, r.Mirror)
			}
		}
		for i := range x.TCP {
			for j := range x.TCP[i].Backends {
				env.resolveL4Port(&x.TCP[i].Backends[j])
				env.resolveDestination(x, &x.TCP[i].Backends[j])
			}
		}
	}
}

// resolveL4Port gives d, a destination of connections (a tcp route's) to
// another exposure's Service, that Service's tcp port when the spec
// leaves the port out.
func (env *Environment) resolveL4Port(d *Destination) {
	if other, ok := env.ServiceExposure(d.OtherService); ok && d.Port == 0 && other.Service.TCPPort != 0 {
		d.Port = other.Service.TCPPort
	}
}

// resolveDestination completes d, a destination of x's routes.
func (env *Environment) resolveDestination(x *Exposure, d *Destination) {
	other, exposed := env.ServiceExposure(d.OtherService)
	if d.OtherService == "" || !exposed {
		return
	}
	if len(x.Hosts)+len(x.SharedHosts) > 0 {
		other.GatewayRouted = true
	}
	if d.Port == 0 {
		d.Port = other.Service.Port
	}
	if d.Subset != "" && other.DefinesSubset(d.Subset) {
		other.RoutedSubsets[d.Subset] = true
	}
}

// DefinesSubset says whether x defines the subset name (spec.subsets).
func (x *Exposure) DefinesSubset(name string) bool {
	return slices.ContainsFunc(x.Subsets, func(s v1alpha1.Subset) bool { return s.Name == name })
}

// platformGateway is the Gateway API Gateway of the environment, if the
// platform renders the Gateway API and any exposure has hosts or tcp
// routes: HTTPRoutes attach to its HTTP listener from the namespaces of
// the exposures with http routes at the gateway (none: no HTTP listener).
func platformGateway(exposures []*Exposure, p *v1alpha1.ExposurePlatformSpec) *PlatformGateway {
	if p.API != v1alpha1.APIGatewayAPI {
		return nil
	}
	g := &PlatformGateway{
		Gateway:     Gateway{Name: p.Gateway.Name, Namespace: p.Gateway.Namespace, Port: p.Gateway.Port},
		Owner:       GatewayOwnerPrefix + p.Gateway.Namespace + "/" + p.Gateway.Name,
		ServiceType: string(corev1.ServiceTypeClusterIP),
	}
	if p.ALB.TargetType == v1alpha1.TargetTypeInstance {
		g.ServiceType = string(corev1.ServiceTypeNodePort)
	}
	namespaces := map[string]bool{}
	first := true
	for _, x := range exposures {
		hosts := len(x.Hosts)+len(x.SharedHosts) > 0
		if !hosts && len(x.TCP) == 0 {
			continue
		}
		if hosts && !x.Passthrough {
			namespaces[x.Namespace] = true
		}
		if first {
			g.Carried, first = x.Carried, false
		} else {
			g.Carried = g.Carried.Common(x.Carried)
		}
	}
	if first {
		return nil
	}
	g.Carried = g.Carried.Shared()
	g.Namespaces = slices.Sorted(maps.Keys(namespaces))
	g.NoHTTP = len(namespaces) == 0
	return g
}

// waypoints are the waypoints of the namespaces whose Services have mesh
// routing, with the Gateway API in the ambient mesh (none otherwise): the
// mesh HTTPRoute of a Service applies to calls through its namespace's
// waypoint. The gateway's namespace gets none: its Services are the
// gateway's own (the checks refuse mesh routing there).
func waypoints(exposures []*Exposure, p *v1alpha1.ExposurePlatformSpec) []*Waypoint {
	if !p.Waypoints() {
		return nil
	}
	byNS := map[string]*Waypoint{}
	for _, x := range exposures {
		ns := x.Service.Namespace
		if !x.Mesh || ns == p.Gateway.Namespace {
			continue
		}
		if w, ok := byNS[ns]; ok {
			w.Carried = w.Carried.Common(x.Carried)
			continue
		}
		byNS[ns] = &Waypoint{Namespace: ns, Owner: GatewayOwnerPrefix + ns + "/" + v1alpha1.WaypointName, Carried: x.Carried, For: x}
	}
	var out []*Waypoint
	for _, ns := range slices.Sorted(maps.Keys(byNS)) {
		byNS[ns].Carried = byNS[ns].Carried.Shared()
		out = append(out, byNS[ns])
	}
	return out
}

// meshNamespaces are the namespaces krm-fn labels: for the platform's
// injection (namespace or ambient), the namespace of every Service it
// creates but the gateway's (whose pods are the gateway's: the checks
// refuse a Service there); and the namespace of every waypoint, to use it.
func meshNamespaces(exposures []*Exposure, ws []*Waypoint, p *v1alpha1.ExposurePlatformSpec) []*MeshNamespace {
	byName := map[string]*MeshNamespace{}
	if key, value, ok := p.NamespaceLabel(); ok {
		for _, x := range exposures {
			ns := x.Service.Namespace
			if _, ok := byName[ns]; !x.Injected || ok || ns == p.Gateway.Namespace {
				continue
			}
			// What every exposure with a Service there carries (an
			// overlay's labels reach the Namespace too).
			var c *Carried
			for _, y := range exposures {
				if y.Service.Namespace != ns {
					continue
				}
				if c == nil {
					c = &y.Carried
				} else {
					common := c.Common(y.Carried)
					c = &common
				}
			}
			byName[ns] = &MeshNamespace{Name: ns, Labels: []Label{{Key: key, Value: value, For: x}}, Carried: c.Shared()}
		}
	}
	for _, w := range ws {
		l := Label{Key: v1alpha1.LabelUseWaypoint, Value: v1alpha1.WaypointName, For: w.For}
		if ns, ok := byName[w.Namespace]; ok {
			ns.Labels = append(ns.Labels, l)
			continue
		}
		byName[w.Namespace] = &MeshNamespace{Name: w.Namespace, Labels: []Label{l}, Carried: w.Carried.Shared()}
	}
	var out []*MeshNamespace
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, byName[name])
	}
	return out
}
