package fn

import (
	"fmt"
	"strings"

	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/internal/krmio"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// collisions reports planned objects that would overwrite an item that
// passes through or another planned object. The environment's Gateway
// API Gateway and the waypoints are the platform's (the function config's
// node).
func collisions(p *plan, xs exposures) []problem {
	type id struct{ group, kind, namespace, name string }
	seen := map[id]*yaml.RNode{}
	for _, n := range p.items {
		group, _, found := strings.Cut(n.GetApiVersion(), "/")
		if !found {
			group = ""
		}
		seen[id{group, n.GetKind(), n.GetNamespace(), n.GetName()}] = n
	}
	renderedBy := map[id]string{}
	var ps []problem
	for _, g := range p.objects {
		k := id{g.kind.Group(), g.kind.String(), g.namespace, g.name}
		prevOwner, twice := renderedBy[k]
		if !twice {
			renderedBy[k] = g.owner
		}
		prev, inInput := seen[k]
		what := func() string { return krmio.Describe(k.kind, k.namespace, k.name) }
		var msg string
		node, at := xs.ofOwner(g.owner), field.NewPath("metadata", "name")
		switch {
		case g.kind == emit.KindGatewayAPIGateway && inInput && (p.env.Gateway == nil || g.owner != p.env.Gateway.Owner):
			node, at = p.in.platform, field.NewPath("spec", "injection")
			msg = fmt.Sprintf("generates %s, the waypoint of the namespace's mesh routing (api: gateway-api, injection: ambient), which the input already has (%s): remove that object", what(), xs.describeNode(prev))
		case g.kind == emit.KindGatewayAPIGateway && inInput:
			node, at = p.in.platform, field.NewPath("spec", "gateway", "name")
			msg = fmt.Sprintf("generates %s, the environment's Gateway, which the input already has (%s): name the Gateway krm-fn renders otherwise, or remove that object", what(), xs.describeNode(prev))
		case twice && xs.ofOwner(prevOwner) != nil:
			msg = fmt.Sprintf("generates %s, which %s generates too: rename one of them", what(), xs.describeNode(xs.ofOwner(prevOwner)))
		case inInput && g.kind == emit.KindService:
			msg = fmt.Sprintf("generates %s, which the input already has (%s): set spec.service.create: false to use the existing Service", what(), xs.describeNode(prev))
		case inInput:
			msg = fmt.Sprintf("generates %s, which the input already has (%s): rename the exposure or remove that object", what(), xs.describeNode(prev))
		default:
			continue
		}
		ps = append(ps, problem{node: node, severity: framework.Error, message: msg}.at(at))
	}
	return ps
}
