package fn

import (
	"cmp"
	"slices"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// plan is what a run renders for an environment, before anything is
// built: the objects, in output order, each with its builder; the labels
// it sets on the input's items; and the items that pass through.
type plan struct {
	env     *model.Environment
	in      *input
	objects []planned
	labels  []setLabel
	items   []*yaml.RNode
	// owners are those whose earlier rendering this run replaces: every
	// exposure, shared host, Gateway and waypoint it renders.
	owners map[string]bool
}

// planned is an object of the plan: what orders and identifies it in the
// output, and its builder, called only when the object is written, so
// that a large environment's objects are never all in memory at once.
type planned struct {
	kind            emit.Kind
	namespace, name string
	owner           string // its owner annotation; "" for a Namespace
	// build builds the object: the builder of its kind (package emit)
	// that objectsOf, sharedHostObjects and newPlan name for it.
	build func() emit.Object
}

// setLabel is a label the plan sets on an item of the input: on a
// Namespace (template nil), or on the pod template at template.
type setLabel struct {
	node       *yaml.RNode
	template   []string
	key, value string
}

// newPlan plans what env renders with the input in: the objects, the
// labels on the input's Namespaces and pod templates that the mesh needs,
// and the items that pass through (without the earlier rendering this run
// replaces).
func newPlan(env *model.Environment, in *input) *plan {
	p := &plan{env: env, in: in, owners: map[string]bool{}}
	for _, x := range env.Exposures {
		p.owners[x.Owner] = true
		p.objects = append(p.objects, objectsOf(x)...)
	}
	for _, h := range env.SharedHosts {
		p.owners[h.Owner] = true
		p.objects = append(p.objects, sharedHostObjects(h, env.Platform)...)
	}
	if g := env.TLSGateway; g != nil {
		p.owners[g.Owner] = true
		if env.Platform.API != v1alpha1.APIGatewayAPI {
			p.objects = append(p.objects, planned{kind: emit.KindGateway, namespace: g.Namespace, name: g.Name, owner: g.Owner,
				build: func() emit.Object { return emit.TLSGateway(g) }})
		}
		if c, ok := g.Certificate(); ok {
			p.objects = append(p.objects, certificate(c))
		}
	}
	if g := env.Gateway; g != nil {
		p.owners[g.Owner] = true
		p.objects = append(p.objects, planned{kind: emit.KindGatewayAPIGateway, namespace: g.Namespace, name: g.Name, owner: g.Owner,
			build: func() emit.Object { return emit.GatewayAPIGateway(g) }})
		if g.Redirect {
			p.objects = append(p.objects, planned{kind: emit.KindHTTPRoute, namespace: g.Namespace, name: model.RedirectRouteName(g.Name), owner: g.Owner,
				build: func() emit.Object { return emit.HTTPSRedirectRoute(g) }})
		}
	}
	for _, ns := range env.Namespaces {
		if n := in.namespaces[ns.Name]; n != nil {
			for _, l := range ns.Labels {
				p.labels = append(p.labels, setLabel{node: n, key: l.Key, value: l.Value})
			}
			continue
		}
		p.objects = append(p.objects, planned{kind: emit.KindNamespace, name: ns.Name,
			build: func() emit.Object { return emit.Namespace(ns) }})
	}
	for _, w := range env.Waypoints {
		p.owners[w.Owner] = true
		p.objects = append(p.objects, planned{kind: emit.KindGatewayAPIGateway, namespace: w.Namespace, name: v1alpha1.WaypointName, owner: w.Owner,
			build: func() emit.Object { return emit.Waypoint(w) }})
	}
	slices.SortStableFunc(p.objects, func(a, b planned) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
	})
	p.labels = append(p.labels, podLabels(env, in)...)
	for _, n := range in.rest {
		if !p.replaces(n) {
			p.items = append(p.items, n)
		}
	}
	return p
}

