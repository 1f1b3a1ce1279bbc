package fn

import (
	"fmt"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// meshInGatewayNamespace checks that no exposure with mesh routing, with
// the Gateway API in the ambient mesh, has its Service in the gateway's
// namespace: its mesh routing goes through a waypoint the Service's
// namespace is labelled to use (model.Environment.Waypoints), and the
// gateway's Services would use it too.
func meshInGatewayNamespace(p *plan, xs exposures) []problem {
	platform := p.env.Platform
	if !platform.Waypoints() {
		return nil
	}
	var ps []problem
	for _, s := range xs.list {
		if ns := s.x.Service.Namespace; s.x.Mesh && ns == platform.Gateway.Namespace {
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "mesh"),
				field.Forbidden(field.NewPath("spec", "mesh"), fmt.Sprintf("with the Gateway API in the ambient mesh, mesh routing goes through a waypoint the Service's namespace is labelled to use (%s=%s), and %s is the ingress gateway's namespace, whose Services would use it too: move the Service out of it, or remove mesh",
					v1alpha1.LabelUseWaypoint, v1alpha1.WaypointName, ns)).ErrorBody()))
		}
	}
	return ps
}

// waypointLabels checks that the input's Namespaces krm-fn labels to use
// their waypoint are labelled to use no other.
func waypointLabels(p *plan, xs exposures) []problem {
	var ps []problem
	for _, ns := range p.env.Namespaces {
		n := p.in.namespaces[ns.Name]
		if n == nil {
			continue
		}
		for _, l := range ns.Labels {
			if v, set := n.GetLabels()[l.Key]; l.Key == v1alpha1.LabelUseWaypoint && set && v != l.Value {
				ps = append(ps, problem{node: n, severity: framework.Error,
					message: fmt.Sprintf("is %q, but the mesh routing of %s goes through the waypoint krm-fn renders here, %q: remove the label, or remove mesh from the exposure", v, xs.describe(l.For), l.Value)}.
					at(field.NewPath("metadata", "labels").Key(l.Key)))
			}
		}
	}
	return ps
}
