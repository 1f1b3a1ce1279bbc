package fn

import (
	networking "istio.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// buildDestinationRule builds the DestinationRule of x: the Service's FQDN,
// its subsets and the trafficPolicy passed through.
func buildDestinationRule(x *exposure) *istioObject {
	dr := &networking.DestinationRule{
		Host:          x.service.fqdn,
		TrafficPolicy: x.policy,
	}
	for _, s := range x.subsets {
		dr.Subsets = append(dr.Subsets, &networking.Subset{Name: s.Name, Labels: s.Labels})
	}
	return &istioObject{
		TypeMeta:   metav1.TypeMeta{APIVersion: istioNetworkingV1, Kind: "DestinationRule"},
		ObjectMeta: ownedMeta(x, x.name, x.namespace),
		Spec:       dr,
	}
}
