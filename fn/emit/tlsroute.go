package emit

import (
	"github.com/krmfn/krm-fn/fn/model"
	gwapiv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// TLSRoute builds the TLSRoute of passthrough exposure x: its hosts as the
// SNI hostnames, attached to their TLS listeners in Passthrough mode (by
// sectionName, one per host), its one rule sending the connections, TLS
// and all, to its route's backends by weight.
func TLSRoute(x *model.Exposure) *gwapiv1.TLSRoute {
	var spec gwapiv1.TLSRouteSpec
	for _, h := range x.Hosts {
		spec.Hostnames = append(spec.Hostnames, gwapiv1.Hostname(h))
		spec.ParentRefs = append(spec.ParentRefs, gatewayParent(x, model.PassthroughListenerName(h)))
	}
	spec.Rules = []gwapiv1.TLSRouteRule{{BackendRefs: backendRefs(x.Routes[0].Backends, x.Namespace)}}
	return &gwapiv1.TLSRoute{
		TypeMeta:   KindTLSRoute.TypeMeta(),
		ObjectMeta: ownedMeta(x.Owner, x.Carried, x.Name, x.Namespace),
		Spec:       spec,
	}
}
