package fn

import (
	"fmt"
	"maps"
	"slices"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/fn/model"
	"github.com/krmfn/krm-fn/internal/krmio"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
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
// creates for the platform's injection (namespace or ambient): the
// Namespace object when the input has it, else a new Namespace it returns.
// The gateway's namespace is never labelled: its pods are the gateway's.
// A Namespace whose labels contradict the platform's is an error.
func injectNamespaces(items []*yaml.RNode, srcs []source, p *v1alpha1.ExposurePlatformSpec) ([]generated, []problem, error) {
	key, value, _ := p.NamespaceLabel()
	needed := map[string]source{}
	var ps []problem
	for _, s := range srcs {
		ns := s.x.Service.Namespace
		if _, ok := needed[ns]; !s.x.Injected || ok {
			continue
		}
		if ns == p.Gateway.Namespace {
			whose := "whose pods must get no sidecar"
			if p.Injection == v1alpha1.InjectionAmbient {
				whose = "whose pods are the gateway's own proxies and must stay out of the ambient mesh"
			}
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "service", "namespace"),
				fmt.Sprintf("the platform (injection: %s) would label namespace %s %s=%s for the Service this exposure creates, and %s is the ingress gateway's namespace, %s: put the Service in a namespace of its own, or set spec.service.create: false",
					p.Injection, ns, key, value, ns, whose)))
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
		if k, msg := namespaceContradiction(p, it.GetLabels(), s); k != "" {
			ps = append(ps, problem{node: it, severity: framework.Error, message: msg}.at(field.NewPath("metadata", "labels").Key(k)))
			continue
		}
		if err := it.PipeE(yaml.SetLabel(key, value)); err != nil {
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
		out = append(out, generated{kind: emit.KindNamespace, name: ns, carried: *c, label: [2]string{key, value}})
	}
	return out, ps, nil
}

// namespaceContradiction names the first mesh label of a namespace (its
// labels) that contradicts the label the platform puts there for s's
// Service, with the message saying why; "" if none does.
func namespaceContradiction(p *v1alpha1.ExposurePlatformSpec, nsLabels map[string]string, s source) (string, string) {
	key, value, _ := p.NamespaceLabel()
	mine := key + "=" + value
	fix := "remove the label, or change spec.injection (or spec.revision) in the ExposurePlatform"
	for _, k := range v1alpha1.NamespaceMeshLabels {
		v, set := nsLabels[k]
		if !set || (k == key && v == value) {
			continue
		}
		var why string
		switch {
		case k == key && k == v1alpha1.LabelIstioInjection:
			// As it has always been worded.
			return k, fmt.Sprintf("is %q, but the platform (injection: namespace) injects sidecars here for %s: remove the label, or set spec.injection in the ExposurePlatform", v, describeNode(s.node))
		case k == key:
			why = fmt.Sprintf("the platform sets %s here for %s", mine, describeNode(s.node))
		case key == v1alpha1.LabelDataplane:
			why = fmt.Sprintf("the pods would get sidecars, which Istio prefers over ztunnel silently, and the platform (injection: ambient) puts the namespace in the ambient mesh (%s) for %s", mine, describeNode(s.node))
		case k == v1alpha1.LabelIstioInjection:
			why = fmt.Sprintf("Istio lets istio-injection win silently over the %s the platform (revision: %s) sets here for %s: the pods would not get revision %s", mine, p.Revision, describeNode(s.node), p.Revision)
		case k == v1alpha1.LabelRevision:
			why = fmt.Sprintf("the platform (injection: namespace) would add %s for %s, which Istio lets win silently over istio.io/rev: the pods would leave revision %s; set spec.revision: %s in the ExposurePlatform, or remove the label", mine, describeNode(s.node), v, v)
			return k, fmt.Sprintf("is %q, but %s", v, why)
		default: // the dataplane mode, under sidecar injection
			why = fmt.Sprintf("the platform (injection: namespace) would add %s for %s, and a sidecar takes the pods out of the ambient mesh silently", mine, describeNode(s.node))
		}
		return k, fmt.Sprintf("is %q, but %s: %s", v, why, fix)
	}
	return "", ""
}

