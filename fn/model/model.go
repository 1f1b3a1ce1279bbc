// Package model is the resolved model of an environment: each
// ServiceExposure under its ExposurePlatform, with every host, name, port,
// duration and annotation the builders (package emit) need computed once
// (Resolve), then all of them together (NewEnvironment): what their routes
// reach of each other, the hosts they share (SharedHost), the
// environment's Gateway, the waypoints and the namespaces krm-fn labels
// for the mesh. It is complete and immutable once NewEnvironment returns:
// the checks read it, and the builders read only it.
package model

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	networking "istio.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Exposure is one ServiceExposure resolved against its platform.
type Exposure struct {
	Name, Namespace string
	Owner           string // the owner annotation value, "<namespace>/<name>"
	// Carried are the labels and annotations of the ServiceExposure, which
	// every object it renders carries (an overlay's labels, say).
	Carried     Carried
	Hosts       []string // its own hosts, qualified: its Gateway, VirtualService and Ingress
	HostIndex   []int    // the index in spec.hosts of each of Hosts
	SharedHosts []string // the platform's shared hosts it claims, qualified
	SharedIndex []int    // the index in spec.hosts of each of SharedHosts
	// IngressOverrides says whether spec.ingress changes the platform's
	// ALB settings (which cannot apply to a shared host).
	IngressOverrides bool
	Mesh             bool // its routing applies inside the mesh too (MeshVirtualService)
	ExportTo         []string
	// GatewayRouted says whether the ingress gateway routes to its
	// Service: it has hosts, or a route of an exposure with hosts sends
	// to it (NewEnvironment). Its DestinationRule must then apply in the
	// gateway's namespace.
	GatewayRouted bool

	// API is the routing API the platform renders to.
	API v1alpha1.PlatformAPI
	// RoutedSubsets are the subsets of its Service some route (its own or,
	// once NewEnvironment has resolved them, another exposure's) sends to,
	// or mirrors to: with the Gateway API, each is a Service of its own
	// (SubsetService).
	RoutedSubsets map[string]bool

	Service Service
	Routes  []Route
	Subsets []v1alpha1.Subset
	Policy  *networking.TrafficPolicy
	// PolicyZeroEnums are the enum fields the trafficPolicy sets to their
	// zero value, which its rendering writes out (mode: DISABLE).
	PolicyZeroEnums []v1alpha1.ZeroEnum
	Gateway         Gateway
	Ingress         Ingress
	Injected        bool // whether the platform's injection applies to the Service's pods

	// LoadBalancer is what the platform fronts the gateway with: Ingresses
	// only with alb.
	LoadBalancer v1alpha1.LoadBalancerKind
	// PlatformTLS is the platform's TLS at the gateway (nil: none), and
	// ALBReencrypts whether an ALB re-encrypts to the gateway.
	PlatformTLS   *GatewayTLS
	ALBReencrypts bool
	// TLS is how its own hosts are served with TLS at the gateway (nil:
	// not at all); Passthrough says its routes are tls routes by SNI.
	TLS         *TLS
	Passthrough bool
	// TCP are its tcp routes at the gateway.
	TCP []TCPRoute
	// Listeners are the listeners of the Gateway API Gateway its
	// HTTPRoute attaches to, by name, when not all of them: its hosts'
	// HTTPS ones, when the HTTP listener redirects (NewEnvironment).
	Listeners []string
}

// Service is the Service behind the exposure.
type Service struct {
	Name, Namespace string
	FQDN            string
	Port            int32
	TargetPort      intstr.IntOrString
	Protocol        v1alpha1.Protocol
	Selector        map[string]string
	Create          bool
	// Ports are spec.service.ports (none: the one port of Port,
	// TargetPort and Protocol); TCPPort is the first tcp port (0: none),
	// where tcp routes and passthrough send.
	Ports   []ServicePort
	TCPPort int32
}

