package emit

import (
	"github.com/krmfn/krm-fn/fn/model"
	networking "istio.io/api/networking/v1"
)

// DestinationRule builds the DestinationRule of x: the Service's FQDN, its
// subsets and the trafficPolicy passed through.
func DestinationRule(x *model.Exposure) *IstioObject {
	dr := &networking.DestinationRule{
		Host:          x.Service.FQDN,
		TrafficPolicy: x.Policy,
		ExportTo:      x.DestinationRuleExportTo(),
	}
	for _, s := range x.Subsets {
		dr.Subsets = append(dr.Subsets, &networking.Subset{Name: s.Name, Labels: s.Labels})
	}
	return &IstioObject{
		TypeMeta:   KindDestinationRule.TypeMeta(),
		ObjectMeta: ownedMeta(x.Owner, x.Carried, x.Name, x.Namespace),
		Spec:       IstioSpec{dr},
	}
}
