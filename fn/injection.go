package fn

import (
	"fmt"
	"slices"
	"strings"

	"istio.io/api/label"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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
// input has it, else a new Namespace it returns.
func injectNamespaces(items []*yaml.RNode, srcs []source) ([]generated, framework.Results, error) {
	needed := map[string]source{}
	for _, s := range srcs {
		if _, ok := needed[s.x.service.namespace]; s.x.injected && !ok {
			needed[s.x.service.namespace] = s
		}
	}
	var rs framework.Results
	for _, it := range items {
		s, ok := needed[it.GetName()]
		if !ok || it.GetKind() != "Namespace" || it.GetApiVersion() != "v1" {
			continue
		}
		delete(needed, it.GetName())
		if v, set := it.GetLabels()[LabelIstioInjection]; set && v != injectionEnabledValue {
			rs = append(rs, result(it, framework.Error, "metadata.labels["+LabelIstioInjection+"]",
				fmt.Sprintf("is %q, but the platform (injection: namespace) injects sidecars here for %s: remove the label, or set spec.injection in the ExposurePlatform",
					v, describeNode(s.node))))
			continue
		}
		if err := it.PipeE(yaml.SetLabel(LabelIstioInjection, injectionEnabledValue)); err != nil {
			return nil, nil, err
		}
	}
	var out []generated
	for _, ns := range sortedKeys(needed) {
		out = append(out, generated{kind: kindNamespace, apiVersion: "v1", name: ns, build: func() object {
			return &corev1.Namespace{
				TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
				ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
					LabelManagedBy:      ManagedByValue,
					LabelIstioInjection: injectionEnabledValue,
				}},
			}
		}})
	}
	return out, rs, nil
}

// injectWorkloads labels the pod template of every workload in the input
// whose pods a created Service selects with sidecar.istio.io/inject: "true".
func injectWorkloads(items []*yaml.RNode, srcs []source) (framework.Results, error) {
	var rs framework.Results
	for _, s := range srcs {
		if !s.x.injected {
			continue
		}
		sel := labels.SelectorFromSet(s.x.service.selector)
		matched := 0
		for _, it := range items {
			path, ok := podTemplates[it.GetKind()]
			if !ok || it.GetNamespace() != s.x.service.namespace {
				continue
			}
			if p := notMapping(it.YNode(), append(slices.Clone(path), "metadata", "labels")...); p != "" {
				rs = append(rs, result(it, framework.Error, p, "must be a mapping: krm-fn looks here for the pod labels "+sel.String()+" to inject sidecars"))
				continue
			}
			meta, err := it.Pipe(yaml.LookupCreate(yaml.MappingNode, append(slices.Clone(path), "metadata")...))
			if err != nil {
				return nil, err
			}
			podLabels := map[string]string{}
			if l := meta.Field("labels"); l != nil {
				if err := l.Value.YNode().Decode(&podLabels); err != nil {
					rs = append(rs, result(it, framework.Error, strings.Join(path, ".")+".metadata.labels", "must be a map of strings: "+err.Error()))
					continue
				}
			}
			if !sel.Matches(labels.Set(podLabels)) {
				continue
			}
			matched++
			key := label.SidecarInject.Name
			if v, set := podLabels[key]; set && v != workloadInjectValue {
				rs = append(rs, result(it, framework.Error, strings.Join(path, ".")+".metadata.labels["+key+"]",
					fmt.Sprintf("is %q, but the platform (injection: workload) injects sidecars into the pods of %s: remove the label, or set spec.injection in the ExposurePlatform",
						v, describeNode(s.node))))
				continue
			}
			if err := meta.PipeE(yaml.LookupCreate(yaml.MappingNode, "labels"), yaml.SetField(key, yaml.NewStringRNode(workloadInjectValue))); err != nil {
				return nil, err
			}
		}
		if matched == 0 {
			rs = append(rs, result(s.node, framework.Warning, "spec.service.selector",
				fmt.Sprintf("injection is by workload, but no workload in namespace %s of the input has pods matching %s: those pods get no sidecar unless it is injected elsewhere",
					s.x.service.namespace, sel.String())))
		}
	}
	return rs, nil
}