// Route is one http route, with its durations parsed and its destinations
// resolved.
type Route struct {
	Name            string
	Match           v1alpha1.Match
	Timeout         time.Duration
	Retries         *Retries
	Backends        []Destination
	Rewrite         *v1alpha1.Rewrite
	RequestHeaders  *v1alpha1.HeaderOps
	ResponseHeaders *v1alpha1.HeaderOps
	CORS            *CORS
	Fault           *Fault
	Mirror          *Destination
	MirrorPercent   float64
	Redirect        *v1alpha1.Redirect
	Respond         *v1alpha1.Respond
}

// Retries is a route's retry policy.
type Retries struct {
	Attempts      int32
	PerTryTimeout time.Duration
	RetryOn       string
}

// Destination is where a route (or its mirror) sends: a Service by its
// FQDN and port, maybe a subset of it, with a weight.
type Destination struct {
	Host string // the Service's FQDN
	// Name and Namespace of the Service (not of a subset's: SubsetService).
	Name, Namespace string
	// Port of the Service. For another exposure's Service, when the spec
	// leaves it out, NewEnvironment takes it from that exposure; 0 when
	// no exposure of the environment exposes it (the checks refuse it).
	Port   int32
	Subset string
	Weight int32
	// OtherService is the Service, "<namespace>/<name>", when it is not the
	// exposure's own: its port and subsets come from its exposure.
	OtherService string
}

// CORS is a route's CORS policy.
type CORS struct {
	AllowOrigins     []v1alpha1.StringMatch
	AllowMethods     []string
	AllowHeaders     []string
	ExposeHeaders    []string
	MaxAge           time.Duration
	AllowCredentials *bool
}

// Fault is a route's fault injection.
type Fault struct {
	Delay        time.Duration // 0: none
	DelayPercent float64
	AbortStatus  int32 // 0: none
	AbortPercent float64
}

// Gateway is the Istio Gateway of the exposure; with the Gateway API, the
// platform's Gateway its HTTPRoute attaches to (Namespace is then its
// namespace, and Selector nil).
type Gateway struct {
	Name, Namespace string
	Selector        map[string]string
	Port            int32
}

// PlatformGateway is the one Gateway API Gateway of an environment
// (api: gateway-api): class istio, an HTTP listener on the gateway port,
// routes allowed from the namespaces of the HTTPRoutes that attach to it.
type PlatformGateway struct {
	Gateway
	Owner       string  // the owner annotation value, "gateway:<namespace>/<name>"
	Carried     Carried // what every exposure that attaches to it carries
	Namespaces  []string
	ServiceType string // of the Service Istio deploys for it: ClusterIP (ALB target type ip) or NodePort (instance)
	// NoHTTP says it has no plain HTTP listener (an ALB re-encrypts to
	// it, or no exposure has http routes at the gateway); TLSListeners
	// are its HTTPS listeners, in order.
	NoHTTP       bool
	TLSListeners []TLSListener
	// PassthroughListeners are its TLS listeners in Passthrough mode, one
	// per host of a passthrough exposure (Secret unset), and TCPListeners
	// its TCP listeners, one per tcp route; each in order.
	PassthroughListeners []TLSListener
	TCPListeners         []TCPListener
	// ClientCAs are the ports whose HTTPS listeners check client
	// certificates (mutual exposures), by port.
	ClientCAs []ClientCA
	// Redirect says its HTTP listener redirects every request to HTTPS
	// (the platform's tls.httpsRedirect): an HTTPRoute of its own, the
	// only one the listener takes (from its namespace).
	Redirect bool
}

// Waypoint is the waypoint of an ambient namespace (api: gateway-api,
// injection: ambient) whose Services have mesh routing: a Gateway of class
// istio-waypoint, which the namespace is labelled to use.
type Waypoint struct {
	Namespace string
	Owner     string    // the owner annotation value, "gateway:<namespace>/waypoint"
	Carried   Carried   // what every exposure with mesh routing there carries
	For       *Exposure // the first of them
}

// GatewayOwnerPrefix starts the owner annotation of a PlatformGateway
// (and of a Waypoint).
const GatewayOwnerPrefix = "gateway:"

// SubsetService is the name of the Service that stands for subset of
// Service service with the Gateway API (v1alpha1's rule, which its
// validation checks).
func SubsetService(service, subset string) string {
	return v1alpha1.GatewayAPISubsetService(service, subset)
}