// injectPods looks at the pod templates of the input's workloads whose pods
// a Service the function creates selects: with workload injection it
// labels them for a sidecar, with ambient injection it checks that none
// asks for one. A pod label that contradicts the platform is an error; so
// is workload injection into a namespace the input puts in the ambient
// mesh.
func injectPods(items []*yaml.RNode, srcs []source, p *v1alpha1.ExposurePlatformSpec) ([]problem, error) {
	key, value, labelling := p.PodLabel()
	namespaces := map[string]*yaml.RNode{}
	for _, it := range items {
		if it.GetKind() == "Namespace" && it.GetApiVersion() == "v1" {
			namespaces[it.GetName()] = it
		}
	}
	var ps []problem
	reported := map[string]bool{}
	for _, s := range srcs {
		if !s.x.Injected {
			continue
		}
		ns := s.x.Service.Namespace
		if n := namespaces[ns]; labelling && n != nil && n.GetLabels()[v1alpha1.LabelDataplane] == v1alpha1.DataplaneAmbient {
			if !reported[ns] {
				reported[ns] = true
				ps = append(ps, problem{node: n, severity: framework.Error,
					message: fmt.Sprintf("is %q: the namespace is in the ambient mesh, and the platform (injection: workload) would label the pods of %s for a sidecar, which Istio prefers over ztunnel silently: set spec.injection: ambient in the ExposurePlatform, or remove the label",
						v1alpha1.DataplaneAmbient, describeNode(s.node))}.at(field.NewPath("metadata", "labels").Key(v1alpha1.LabelDataplane)))
			}
			continue
		}
		sel := labels.SelectorFromSet(s.x.Service.Selector)
		matched := 0
		for _, it := range items {
			path, ok := podTemplates[it.GetKind()]
			if !ok || it.GetNamespace() != ns {
				continue
			}
			labelsPath := append(slices.Clone(path), "metadata", "labels")
			if p := krmio.NotMapping(it.YNode(), labelsPath...); p != nil {
				why := "to inject sidecars"
				if !labelling {
					why = "to check that they ask for no sidecar"
				}
				ps = append(ps, problem{node: it, severity: framework.Error,
					message: "must be a mapping: krm-fn looks here for the pod labels " + sel.String() + " " + why}.at(p))
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
			if k, msg := podContradiction(p, podLabels, s); k != "" {
				ps = append(ps, problem{node: it, severity: framework.Error, message: msg}.at(pathOf(labelsPath...).Key(k)))
				continue
			}
			if !labelling {
				continue
			}
			if err := meta.PipeE(yaml.LookupCreate(yaml.MappingNode, "labels"), yaml.SetField(key, yaml.NewStringRNode(value))); err != nil {
				return nil, err
			}
		}
		if matched == 0 && labelling {
			ps = append(ps, s.problem(framework.Warning, field.NewPath("spec", "service", "selector"),
				fmt.Sprintf("injection is by workload, but no workload in namespace %s of the input has pods matching %s: those pods get no sidecar unless it is injected elsewhere",
					ns, sel.String())))
		}
	}
	return ps, nil
}

// podContradiction names the first label of a pod template (its labels)
// that contradicts the platform's injection for s's Service, with the
// message saying why; "" if none does.
func podContradiction(p *v1alpha1.ExposurePlatformSpec, podLabels map[string]string, s source) (string, string) {
	inject, injectSet := podLabels[v1alpha1.LabelSidecarInject]
	rev, revSet := podLabels[v1alpha1.LabelRevision]
	who := describeNode(s.node)
	switch p.Injection {
	case v1alpha1.InjectionWorkload:
		if injectSet && inject != v1alpha1.SidecarInjectEnabled && (p.Revision == "" || inject == "false") {
			return v1alpha1.LabelSidecarInject, fmt.Sprintf("is %q, but the platform (injection: workload) injects sidecars into the pods of %s: remove the label, or set spec.injection in the ExposurePlatform", inject, who)
		}
		switch {
		case revSet && p.Revision == "":
			return v1alpha1.LabelRevision, fmt.Sprintf("is %q, but the platform (injection: workload) labels the pods of %s for the default revision's injector, and Istio injects pods labelled istio.io/rev from that revision only: set spec.revision: %s in the ExposurePlatform, or remove the label", rev, who, rev)
		case revSet && rev != p.Revision:
			return v1alpha1.LabelRevision, fmt.Sprintf("is %q, but the platform (revision: %s) labels the pods of %s istio.io/rev=%s: remove the label, or change spec.revision in the ExposurePlatform", rev, p.Revision, who, p.Revision)
		}
	case v1alpha1.InjectionAmbient:
		k, v := "", ""
		switch {
		case injectSet && inject == v1alpha1.SidecarInjectEnabled:
			k, v = v1alpha1.LabelSidecarInject, inject
		case revSet:
			k, v = v1alpha1.LabelRevision, rev
		default:
			return "", ""
		}
		return k, fmt.Sprintf("is %q, but the platform (injection: ambient) puts the pods of %s in the ambient mesh, and a sidecar takes them out of it silently: remove the label, or change spec.injection in the ExposurePlatform", v, who)
	}
	return "", ""
}

// pathOf is the field path of keys.
func pathOf(keys ...string) *field.Path {
	return field.NewPath(keys[0], keys[1:]...)
}
