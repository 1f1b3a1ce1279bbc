package fn

import (
	"fmt"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// reserved reports rendered objects that would create or replace what no
// exposure owns: the platform's ingress gateway Service, the API server's
// Service (default/kubernetes), and the gateway's Namespace (whose pods
// must get no sidecar). Kubernetes' own namespaces are refused by
// validation already.
func reserved(pl *plan, xs exposures) []problem {
	p := pl.env.Platform
	var ps []problem
	for _, g := range pl.objects {
		var msg string
		switch {
		case g.kind == emit.KindService && g.namespace == p.Gateway.Namespace && g.name == p.Gateway.Service:
			msg = fmt.Sprintf("generates Service %s/%s, the platform's ingress gateway Service, which krm-fn never renders: name the exposure's Service otherwise (spec.service.name)", g.namespace, g.name)
		case g.kind == emit.KindService && g.namespace == v1alpha1.APIServerNamespace && g.name == v1alpha1.APIServerService:
			msg = "generates Service default/kubernetes, the Kubernetes API server's Service, which krm-fn never renders: name the exposure's Service otherwise (spec.service.name)"
		default:
			continue
		}
		ps = append(ps, problem{node: xs.ofOwner(g.owner), severity: framework.Error, message: msg}.at(field.NewPath("spec", "service", "name")))
	}
	return ps
}

// notReplaced reports the input's items marked as rendered for an owner
// this run renders for (its owner annotation), which it would replace,
// that krm-fn cannot have rendered: another kind, or without krm-fn's
// managed-by label. The annotation must not let an exposure remove what
// it does not own: such an item is kept, and is a problem.
func notReplaced(p *plan, xs exposures) []problem {
	var ps []problem
	for _, n := range p.items {
		owner := n.GetAnnotations()[v1alpha1.AnnotationOwner]
		if !p.owners[owner] {
			continue
		}
		why := "krm-fn renders no " + n.GetKind()
		if n.GetLabels()[v1alpha1.LabelManagedBy] != v1alpha1.ManagedByValue {
			why = fmt.Sprintf("it lacks the label %s: %s that krm-fn puts on what it renders", v1alpha1.LabelManagedBy, v1alpha1.ManagedByValue)
		}
		ps = append(ps, problem{node: n, severity: framework.Error,
			message: fmt.Sprintf("marks it as rendered by krm-fn for ServiceExposure %s, which a run would replace, but %s: remove the annotation", owner, why)}.
			at(field.NewPath("metadata", "annotations").Key(v1alpha1.AnnotationOwner)))
	}
	return ps
}
