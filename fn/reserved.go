package fn

import (
	"fmt"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// apiServerService is the Service of the Kubernetes API server.
const apiServerNamespace, apiServerService = "default", "kubernetes"

// reserved reports rendered objects that would create or replace what no
// exposure owns: the platform's ingress gateway Service, the API server's
// Service (default/kubernetes), and the gateway's Namespace (whose pods
// must get no sidecar). Kubernetes' own namespaces are refused by
// validation already.
func reserved(out []generated, p *v1alpha1.ExposurePlatformSpec, byOwner map[string]*yaml.RNode) []problem {
	var ps []problem
	for _, g := range out {
		var msg string
		switch {
		case g.kind == emit.KindService && g.namespace == p.Gateway.Namespace && g.name == p.Gateway.Service:
			msg = fmt.Sprintf("generates Service %s/%s, the platform's ingress gateway Service, which krm-fn never renders: name the exposure's Service otherwise (spec.service.name)", g.namespace, g.name)
		case g.kind == emit.KindService && g.namespace == apiServerNamespace && g.name == apiServerService:
			msg = "generates Service default/kubernetes, the Kubernetes API server's Service, which krm-fn never renders: name the exposure's Service otherwise (spec.service.name)"
		default:
			continue
		}
		ps = append(ps, problem{node: byOwner[g.owner], severity: framework.Error, message: msg}.at(field.NewPath("spec", "service", "name")))
	}
	return ps
}

// replaced splits the input items that pass through (rest) into those an
// earlier run rendered for one of the exposures being expanded (marked
// with its owner annotation), which this run replaces, and the others. An
// item marked so that krm-fn could not have rendered (another kind, or
// without krm-fn's managed-by label) is a problem, not dropped: the
// annotation must not let an exposure remove what it does not own.
func replaced(rest []*yaml.RNode, owned map[string]bool) ([]*yaml.RNode, []problem) {
	var kept []*yaml.RNode
	var ps []problem
	for _, n := range rest {
		owner := n.GetAnnotations()[v1alpha1.AnnotationOwner]
		if !owned[owner] {
			kept = append(kept, n)
			continue
		}
		managed := n.GetLabels()[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue
		if k, ok := emit.KindOf(n.GetApiVersion(), n.GetKind()); ok && k.Owned() && managed {
			continue // replaced by this run's rendering
		}
		why := "krm-fn renders no " + n.GetKind()
		if !managed {
			why = fmt.Sprintf("it lacks the label %s: %s that krm-fn puts on what it renders", v1alpha1.LabelManagedBy, v1alpha1.ManagedByValue)
		}
		ps = append(ps, problem{node: n, severity: framework.Error,
			message: fmt.Sprintf("marks it as rendered by krm-fn for ServiceExposure %s, which a run would replace, but %s: remove the annotation", owner, why)}.
			at(field.NewPath("metadata", "annotations").Key(v1alpha1.AnnotationOwner)))
		kept = append(kept, n)
	}
	return kept, ps
}
