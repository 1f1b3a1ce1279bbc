package emit

import (
	"github.com/krmfn/krm-fn/fn/model"
	networking "istio.io/api/networking/v1"
)

// The one server of every Gateway: plain HTTP, since TLS ends at the ALB.
const (
	gatewayServerPortName = "http"
	gatewayServerProtocol = "HTTP"
)

// Gateway builds the Istio Gateway of x: one plain HTTP server for all of
// its hosts. TLS ends at the ALB, so the Gateway never redirects to HTTPS
// itself (behind the ALB that would loop).
func Gateway(x *model.Exposure) *IstioObject {
	return &IstioObject{
		TypeMeta:   KindGateway.TypeMeta(),
		ObjectMeta: ownedMeta(x, x.Gateway.Name, x.Namespace),
		Spec: &networking.Gateway{
			Selector: x.Gateway.Selector,
			Servers: []*networking.Server{{
				Port: &networking.Port{
					Number:   uint32(x.Gateway.Port),
					Name:     gatewayServerPortName,
					Protocol: gatewayServerProtocol,
				},
				Hosts: x.Hosts,
			}},
		},
	}
}
