package fn

import (
	"fmt"
	"maps"
	"slices"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/fn/model"
	"istio.io/api/label"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// workloadInjectValue is the sidecar.istio.io/inject label's value that
// asks for a sidecar.
const workloadInjectValue = "true"

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

// injectNamespaces labels the namespace of every Service the function
// creates with istio-injection: enabled: the Namespace object when the
// input has it, else a new Namespace it returns. The gateway's namespace
// (gateway) is never labelled: its pods must get no sidecar.
func injectNamespaces(items []*yaml.RNode, srcs []source, gateway string) ([]generated, []problem, error) {
	needed := map[string]source{}
	var ps []problem
	for _, s := range srcs {
		ns := s.x.Service.Namespace
		if _, ok := needed[ns]; !s.x.Injected || ok {
			continue
		}
		if ns == gateway {
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "service", "namespace"),
				fmt.Sprintf("the platform (injection: namespace) would label namespace %s istio-injection=enabled for the Service this exposure creates, and %s is the ingress gateway's namespace, whose pods must get no sidecar: put the Service in a namespace of its own, or set spec.service.create: false", ns, ns)))
			continue
		}
		needed[ns] = s
	}
	for _, it := range items {
		s, ok := needed[it.GetName()]
		if !ok || it.GetKind() != "Namespace" || it.GetApiVersion() != "v1" {
			continue
		}
		delete(needed, it.GetName())
		if v, set := it.GetLabels()[v1alpha1.LabelIstioInjection]; set && v != emit.InjectionEnabled {
			ps = append(ps, problem{node: it, severity: framework.Error,
				message: fmt.Sprintf("is %q, but the platform (injection: namespace) injects sidecars here for %s: remove the label, or set spec.injection in the ExposurePlatform",
					v, describeNode(s.node))}.at(field.NewPath("metadata", "labels").Key(v1alpha1.LabelIstioInjection)))
			continue
		}
		if err := it.PipeE(yaml.SetLabel(v1alpha1.LabelIstioInjection, emit.InjectionEnabled)); err != nil {
			return nil, nil, err
		}
	}
	var out []generated
	for _, ns := range slices.Sorted(maps.Keys(needed)) {
		// What every exposure with a Service there carries (an overlay's
		// labels reach the Namespace too).
		var c *model.Carried
		for _, s := range srcs {
			if s.x.Service.Namespace == ns {
				if c == nil {
					c = &s.x.Carried
				} else {
					common := c.Common(s.x.Carried)
					c = &common
				}
			}
		}
		out = append(out, generated{kind: emit.KindNamespace, name: ns, carried: *c})
	}
	return out, ps, nil
}

// injectWorkloads labels the pod template of every workload in the input
// whose pods a created Service selects with sidecar.istio.io/inject: "true".
func injectWorkloads(items []*yaml.RNode, srcs []source) ([]problem, error) {
	var ps []problem
	for _, s := range srcs {
		if !s.x.Injected {
			continue
		}
		sel := labels.SelectorFromSet(s.x.Service.Selector)
		matched := 0
		for _, it := range items {
			path, ok := podTemplates[it.GetKind()]
			if !ok || it.GetNamespace() != s.x.Service.Namespace {
				continue
			}
			labelsPath := append(slices.Clone(path), "metadata", "labels")
			if p := notMapping(it.YNode(), labelsPath...); p != nil {
				ps = append(ps, problem{node: it, severity: framework.Error,
					message: "must be a mapping: krm-fn looks here for the pod labels " + sel.String() + " to inject sidecars"}.at(p))
				continue
			}
			meta, err := it.Pipe(yaml.LookupCreate(yaml.MappingNode, append(slices.Clone(path), "metadata")...))
			if err != nil {
				return nil, err
			}
			podLabels := map[string]string{}
			if l := meta.Field("labels"); l != nil {
				if err := l.Value.YNode().Decode(&podLabels); err != nil {
					ps = append(ps, problem{node: it, severity: framework.Error, message: "must be a map of strings: " + err.Error()}.at(pathOf(labelsPath...)))
					continue
				}
			}
			if !sel.Matches(labels.Set(podLabels)) {
				continue
			}
			matched++
			key := label.SidecarInject.Name
			if v, set := podLabels[key]; set && v != workloadInjectValue {
				ps = append(ps, problem{node: it, severity: framework.Error,
					message: fmt.Sprintf("is %q, but the platform (injection: workload) injects sidecars into the pods of %s: remove the label, or set spec.injection in the ExposurePlatform",
						v, describeNode(s.node))}.at(pathOf(labelsPath...).Key(key)))
				continue
			}
			if err := meta.PipeE(yaml.LookupCreate(yaml.MappingNode, "labels"), yaml.SetField(key, yaml.NewStringRNode(workloadInjectValue))); err != nil {
				return nil, err
			}
		}
		if matched == 0 {
			ps = append(ps, s.problem(framework.Warning, field.NewPath("spec", "service", "selector"),
				fmt.Sprintf("injection is by workload, but no workload in namespace %s of the input has pods matching %s: those pods get no sidecar unless it is injected elsewhere",
					s.x.Service.Namespace, sel.String())))
		}
	}
	return ps, nil
}

// pathOf is the field path of keys.
func pathOf(keys ...string) *field.Path {
	return field.NewPath(keys[0], keys[1:]...)
}
