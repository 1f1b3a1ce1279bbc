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

// collisions reports generated objects that would overwrite an object of
// the input or another generated object. The environment's Gateway API
// Gateway is the platform's (node platform).
func collisions(rest []*yaml.RNode, out []generated, srcs []source, platform *yaml.RNode) []problem {
	type id struct{ group, kind, namespace, name string }
	groupOf := func(apiVersion string) string {
		group, _, found := strings.Cut(apiVersion, "/")
		if !found {
			return ""
		}
		return group
	}
	byOwner := map[string]*yaml.RNode{}
	for _, s := range srcs {
		byOwner[s.x.Owner] = s.node
	}
	seen := map[id]*yaml.RNode{}
	for _, n := range rest {
		seen[id{groupOf(n.GetApiVersion()), n.GetKind(), n.GetNamespace(), n.GetName()}] = n
	}
	generatedBy := map[id]string{}
	var ps []problem
	for _, g := range out {
		k := id{groupOf(g.kind.APIVersion()), g.kind.String(), g.namespace, g.name}
		prevOwner, twice := generatedBy[k]
		if !twice {
			generatedBy[k] = g.owner
		}
		prev, inInput := seen[k]
		what := func() string { return krmio.Describe(k.kind, k.namespace, k.name) }
		var msg string
		node, at := byOwner[g.owner], field.NewPath("metadata", "name")
		switch {
		case g.waypoint != nil && inInput:
			node, at = platform, field.NewPath("spec", "injection")
			msg = fmt.Sprintf("generates %s, the waypoint of the namespace's mesh routing (api: gateway-api, injection: ambient), which the input already has (%s): remove that object", what(), describeNode(prev))
		case g.kind == emit.KindGatewayAPIGateway && inInput:
			node, at = platform, field.NewPath("spec", "gateway", "name")
			msg = fmt.Sprintf("generates %s, the environment's Gateway, which the input already has (%s): name the Gateway krm-fn renders otherwise, or remove that object", what(), describeNode(prev))
		case twice && byOwner[prevOwner] != nil:
			msg = fmt.Sprintf("generates %s, which %s generates too: rename one of them", what(), describeNode(byOwner[prevOwner]))
		case inInput && k.kind == "Service":
			msg = fmt.Sprintf("generates %s, which the input already has (%s): set spec.service.create: false to use the existing Service", what(), describeNode(prev))
		case inInput:
			msg = fmt.Sprintf("generates %s, which the input already has (%s): rename the exposure or remove that object", what(), describeNode(prev))
		default:
			continue
		}
		ps = append(ps, problem{node: node, severity: framework.Error, message: msg}.at(at))
	}
	return ps
}
