package fn

import (
	"fmt"
	"maps"
	"slices"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// waypointsOf are the waypoints of the namespaces whose Services have mesh
// routing, with the Gateway API in the ambient mesh (none otherwise): the
// mesh HTTPRoute of a Service applies to calls through its namespace's
// waypoint. The gateway's namespace gets none: its Services are the
// gateway's own.
func waypointsOf(srcs []source, p *v1alpha1.ExposurePlatformSpec) ([]*model.Waypoint, []problem) {
	if !p.Waypoints() {
		return nil, nil
	}
	byNS := map[string]*model.Waypoint{}
	var ps []problem
	for _, s := range srcs {
		if !s.x.Mesh {
			continue
		}
		ns := s.x.Service.Namespace
		if ns == p.Gateway.Namespace {
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "mesh"),
				field.Forbidden(field.NewPath("spec", "mesh"), fmt.Sprintf("with the Gateway API in the ambient mesh, mesh routing goes through a waypoint the Service's namespace is labelled to use (%s=%s), and %s is the ingress gateway's namespace, whose Services would use it too: move the Service out of it, or remove mesh",
					v1alpha1.LabelUseWaypoint, v1alpha1.WaypointName, ns)).ErrorBody()))
			continue
		}
		if w, ok := byNS[ns]; ok {
			w.Carried = w.Carried.Common(s.x.Carried)
			continue
		}
		byNS[ns] = &model.Waypoint{Namespace: ns, Owner: model.GatewayOwnerPrefix + ns + "/" + v1alpha1.WaypointName, Carried: s.x.Carried}
	}
	var out []*model.Waypoint
	for _, ns := range slices.Sorted(maps.Keys(byNS)) {
		out = append(out, byNS[ns])
	}
	return out, ps
}

// useWaypoints renders waypoints ws and labels their namespaces to use
// them: the input's Namespace, or the one krm-fn renders (in out) for the
// platform's injection, else a Namespace of its own. A namespace labelled
// to use another waypoint is an error.
func useWaypoints(items []*yaml.RNode, out []generated, ws []*model.Waypoint, srcs []source) ([]generated, []problem, error) {
	var ps []problem
	for _, w := range ws {
		out = append(out, generated{kind: emit.KindGatewayAPIGateway, namespace: w.Namespace, name: v1alpha1.WaypointName, owner: w.Owner, waypoint: w})
		if i := slices.IndexFunc(out, func(g generated) bool { return g.kind == emit.KindNamespace && g.name == w.Namespace }); i >= 0 {
			out[i].useWaypoint = true
			continue
		}
		i := slices.IndexFunc(items, func(n *yaml.RNode) bool {
			return n.GetApiVersion() == "v1" && n.GetKind() == "Namespace" && n.GetName() == w.Namespace
		})
		if i < 0 {
			out = append(out, generated{kind: emit.KindNamespace, name: w.Namespace, carried: w.Carried, useWaypoint: true})
			continue
		}
		n := items[i]
		if v, set := n.GetLabels()[v1alpha1.LabelUseWaypoint]; set && v != v1alpha1.WaypointName {
			by := srcs[slices.IndexFunc(srcs, func(s source) bool { return s.x.Mesh && s.x.Service.Namespace == w.Namespace })]
			ps = append(ps, problem{node: n, severity: framework.Error,
				message: fmt.Sprintf("is %q, but the mesh routing of %s goes through the waypoint krm-fn renders here, %q: remove the label, or remove mesh from the exposure", v, describeNode(by.node), v1alpha1.WaypointName)}.
				at(field.NewPath("metadata", "labels").Key(v1alpha1.LabelUseWaypoint)))
			continue
		}
		if err := n.PipeE(yaml.SetLabel(v1alpha1.LabelUseWaypoint, v1alpha1.WaypointName)); err != nil {
			return nil, nil, err
		}
	}
	return out, ps, nil
}