// objectsOf lists the objects exposure x renders (those of the shared
// hosts it claims are sharedHostObjects').
func objectsOf(x *model.Exposure) []planned {
	own := func(kind emit.Kind, namespace, name string, build func() emit.Object) planned {
		return planned{kind: kind, namespace: namespace, name: name, owner: x.Owner, build: build}
	}
	out := make([]planned, 0, 6)
	if x.API == v1alpha1.APIGatewayAPI {
		// Its HTTPRoutes (a TLSRoute with passthrough), a TCPRoute per
		// tcp route, a Service (and, for a trafficPolicy, a
		// DestinationRule) per subset routed to, the ReferenceGrants its
		// routes need, and, as with Istio's API, its Service and the
		// Ingress of its own hosts.
		if x.Policy != nil {
			out = append(out, own(emit.KindDestinationRule, x.Namespace, x.Name, func() emit.Object { return emit.DestinationRule(x) }))
		}
		if len(x.Hosts)+len(x.SharedHosts) > 0 && !x.Passthrough {
			out = append(out, own(emit.KindHTTPRoute, x.Namespace, x.Name, func() emit.Object { return emit.HTTPRoute(x) }))
		}
		if x.Passthrough && x.TLS != nil && len(x.Routes) > 0 {
			out = append(out, own(emit.KindTLSRoute, x.Namespace, x.Name, func() emit.Object { return emit.TLSRoute(x) }))
		}
		for _, r := range x.TCP {
			out = append(out, own(emit.KindTCPRoute, x.Namespace, x.TCPRouteName(r.Port), func() emit.Object { return emit.TCPRoute(x, r) }))
		}
		if len(x.Hosts) > 0 && x.LoadBalancer == v1alpha1.LoadBalancerALB {
			out = append(out, own(emit.KindIngress, x.Ingress.Namespace, x.Ingress.Name, func() emit.Object { return emit.Ingress(x) }))
		}
		if x.Mesh {
			out = append(out, own(emit.KindHTTPRoute, x.Namespace, x.MeshName(), func() emit.Object { return emit.MeshHTTPRoute(x) }))
		}
		for _, c := range x.Certificates() {
			out = append(out, certificate(c))
		}
		if x.Service.Create {
			out = append(out, own(emit.KindService, x.Service.Namespace, x.Service.Name, func() emit.Object { return emit.Service(x) }))
		}
		for _, sub := range x.SubsetServices() {
			out = append(out, own(emit.KindService, x.Service.Namespace, model.SubsetService(x.Service.Name, sub.Name), func() emit.Object { return emit.SubsetService(x, sub) }))
			if x.Policy != nil {
				out = append(out, own(emit.KindDestinationRule, x.Namespace, model.SubsetService(x.Name, sub.Name), func() emit.Object { return emit.SubsetDestinationRule(x, sub.Name) }))
			}
		}
		for _, g := range x.Grants() {
			out = append(out, own(emit.KindReferenceGrant, g.Namespace, x.GrantName(), func() emit.Object { return emit.ReferenceGrant(x, g) }))
		}
		return out
	}
	// Istio's API: its DestinationRule, for its hosts and tcp routes a
	// Gateway (behind an ALB that re-encrypts, the environment's
	// TLSGateway serves its hosts) and VirtualService, for its hosts an
	// Ingress (with an ALB) and the Certificates of its Secrets, its mesh
	// VirtualService and its Service.
	out = append(out, own(emit.KindDestinationRule, x.Namespace, x.Name, func() emit.Object { return emit.DestinationRule(x) }))
	if x.HasGateway() {
		out = append(out, own(emit.KindGateway, x.Namespace, x.Gateway.Name, func() emit.Object { return emit.Gateway(x) }))
	}
	if x.HasRouting() {
		out = append(out, own(emit.KindVirtualService, x.Namespace, x.Name, func() emit.Object { return emit.VirtualService(x) }))
	}
	if len(x.Hosts) > 0 && x.LoadBalancer == v1alpha1.LoadBalancerALB {
		out = append(out, own(emit.KindIngress, x.Ingress.Namespace, x.Ingress.Name, func() emit.Object { return emit.Ingress(x) }))
	}
	for _, c := range x.Certificates() {
		out = append(out, certificate(c))
	}
	if x.Mesh {
		out = append(out, own(emit.KindVirtualService, x.Namespace, x.MeshName(), func() emit.Object { return emit.MeshVirtualService(x) }))
	}
	if x.Service.Create {
		out = append(out, own(emit.KindService, x.Service.Namespace, x.Service.Name, func() emit.Object { return emit.Service(x) }))
	}
	return out
}

// sharedHostObjects lists the objects of shared host h: its Gateway,
// VirtualService and Ingress; with the Gateway API, its Ingress alone (the
// HTTPRoutes of the exposures that claim it name it, and the Gateway
// merges them).
//
// With an ALB, the host's Ingress; behind an ALB that re-encrypts, the
// environment's TLSGateway serves the host instead of a Gateway of its
// own; with TLS ended at the gateway and an issuer, the Certificate of
// its Secret.
func sharedHostObjects(h *model.SharedHost, p *v1alpha1.ExposurePlatformSpec) []planned {
	own := func(kind emit.Kind, build func() emit.Object) planned {
		return planned{kind: kind, namespace: h.Ingress.Namespace, name: h.Name, owner: h.Owner, build: build}
	}
	var out []planned
	if p.API != v1alpha1.APIGatewayAPI {
		if !h.ALBReencrypts {
			out = append(out, own(emit.KindGateway, func() emit.Object { return emit.SharedGateway(h, p) }))
		}
		out = append(out, own(emit.KindVirtualService, func() emit.Object { return emit.SharedVirtualService(h) }))
	}
	if p.Ingresses() {
		out = append(out, own(emit.KindIngress, func() emit.Object { return emit.SharedIngress(h) }))
	}
	if c, ok := h.Certificate(p); ok {
		out = append(out, certificate(c))
	}
	return out
}

// certificate plans the Certificate c.
func certificate(c model.Certificate) planned {
	return planned{kind: emit.KindCertificate, namespace: c.Namespace, name: c.Secret, owner: c.Owner,
		build: func() emit.Object { return emit.Certificate(c) }}
}

// podLabels are the labels the platform's workload injection sets on the
// pod templates of the input's workloads whose pods the Services krm-fn
// creates select (the checks refuse those whose labels contradict it).
func podLabels(env *model.Environment, in *input) []setLabel {
	key, value, labelling := env.Platform.PodLabel()
	if !labelling {
		return nil
	}
	var out []setLabel
	for _, x := range env.Exposures {
		if !x.Injected {
			continue
		}
		sel := labels.SelectorFromSet(x.Service.Selector)
		for _, it := range in.workloads[x.Service.Namespace] {
			path := podTemplates[it.GetKind()]
			if l, ok := templateLabels(it, path); ok && sel.Matches(labels.Set(l)) {
				out = append(out, setLabel{node: it, template: path, key: key, value: value})
			}
		}
	}
	return out
}

// replaces says whether n, an item of the input, is what an earlier run
// rendered for an owner this run renders for: marked with its owner
// annotation, of a kind krm-fn renders with an owner, and with krm-fn's
// managed-by label (the checks refuse what is marked but not so).
func (p *plan) replaces(n *yaml.RNode) bool {
	if !p.owners[n.GetAnnotations()[v1alpha1.AnnotationOwner]] {
		return false
	}
	k, ok := emit.KindOf(n.GetApiVersion(), n.GetKind())
	return ok && k.Owned() && n.GetLabels()[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue
}
