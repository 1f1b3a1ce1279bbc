package emit

import (
	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	networking "istio.io/api/networking/v1"
)

// DestinationRule builds the DestinationRule of x: the Service's FQDN, its
// subsets and the trafficPolicy passed through. With the Gateway API,
// which has no subsets (they are Services of their own, SubsetService),
// it is the trafficPolicy's alone.
func DestinationRule(x *model.Exposure) *IstioObject {
	var subsets []*networking.Subset
	if x.API != v1alpha1.APIGatewayAPI {
		for _, s := range x.Subsets {
			subsets = append(subsets, &networking.Subset{Name: s.Name, Labels: s.Labels})
		}
	}
	return destinationRule(x, x.Name, x.Service.FQDN, subsets)
}

// SubsetDestinationRule builds the DestinationRule of the Service that
// stands for subset of x's Service with the Gateway API: x's
// trafficPolicy, for the requests routed to the subset too.
func SubsetDestinationRule(x *model.Exposure, subset string) *IstioObject {
	name := model.SubsetService(x.Service.Name, subset)
	return destinationRule(x, model.SubsetService(x.Name, subset), model.FQDN(name, x.Service.Namespace), nil)
}

// destinationRule builds a DestinationRule of x: the trafficPolicy's enum
// fields set to their zero value written out, as the spec wrote them.
func destinationRule(x *model.Exposure, name, host string, subsets []*networking.Subset) *IstioObject {
	return &IstioObject{
		TypeMeta:   KindDestinationRule.TypeMeta(),
		ObjectMeta: ownedMeta(x.Owner, x.Carried, name, x.Namespace),
		Spec: IstioSpec{WithZeroEnums(&networking.DestinationRule{
			Host:          host,
			TrafficPolicy: x.Policy,
			ExportTo:      x.DestinationRuleExportTo(),
			Subsets:       subsets,
		}, x.PolicyZeroEnums, "trafficPolicy")},
	}
}
