package emit

import (
	"github.com/krmfn/krm-fn/fn/model"
	gwapiv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// TCPRoute builds the TCPRoute of x's tcp route r: attached to the TCP
// listener of r's gateway port (by sectionName: a route without one would
// take every TCP listener that allows its namespace), its one rule sending
// the connections to r's backends by weight, a subset as the Service that
// stands for it.
func TCPRoute(x *model.Exposure, r model.TCPRoute) *gwapiv1.TCPRoute {
	return &gwapiv1.TCPRoute{
		TypeMeta:   KindTCPRoute.TypeMeta(),
		ObjectMeta: ownedMeta(x.Owner, x.Carried, x.TCPRouteName(r.Port), x.Namespace),
		Spec: gwapiv1.TCPRouteSpec{
			CommonRouteSpec: gwapiv1.CommonRouteSpec{ParentRefs: []gwapiv1.ParentReference{gatewayParent(x, model.TCPListenerName(r.Port))}},
			Rules:           []gwapiv1.TCPRouteRule{{BackendRefs: backendRefs(r.Backends, x.Namespace)}},
		},
	}
}

// gatewayParent is the reference of a route of x to the listener of the
// platform's Gateway named section.
func gatewayParent(x *model.Exposure, section string) gwapiv1.ParentReference {
	p := gwapiv1.ParentReference{Name: gwapiv1.ObjectName(x.Gateway.Name), SectionName: ptr(gwapiv1.SectionName(section))}
	if x.Gateway.Namespace != x.Namespace {
		p.Namespace = ptr(gwapiv1.Namespace(x.Gateway.Namespace))
	}
	return p
}

// backendRefs are the backends of a TCPRoute's or TLSRoute's rule, from
// namespace ns: as an HTTPRoute's, a lone one without weight, else every
// weight written (0 too: the Gateway API's default is 1).
func backendRefs(ds []model.Destination, ns string) []gwapiv1.BackendRef {
	var out []gwapiv1.BackendRef
	for _, d := range ds {
		ref := gwapiv1.BackendRef{BackendObjectReference: backendObject(d, ns)}
		if len(ds) > 1 {
			ref.Weight = ptr(d.Weight)
		}
		out = append(out, ref)
	}
	return out
}
