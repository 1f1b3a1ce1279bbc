package fn

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/fn/model"
	corev1 "k8s.io/api/core/v1"
)

// generated is an object the function generates, with what orders and
// identifies it in the output. It is built only when it is written (by
// object), so that a large environment's objects are never all in memory
// at once.
type generated struct {
	kind            emit.Kind
	namespace, name string
	owner           string            // its owner annotation; "" for a Namespace
	x               *model.Exposure   // the exposure it is built from, if any
	mesh            bool              // the VirtualService of x inside the mesh
	shared          *model.SharedHost // the shared host it is built from, if any
	carried         model.Carried     // a Namespace's: what the exposures with a Service in it carry
	subset          *v1alpha1.Subset  // the subset of x's Service it stands for (Gateway API), if any
	grant           *model.Grant      // the ReferenceGrant of x it is, if any
	gateway         *model.PlatformGateway
	label           [2]string // a Namespace's: the mesh label (key, value) the platform's injection sets
	useWaypoint     bool      // a Namespace's: labelled to use its waypoint (Gateway API, ambient)
	waypoint        *model.Waypoint
}

// generatedBy lists the objects exposure x generates (those of the shared
// hosts it claims are sharedObjects').
func generatedBy(x *model.Exposure) []generated {
	var gen []generated
	if x.API == v1alpha1.APIGatewayAPI {
		gen = gatewayAPIGeneratedBy(x)
	} else {
		gen = istioGeneratedBy(x)
	}
	for i := range gen {
		gen[i].owner, gen[i].x = x.Owner, x
	}
	return gen
}

// istioGeneratedBy lists the objects exposure x generates with Istio's
// API: its DestinationRule, for its hosts a Gateway, VirtualService and
// Ingress, its mesh VirtualService and its Service.
func istioGeneratedBy(x *model.Exposure) []generated {
	gen := []generated{{kind: emit.KindDestinationRule, namespace: x.Namespace, name: x.Name}}
	if len(x.Hosts) > 0 {
		gen = append(gen,
			generated{kind: emit.KindGateway, namespace: x.Namespace, name: x.Gateway.Name},
			generated{kind: emit.KindVirtualService, namespace: x.Namespace, name: x.Name},
			generated{kind: emit.KindIngress, namespace: x.Ingress.Namespace, name: x.Ingress.Name})
	}
	if x.Mesh {
		gen = append(gen, generated{kind: emit.KindVirtualService, namespace: x.Namespace, name: x.MeshName(), mesh: true})
	}
	if x.Service.Create {
		gen = append(gen, generated{kind: emit.KindService, namespace: x.Service.Namespace, name: x.Service.Name})
	}
	return gen
}

// gatewayAPIGeneratedBy lists the objects exposure x generates with the
// Gateway API: its HTTPRoutes, a Service (and, for a trafficPolicy, a
// DestinationRule) per subset routed to, the ReferenceGrants its routes
// need, and, as with Istio's API, its Service and the Ingress of its own
// hosts.
func gatewayAPIGeneratedBy(x *model.Exposure) []generated {
	var gen []generated
	if x.Policy != nil {
		gen = append(gen, generated{kind: emit.KindDestinationRule, namespace: x.Namespace, name: x.Name})
	}
	if len(x.Hosts)+len(x.SharedHosts) > 0 {
		gen = append(gen, generated{kind: emit.KindHTTPRoute, namespace: x.Namespace, name: x.Name})
	}
	if len(x.Hosts) > 0 {
		gen = append(gen, generated{kind: emit.KindIngress, namespace: x.Ingress.Namespace, name: x.Ingress.Name})
	}
	if x.Mesh {
		gen = append(gen, generated{kind: emit.KindHTTPRoute, namespace: x.Namespace, name: x.MeshName(), mesh: true})
	}
	if x.Service.Create {
		gen = append(gen, generated{kind: emit.KindService, namespace: x.Service.Namespace, name: x.Service.Name})
	}
	for _, sub := range x.SubsetServices() {
		gen = append(gen, generated{kind: emit.KindService, namespace: x.Service.Namespace, name: model.SubsetService(x.Service.Name, sub.Name), subset: &sub})
		if x.Policy != nil {
			gen = append(gen, generated{kind: emit.KindDestinationRule, namespace: x.Namespace, name: model.SubsetService(x.Name, sub.Name), subset: &sub})
		}
	}
	for _, g := range x.Grants() {
		gen = append(gen, generated{kind: emit.KindReferenceGrant, namespace: g.Namespace, name: x.GrantName(), grant: &g})
	}
	return gen
}

