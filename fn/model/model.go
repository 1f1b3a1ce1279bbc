// Package model is the resolved model of an exposure: one ServiceExposure
// under its ExposurePlatform, with every host, name, port, duration and
// annotation the builders (package emit) need computed once, by Resolve;
// and of a host several exposures share (SharedHost). The builders read
// only this.
package model

import (
	"slices"
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
	// to it. Its DestinationRule must then apply in the gateway's
	// namespace.
	GatewayRouted bool

	Service  Service
	Routes   []Route
	Subsets  []v1alpha1.Subset
	Policy   *networking.TrafficPolicy
	Gateway  Gateway
	Ingress  Ingress
	Injected bool // whether the platform's injection applies to the Service's pods
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
	Host   string // the Service's FQDN
	Port   int32  // 0 until the port of another Service is found (OtherService)
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

// Gateway is the Istio Gateway of the exposure.
type Gateway struct {
	Name     string
	Selector map[string]string
	Port     int32
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
	Name    string  // of its Gateway, VirtualService and Ingress
	Owner   string  // the owner annotation value, "host:<host>"
	Carried Carried // what every exposure that claims it carries
	Routes  []Route
	Gateway Gateway
	Ingress Ingress
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
