package emit

import (
	"github.com/krmfn/krm-fn/fn/model"
	gwapiv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// routeKinds are the kinds of x's routes, by model.RouteKind.
var routeKinds = [...]Kind{model.HTTPRoutes: KindHTTPRoute, model.TLSRoutes: KindTLSRoute, model.TCPRoutes: KindTCPRoute}

// ReferenceGrant builds the ReferenceGrant in namespace g.Namespace that
// lets x's routes (of the kinds that send there) send to the Services g
// names there.
func ReferenceGrant(x *model.Exposure, g model.Grant) *gwapiv1.ReferenceGrant {
	rg := &gwapiv1.ReferenceGrant{
		TypeMeta:   KindReferenceGrant.TypeMeta(),
		ObjectMeta: ownedMeta(x.Owner, x.Carried, x.GrantName(), g.Namespace),
	}
	for _, k := range g.From {
		rg.Spec.From = append(rg.Spec.From, gwapiv1.ReferenceGrantFrom{Group: gwapiv1.GroupName, Kind: gwapiv1.Kind(routeKinds[k].String()), Namespace: gwapiv1.Namespace(x.Namespace)})
	}
	for _, s := range g.Services {
		rg.Spec.To = append(rg.Spec.To, gwapiv1.ReferenceGrantTo{Group: "", Kind: "Service", Name: ptr(gwapiv1.ObjectName(s))})
	}
	return rg
}
