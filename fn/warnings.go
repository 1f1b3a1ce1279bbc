package fn

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// warnings are the settings that render but will not do what they say.
// They are reported and do not fail the run.
func warnings(srcs []source, p *ExposurePlatformSpec) framework.Results {
	var rs framework.Results
	for _, s := range srcs {
		x := s.x
		// The sidecar speaks HTTP/2 to an http2 app whatever the ALB sends;
		// gRPC needs HTTP/2 (and trailers) all the way from the client.
		if x.service.protocol == ProtocolGRPC && x.ingress.annotations[albBackendProtoVer] == "" {
			rs = append(rs, result(s.node, framework.Warning, "spec.service.protocol",
				fmt.Sprintf("gRPC clients outside the cluster need HTTP/2 end to end, but the ALB forwards HTTP/1.1 to the gateway unless %s is set (spec.ingress.annotations); see docs/design.md", albBackendProtoVer)))
		}
		// Istio looks a DestinationRule up in the client's namespace (the
		// gateway's) and the Service's; one elsewhere does not apply.
		if (len(x.subsets) > 0 || x.policy != nil) && x.namespace != x.service.namespace && x.namespace != p.Gateway.Namespace {
			rs = append(rs, result(s.node, framework.Warning, "metadata.namespace",
				fmt.Sprintf("the DestinationRule goes to namespace %s, where the ingress gateway does not look for it (it looks in %s and %s): its subsets and trafficPolicy will not apply; put the exposure in namespace %s",
					x.namespace, p.Gateway.Namespace, x.service.namespace, x.service.namespace)))
		}
	}
	return rs
}
