package fn

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio/filters"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/internal/krmio"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// input is a run's input sorted: the function config's mode and platform,
// the exposures to render and the items that pass through, with the
// Namespaces and workloads among them that the platform's injection
// labels.
type input struct {
	platform  *yaml.RNode // nil: the built-in defaults
	exposures []*yaml.RNode
	rest      []*yaml.RNode

	namespaces map[string]*yaml.RNode   // the Namespaces of rest, the first of each name
	workloads  map[string][]*yaml.RNode // the workloads of rest with pod templates (podTemplates), by namespace
}

// read sorts config and items. Any problem it reports is an error: with
// one, nothing else is checked.
func read(config *yaml.RNode, items []*yaml.RNode) (*input, []problem) {
	var probs []problem
	in := &input{}
	var platforms []*yaml.RNode
	generator := false
	for i, it := range items {
		if msg, path := krmio.NotAnObject(it, fmt.Sprintf("item %d of the input", i)); msg != "" {
			probs = append(probs, problem{severity: framework.Error, message: msg}.at(path))
			continue
		}
		if !v1alpha1.InGroup(it.GetApiVersion()) {
			if listHoldsOurs(it) {
				probs = append(probs, problem{node: it, severity: framework.Error,
					message: fmt.Sprintf("item %d of the input is a List holding %s objects, which krm-fn would pass through unexpanded: put them in the ResourceList's own items", i, v1alpha1.Group)}.at(field.NewPath("items")))
				continue
			}
			in.rest = append(in.rest, it)
			continue
		}
		switch v1alpha1.KindOf(it.GetApiVersion(), it.GetKind()) {
		case v1alpha1.KindServiceExposure:
			in.exposures = append(in.exposures, it)
		case v1alpha1.KindExposurePlatform:
			platforms = append(platforms, it)
		default:
			probs = append(probs, problem{node: it, severity: framework.Error, message: unknownKind(it)})
		}
	}

	// Which mode, which platform.
	switch {
	case config == nil || config.IsNilOrEmpty():
	default:
		if msg, path := krmio.NotAnObject(config, "the function config"); msg != "" {
			return nil, append(probs, problem{severity: framework.Error, message: msg}.at(path))
		}
		switch v1alpha1.KindOf(config.GetApiVersion(), config.GetKind()) {
		case v1alpha1.KindExposurePlatform:
			in.platform = config
		case v1alpha1.KindServiceExposure:
			// A generator renders its config only; other exposures pass,
			// as krm-fn configuration, never as cluster objects.
			for _, e := range in.exposures {
				if err := markLocalConfig(e); err != nil {
					return nil, append(probs, problem{node: e, severity: framework.Error, message: err.Error()})
				}
			}
			in.rest = append(in.rest, in.exposures...)
			in.exposures = []*yaml.RNode{config}
			generator = true
		default:
			if config.GetKind() != "" {
				return nil, append(probs, problem{node: config, severity: framework.Error,
					message: fmt.Sprintf("%s %s is not a krm-fn function config: use an %s ExposurePlatform (transformer) or ServiceExposure (generator)",
						config.GetApiVersion(), config.GetKind(), v1alpha1.APIVersion)})
			}
		}
	}
	if in.platform == nil && len(platforms) > 0 {
		in.platform, platforms = platforms[0], platforms[1:]
		if generator {
			// A generator's input is the environment's, which it leaves as
			// it is: under KRM semantics an item left out is deleted. It
			// is marked local configuration, so that kustomize leaves it
			// out of what it builds: no cluster has its CRD.
			if err := markLocalConfig(in.platform); err != nil {
				return nil, append(probs, problem{node: in.platform, severity: framework.Error, message: err.Error()})
			}
			in.rest = append(in.rest, in.platform)
		}
	}
	for _, extra := range platforms {
		probs = append(probs, problem{node: extra, severity: framework.Error,
			message: fmt.Sprintf("one ExposurePlatform renders an environment, and %s already does: remove this one", describeNode(in.platform))})
	}
	in.index()
	return in, probs
}

// index finds the Namespaces and the workloads with pod templates among
// the items that pass through.
func (in *input) index() {
	in.namespaces, in.workloads = map[string]*yaml.RNode{}, map[string][]*yaml.RNode{}
	for _, it := range in.rest {
		if _, ok := podTemplates[it.GetKind()]; ok {
			in.workloads[it.GetNamespace()] = append(in.workloads[it.GetNamespace()], it)
			continue
		}
		if k, ok := emit.KindOf(it.GetApiVersion(), it.GetKind()); !ok || k != emit.KindNamespace {
			continue
		}
		if _, seen := in.namespaces[it.GetName()]; !seen {
			in.namespaces[it.GetName()] = it
		}
	}
}

// podTemplates maps the workload kinds whose pods come from a template to
// the path of that template.
var podTemplates = map[string][]string{
	"Deployment":  {"spec", "template"},
	"StatefulSet": {"spec", "template"},
	"DaemonSet":   {"spec", "template"},
	"ReplicaSet":  {"spec", "template"},
	"Job":         {"spec", "template"},
	"Rollout":     {"spec", "template"}, // Argo Rollouts
	"CronJob":     {"spec", "jobTemplate", "spec", "template"},
}

// markLocalConfig annotates n as local configuration, which kustomize
// (and kpt) leave out of what they build: configuration for functions.
func markLocalConfig(n *yaml.RNode) error {
	if n.GetAnnotations()[filters.LocalConfigAnnotation] == "true" {
		return nil
	}
	return n.PipeE(yaml.SetAnnotation(filters.LocalConfigAnnotation, "true"))
}

// listHoldsOurs says whether n is a List (v1 List, or any *List kind with
// items) with an item of the exposure.krmfn.io group.
func listHoldsOurs(n *yaml.RNode) bool {
	if !strings.HasSuffix(n.GetKind(), "List") {
		return false
	}
	items := n.Field("items")
	if items == nil || items.Value.YNode().Kind != yaml.SequenceNode {
		return false
	}
	for _, it := range items.Value.YNode().Content {
		if it.Kind == yaml.MappingNode && v1alpha1.InGroup(yaml.NewRNode(it).GetApiVersion()) {
			return true
		}
	}
	return false
}

func unknownKind(n *yaml.RNode) string {
	return fmt.Sprintf("%s %s is not a krm-fn kind: use %s ServiceExposure or ExposurePlatform", n.GetApiVersion(), n.GetKind(), v1alpha1.APIVersion)
}
