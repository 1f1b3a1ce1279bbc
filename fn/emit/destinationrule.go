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
	obj := destinationRule(x, x.Name, x.Service.FQDN)
	if x.API != v1alpha1.APIGatewayAPI {
		dr := obj.Spec.Message.(*networking.DestinationRule)
		for _, s := range x.Subsets {
			dr.Subsets = append(dr.Subsets, &networking.Subset{Name: s.Name, Labels: s.Labels})
		}
	}
	return obj
}

// SubsetDestinationRule builds the DestinationRule of the Service that
// stands for subset of x's Service with the Gateway API: x's
// trafficPolicy, for the requests routed to the subset too.
func SubsetDestinationRule(x *model.Exposure, subset string) *IstioObject {
	name := model.SubsetService(x.Service.Name, subset)
	return destinationRule(x, model.SubsetService(x.Name, subset), model.FQDN(name, x.Service.Namespace))
}

func destinationRule(x *model.Exposure, name, host string) *IstioObject {
	return &IstioObject{
		TypeMeta:   KindDestinationRule.TypeMeta(),
		ObjectMeta: ownedMeta(x.Owner, x.Carried, name, x.Namespace),
		Spec: IstioSpec{&networking.DestinationRule{
			Host:          host,
			TrafficPolicy: x.Policy,
			ExportTo:      x.DestinationRuleExportTo(),
		}},
	}
}