// platformGateway lists the Gateway API Gateway of the environment, if
// any exposure has hosts.
func platformGateway(srcs []source, p *v1alpha1.ExposurePlatformSpec) []generated {
	if p.API != v1alpha1.APIGatewayAPI {
		return nil
	}
	g := &model.PlatformGateway{
		Gateway:     model.Gateway{Name: p.Gateway.Name, Namespace: p.Gateway.Namespace, Port: p.Gateway.Port},
		Owner:       model.GatewayOwnerPrefix + p.Gateway.Namespace + "/" + p.Gateway.Name,
		ServiceType: string(corev1.ServiceTypeClusterIP),
	}
	if p.ALB.TargetType == v1alpha1.TargetTypeInstance {
		g.ServiceType = string(corev1.ServiceTypeNodePort)
	}
	namespaces := map[string]bool{}
	first := true
	for _, s := range srcs {
		if len(s.x.Hosts)+len(s.x.SharedHosts) == 0 {
			continue
		}
		namespaces[s.x.Namespace] = true
		if first {
			g.Carried, first = s.x.Carried, false
		} else {
			g.Carried = g.Carried.Common(s.x.Carried)
		}
	}
	if len(namespaces) == 0 {
		return nil
	}
	g.Namespaces = slices.Sorted(maps.Keys(namespaces))
	return []generated{{kind: emit.KindGatewayAPIGateway, namespace: g.Namespace, name: g.Name, owner: g.Owner, gateway: g}}
}

// sharedObjects lists the objects of shared host h: with the Gateway API,
// its Ingress alone (the HTTPRoutes of the exposures that claim it name
// it, and the Gateway merges them).
func sharedObjects(h *model.SharedHost, api v1alpha1.PlatformAPI) []generated {
	if api == v1alpha1.APIGatewayAPI {
		return []generated{{kind: emit.KindIngress, namespace: h.Ingress.Namespace, name: h.Name, owner: h.Owner, shared: h}}
	}
	return []generated{
		{kind: emit.KindGateway, namespace: h.Ingress.Namespace, name: h.Name, owner: h.Owner, shared: h},
		{kind: emit.KindVirtualService, namespace: h.Ingress.Namespace, name: h.Name, owner: h.Owner, shared: h},
		{kind: emit.KindIngress, namespace: h.Ingress.Namespace, name: h.Name, owner: h.Owner, shared: h},
	}
}

// build builds g with its kind's builder; nil for a kind without one.
func (g generated) build() emit.Object {
	switch g.kind {
	case emit.KindNamespace:
		return emit.Namespace(g.name, g.carried, g.namespaceLabels())
	case emit.KindService:
		if g.subset != nil {
			return emit.SubsetService(g.x, *g.subset)
		}
		return emit.Service(g.x)
	case emit.KindGateway:
		if g.shared != nil {
			return emit.SharedGateway(g.shared)
		}
		return emit.Gateway(g.x)
	case emit.KindVirtualService:
		switch {
		case g.shared != nil:
			return emit.SharedVirtualService(g.shared)
		case g.mesh:
			return emit.MeshVirtualService(g.x)
		}
		return emit.VirtualService(g.x)
	case emit.KindDestinationRule:
		if g.subset != nil {
			return emit.SubsetDestinationRule(g.x, g.subset.Name)
		}
		return emit.DestinationRule(g.x)
	case emit.KindGatewayAPIGateway:
		if g.waypoint != nil {
			return emit.Waypoint(g.waypoint)
		}
		return emit.GatewayAPIGateway(g.gateway)
	case emit.KindHTTPRoute:
		if g.mesh {
			return emit.MeshHTTPRoute(g.x)
		}
		return emit.HTTPRoute(g.x)
	case emit.KindReferenceGrant:
		return emit.ReferenceGrant(g.x, *g.grant)
	case emit.KindIngress:
		if g.shared != nil {
			return emit.SharedIngress(g.shared)
		}
		return emit.Ingress(g.x)
	}
	return nil
}

// namespaceLabels are the labels krm-fn gives a Namespace g: the
// platform's injection label, the waypoint's.
func (g generated) namespaceLabels() map[string]string {
	l := map[string]string{}
	if g.label[0] != "" {
		l[g.label[0]] = g.label[1]
	}
	if g.useWaypoint {
		l[v1alpha1.LabelUseWaypoint] = v1alpha1.WaypointName
	}
	return l
}

// object builds g, and checks that it is what g says it is.
func (g generated) object() (any, error) {
	obj := g.build()
	if obj == nil {
		return nil, fmt.Errorf("no builder for kind %d", g.kind)
	}
	kind := obj.GetObjectKind().GroupVersionKind()
	if kind.Kind != g.kind.String() || kind.GroupVersion().String() != g.kind.APIVersion() || obj.GetNamespace() != g.namespace || obj.GetName() != g.name {
		return nil, fmt.Errorf("%s %s %s/%s was built as %s %s/%s",
			g.kind.APIVersion(), g.kind, g.namespace, g.name, kind, obj.GetNamespace(), obj.GetName())
	}
	return obj, nil
}

// sortGenerated orders generated objects by kind, namespace and name.
func sortGenerated(gen []generated) {
	slices.SortStableFunc(gen, func(a, b generated) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
	})
}
