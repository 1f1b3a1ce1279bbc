package fn

import (
	"fmt"
	"slices"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// sharedHostClaims checks the claims of shared hosts (the platform's
// sharedHosts): by an exposure whose routes cannot go there
// (model.Exposure.SharesHosts), and of exactly the requests another
// exposure's claim takes (model.SharedHost.Duplicates).
func sharedHostClaims(env *model.Environment, xs exposures) []problem {
	var ps []problem
	for _, s := range xs.list {
		for j, h := range s.x.SharedHosts {
			switch {
			case s.x.IngressOverrides:
				ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "ingress"),
					fmt.Sprintf("host %q is shared (spec.sharedHosts of the ExposurePlatform), and its one Ingress takes the platform's ALB settings: remove spec.ingress, or the host (spec.hosts[%d])", h, s.x.SharedIndex[j])))
			case s.x.Service.Protocol == v1alpha1.ProtocolGRPC:
				ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "hosts").Index(s.x.SharedIndex[j]),
					fmt.Sprintf("host %q is shared (spec.sharedHosts of the ExposurePlatform), and its one Ingress has the platform's HTTP/1.1 target group, through which gRPC does not pass: give the gRPC service a host of its own", h)))
			}
		}
	}
	for _, h := range env.SharedHosts {
		for _, d := range h.Duplicates {
			ps = append(ps, xs.problem(d.X, framework.Error, field.NewPath("spec", "routes").Index(d.Route).Child("match"),
				fmt.Sprintf("on shared host %q, %s also matches exactly these requests (spec.routes[%d]): a request goes to one route only; give one of them another path, method, headers or query parameters",
					h.Host, xs.describe(d.First.X), d.First.Route)))
		}
	}
	return ps
}

// grpcHealthChecks finds the gRPC exposures whose ALB health check another
// exposure's host "*" would answer. The check of a GRPC target group calls
// the gateway on the traffic port with no host of the exposure's, which
// passes because no route matches (the gateway answers gRPC status 12);
// a VirtualService for every host matches it, and its service answers
// instead.
func grpcHealthChecks(env *model.Environment, xs exposures) []problem {
	anyHost := ""
	for _, h := range env.SharedHosts {
		if h.Host == v1alpha1.AnyHost {
			anyHost = "the platform's shared host \"*\""
		}
	}
	for _, s := range xs.list {
		if slices.Contains(s.x.Hosts, v1alpha1.AnyHost) && anyHost == "" {
			anyHost = "host \"*\" of " + xs.describeNode(s.node)
		}
	}
	if anyHost == "" {
		return nil
	}
	var ps []problem
	for _, s := range xs.list {
		ann := s.x.Ingress.Annotations
		if len(s.x.Hosts) > 0 && ann[v1alpha1.ALBBackendProtoVer] == v1alpha1.BackendProtocolVersionGRPC && ann[v1alpha1.ALBHealthCheckPort] == v1alpha1.HealthCheckPortTrafficPort {
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "service", "protocol"),
				fmt.Sprintf("the ALB's gRPC health check reaches the gateway on the traffic port with no host of this exposure's, and %s routes every request no other host takes, that one too: the target group would never be healthy; set %s: status-port in spec.ingress.annotations",
					anyHost, v1alpha1.ALBHealthCheckPort)))
		}
	}
	return ps
}
