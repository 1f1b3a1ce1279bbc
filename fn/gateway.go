package fn

import (
	networking "istio.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// buildGateway builds the Istio Gateway of x: one plain HTTP server for all
// of its hosts. TLS ends at the ALB, so the Gateway never redirects to
// HTTPS itself (behind the ALB that would loop).
func buildGateway(x *exposure) *istioObject {
	return &istioObject{
		TypeMeta:   metav1.TypeMeta{APIVersion: istioNetworkingV1, Kind: "Gateway"},
		ObjectMeta: ownedMeta(x, x.gateway.name, x.namespace),
		Spec: &networking.Gateway{
			Selector: x.gateway.selector,
			Servers: []*networking.Server{{
				Port: &networking.Port{
					Number:   uint32(x.gateway.port),
					Name:     gatewayServerPortName,
					Protocol: gatewayServerProtocol,
				},
				Hosts: x.hosts,
			}},
		},
	}
}
