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

// Gateway builds the Istio Gateway of x's own hosts: one plain HTTP server
// for all of them. TLS ends at the ALB, so the Gateway never redirects to
// HTTPS itself (behind the ALB that would loop).
func Gateway(x *model.Exposure) *IstioObject {
	return gateway(x.Owner, x.Carried, x.Gateway, x.Namespace, x.Hosts)
}

// SharedGateway builds the one Gateway of a shared host, in the gateway's
// namespace: no other Gateway serves the host.
func SharedGateway(h *model.SharedHost) *IstioObject {
	return gateway(h.Owner, h.Carried, h.Gateway, h.Ingress.Namespace, []string{h.Host})
}

func gateway(owner string, c model.Carried, g model.Gateway, namespace string, hosts []string) *IstioObject {
	return &IstioObject{
		TypeMeta:   KindGateway.TypeMeta(),
		ObjectMeta: ownedMeta(owner, c, g.Name, namespace),
		Spec: IstioSpec{&networking.Gateway{
			Selector: g.Selector,
			Servers: []*networking.Server{{
				Port: &networking.Port{
					Number:   uint32(g.Port),
					Name:     gatewayServerPortName,
					Protocol: gatewayServerProtocol,
				},
				Hosts: hosts,
			}},
		}},
	}
}