// SubsetServices are the subsets of x that get a Service of their own,
// in the order of spec.subsets: none but with the Gateway API.
func (x *Exposure) SubsetServices() []v1alpha1.Subset {
	if x.API != v1alpha1.APIGatewayAPI {
		return nil
	}
	var out []v1alpha1.Subset
	for _, s := range x.Subsets {
		if x.RoutedSubsets[s.Name] {
			out = append(out, s)
		}
	}
	return out
}

// Ingress is the ALB Ingress of the exposure (or of a shared host).
type Ingress struct {
	Name, Namespace string
	ClassName       string
	Group           string
	Annotations     map[string]string
	Service         string // the gateway Service the ALB forwards to
	Port            int32
}

// SharedHost is a host of the platform's sharedHosts with the exposures
// that claim it: one Gateway, one VirtualService and one Ingress of its
// own, in the gateway's namespace, with the routes of every claim in the
// host's precedence.
type SharedHost struct {
	Host    string
	Name    string   // of its Gateway, VirtualService and Ingress
	Owner   string   // the owner annotation value, "host:<host>"
	Carried Carried  // what every exposure that claims it carries
	Routes  []*Route // of every claim, in the host's precedence (its exposure's)
	// Claimants are the exposures that claim it, by owner.
	Claimants []*Exposure
	Gateway   Gateway
	Ingress   Ingress
	// Duplicates are the claims that select exactly the requests of an
	// earlier claim, by another exposure: a request goes to one route
	// only, so they are left out of Routes (and the checks refuse them).
	Duplicates []Duplicate
	// Namespaces of the exposures that claim it, sorted.
	Namespaces []string
	// ALBReencrypts says whether the ALB re-encrypts to the gateway: the
	// environment's TLSGateway serves the host then.
	ALBReencrypts bool
}

// Claim is a route an exposure puts on a shared host.
type Claim struct {
	X     *Exposure
	Route int // its index in spec.routes
}

// Duplicate is a claim of the same requests as First.
type Duplicate struct {
	Claim
	First Claim
}

// MeshName is the name of the VirtualService that routes an exposure's
// Service inside the mesh.
func (x *Exposure) MeshName() string { return x.Name + "-mesh" }

// GatewayExportTo is the exportTo of the VirtualService of x's own hosts:
// spec.exportTo, with the gateway's namespace added, for the gateway
// proxies (which live there) to take it.
func (x *Exposure) GatewayExportTo() []string {
	return ExportIncluding(x.ExportTo, x.Namespace, x.Ingress.Namespace)
}

// DestinationRuleExportTo is the exportTo of x's DestinationRule:
// spec.exportTo, with the gateway's namespace added when the gateway
// routes to the Service (else its subsets would not exist there).
func (x *Exposure) DestinationRuleExportTo() []string {
	if !x.GatewayRouted {
		return x.ExportTo
	}
	return ExportIncluding(x.ExportTo, x.Namespace, x.Ingress.Namespace)
}

// ExportIncluding is exportTo (of an object in namespace own) with
// namespace ns added, unless it applies there already.
func ExportIncluding(exportTo []string, own, ns string) []string {
	if Exported(exportTo, own, ns) {
		return exportTo
	}
	return append(slices.Clone(exportTo), ns)
}

// Exported says whether an object of namespace own with this exportTo
// applies in namespace ns: none (all), "*", "." for own, or ns listed.
func Exported(exportTo []string, own, ns string) bool {
	if len(exportTo) == 0 {
		return true
	}
	for _, e := range exportTo {
		if e == "*" || e == ns || e == "." && own == ns {
			return true
		}
	}
	return false
}

// Carried are the labels and annotations an object carries to every object
// rendered for it.
type Carried struct {
	Labels, Annotations map[string]string
}

// Common is what c and d both carry, with the same values.
func (c Carried) Common(d Carried) Carried {
	both := func(a, b map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range a {
			if w, ok := b[k]; ok && w == v {
				out[k] = v
			}
		}
		return out
	}
	return Carried{Labels: both(c.Labels, d.Labels), Annotations: both(c.Annotations, d.Annotations)}
}

// Shared is what c carries to an object krm-fn renders for several
// exposures or for the platform (the environment's Gateway, the shared
// hosts' objects, the Gateway of the ALB's TLS, a waypoint, a Namespace),
// which is none exposure's own: c without the labels and annotations of
// Argo CD's, Istio's and Kubernetes' domains (but app.kubernetes.io's),
// nor istio-injection. Those say how the object lives and what runs for
// it: Argo CD deletes an object with a hook annotation after each sync
// (a Namespace with all it holds), and Istio copies a Gateway API
// Gateway's labels and annotations to the Deployment and Service it deploys
// for it (gateway.istio.io/name-override, service-account, istio.io/rev,
// the cloud load balancer's service.beta.kubernetes.io settings). What the
// exposures' specs say there is the platform's to say.
func (c Carried) Shared() Carried {
	keep := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			if !infrastructureKey(k) {
				out[k] = v
			}
		}
		return out
	}
	return Carried{Labels: keep(c.Labels), Annotations: keep(c.Annotations)}
}

// infrastructureKey says whether label or annotation key k is in a domain
// of Argo CD, Istio or Kubernetes (but app.kubernetes.io), or is Istio's
// istio-injection.
func infrastructureKey(k string) bool {
	domain, _, ok := strings.Cut(k, "/")
	if !ok {
		return k == "istio-injection"
	}
	in := func(d string) bool { return domain == d || strings.HasSuffix(domain, "."+d) }
	return domain != "app.kubernetes.io" && (in("argoproj.io") || in("istio.io") || in("kubernetes.io") || in("k8s.io"))
}

// Grant is what a ReferenceGrant in Namespace allows the routes of an
// exposure: sending to these Services there. From are the kinds of its
// routes that send there, in the order of RouteKind.
type Grant struct {
	Namespace string
	Services  []string
	From      []RouteKind
}

// RouteKind is a kind of Gateway API route an exposure renders.
type RouteKind int

// The kinds of routes of an exposure, with the Gateway API: its
// HTTPRoutes, the TLSRoute of passthrough, its TCPRoutes.
const (
	HTTPRoutes RouteKind = iota
	TLSRoutes
	TCPRoutes
)

// Grants are the ReferenceGrants x's routes need (the Gateway API allows
// a route to send to a Service of another namespace only if that
// namespace grants it), one per namespace, in order; none but with the
// Gateway API.
func (x *Exposure) Grants() []Grant {
	if x.API != v1alpha1.APIGatewayAPI {
		return nil
	}
	type grant struct {
		services map[string]bool
		from     [TCPRoutes + 1]bool
	}
	byNS := map[string]*grant{}
	add := func(kind RouteKind, d Destination) {
		if d.Namespace == x.Namespace {
			return
		}
		name := d.Name
		if d.Subset != "" {
			name = SubsetService(d.Name, d.Subset)
		}
		g := byNS[d.Namespace]
		if g == nil {
			g = &grant{services: map[string]bool{}}
			byNS[d.Namespace] = g
		}
		g.services[name] = true
		g.from[kind] = true
	}
	kind := HTTPRoutes
	if x.Passthrough {
		kind = TLSRoutes
	}
	for i := range x.Routes {
		for _, d := range x.Routes[i].Destinations() {
			add(kind, *d)
		}
	}
	for _, r := range x.TCP {
		for _, d := range r.Backends {
			add(TCPRoutes, d)
		}
	}
	var out []Grant
	for _, ns := range slices.Sorted(maps.Keys(byNS)) {
		g := Grant{Namespace: ns, Services: slices.Sorted(maps.Keys(byNS[ns].services))}
		for k, from := range byNS[ns].from {
			if from {
				g.From = append(g.From, RouteKind(k))
			}
		}
		out = append(out, g)
	}
	return out
}

// GrantName is the name of the ReferenceGrants of x: "<namespace>-<name>",
// unique in every namespace (as its Ingress's name).
func (x *Exposure) GrantName() string { return x.Namespace + "-" + x.Name }
