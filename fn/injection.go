package fn

import (
	"fmt"
	"slices"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/internal/krmio"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// injectionChecks checks the labels the platform's injection sets
// against the input: a Service krm-fn creates in the gateway's namespace,
// whose pods are the gateway's, a Namespace whose labels contradict the
// platform's, and the pod templates of the workloads whose pods such a
// Service selects (podChecks).
func injectionChecks(p *plan, xs exposures) []problem {
	platform := p.env.Platform
	var ps []problem
	if key, value, ok := platform.NamespaceLabel(); ok {
		for _, s := range xs.list {
			ns := s.x.Service.Namespace
			if !s.x.Injected || ns != platform.Gateway.Namespace {
				continue
			}
			whose := "whose pods must get no sidecar"
			if platform.Injection == v1alpha1.InjectionAmbient {
				whose = "whose pods are the gateway's own proxies and must stay out of the ambient mesh"
			}
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "service", "namespace"),
				fmt.Sprintf("the platform (injection: %s) would label namespace %s %s=%s for the Service this exposure creates, and %s is the ingress gateway's namespace, %s: put the Service in a namespace of its own, or set spec.service.create: false",
					platform.Injection, ns, key, value, ns, whose)))
		}
		for _, ns := range p.env.Namespaces {
			n := p.in.namespaces[ns.Name]
			if n == nil || ns.Labels[0].Key != key {
				continue // rendered by krm-fn, or labelled for a waypoint only
			}
			if k, msg := namespaceContradiction(platform, n.GetLabels(), xs.describe(ns.Labels[0].For)); k != "" {
				ps = append(ps, problem{node: n, severity: framework.Error, message: msg}.at(field.NewPath("metadata", "labels").Key(k)))
			}
		}
	}
	return append(ps, podChecks(p, xs)...)
}

// namespaceContradiction names the first mesh label of a namespace (its
// labels) that contradicts the label the platform puts there for the
// Service of who (a spec, as messages name it), with the message saying
// why; "" if none does.
func namespaceContradiction(p *v1alpha1.ExposurePlatformSpec, nsLabels map[string]string, who string) (string, string) {
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
			return k, fmt.Sprintf("is %q, but the platform (injection: namespace) injects sidecars here for %s: remove the label, or set spec.injection in the ExposurePlatform", v, who)
		case k == key:
			why = fmt.Sprintf("the platform sets %s here for %s", mine, who)
		case key == v1alpha1.LabelDataplane:
			why = fmt.Sprintf("the pods would get sidecars, which Istio prefers over ztunnel silently, and the platform (injection: ambient) puts the namespace in the ambient mesh (%s) for %s", mine, who)
		case k == v1alpha1.LabelIstioInjection:
			why = fmt.Sprintf("Istio lets istio-injection win silently over the %s the platform (revision: %s) sets here for %s: the pods would not get revision %s", mine, p.Revision, who, p.Revision)
		case k == v1alpha1.LabelRevision:
			why = fmt.Sprintf("the platform (injection: namespace) would add %s for %s, which Istio lets win silently over istio.io/rev: the pods would leave revision %s; set spec.revision: %s in the ExposurePlatform, or remove the label", mine, who, v, v)
			return k, fmt.Sprintf("is %q, but %s", v, why)
		default: // the dataplane mode, under sidecar injection
			why = fmt.Sprintf("the platform (injection: namespace) would add %s for %s, and a sidecar takes the pods out of the ambient mesh silently", mine, who)
		}
		return k, fmt.Sprintf("is %q, but %s: %s", v, why, fix)
	}
	return "", ""
}

// podChecks looks at the pod templates of the input's workloads whose
// pods a Service krm-fn creates selects: with workload injection, which
// labels them for a sidecar, and with ambient injection, which checks that
// none asks for one. A pod label that contradicts the platform is an
// error; so is workload injection into a namespace the input puts in the
// ambient mesh, and a Service that selects no workload's pods a warning.
func podChecks(p *plan, xs exposures) []problem {
	platform := p.env.Platform
	_, _, labelling := platform.PodLabel()
	var ps []problem
	reported := map[string]bool{}
	for _, s := range xs.list {
		if !s.x.Injected {
			continue
		}
		ns := s.x.Service.Namespace
		if n := p.in.namespaces[ns]; labelling && n != nil && n.GetLabels()[v1alpha1.LabelDataplane] == v1alpha1.DataplaneAmbient {
			if !reported[ns] {
				reported[ns] = true
				ps = append(ps, problem{node: n, severity: framework.Error,
					message: fmt.Sprintf("is %q: the namespace is in the ambient mesh, and the platform (injection: workload) would label the pods of %s for a sidecar, which Istio prefers over ztunnel silently: set spec.injection: ambient in the ExposurePlatform, or remove the label",
						v1alpha1.DataplaneAmbient, xs.describeNode(s.node))}.at(field.NewPath("metadata", "labels").Key(v1alpha1.LabelDataplane)))
			}
			continue
		}
		sel := labels.SelectorFromSet(s.x.Service.Selector)
		matched := 0
		for _, it := range p.in.workloads[ns] {
			path := podTemplates[it.GetKind()]
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
			podLabels, ok := templateLabels(it, path)
			if !ok {
				_, err := decodeTemplateLabels(it, path)
				ps = append(ps, problem{node: it, severity: framework.Error, message: "must be a map of strings: " + err.Error()}.at(pathOf(labelsPath...)))
				continue
			}
			if !sel.Matches(labels.Set(podLabels)) {
				continue
			}
			matched++
			if k, msg := podContradiction(platform, podLabels, xs.describeNode(s.node)); k != "" {
				ps = append(ps, problem{node: it, severity: framework.Error, message: msg}.at(pathOf(labelsPath...).Key(k)))
			}
		}
		if matched == 0 && labelling {
			ps = append(ps, s.problem(framework.Warning, field.NewPath("spec", "service", "selector"),
				fmt.Sprintf("injection is by workload, but no workload in namespace %s of the input has pods matching %s: those pods get no sidecar unless it is injected elsewhere",
					ns, sel.String())))
		}
	}
	return ps
}

// templateLabels are the labels of the pod template at path of workload
// it; false when they are not a map of strings.
func templateLabels(it *yaml.RNode, path []string) (map[string]string, bool) {
	l, err := decodeTemplateLabels(it, path)
	return l, err == nil
}

// decodeTemplateLabels decodes the labels of the pod template at path of
// workload it (none when it has none).
func decodeTemplateLabels(it *yaml.RNode, path []string) (map[string]string, error) {
	l := map[string]string{}
	n, err := it.Pipe(yaml.Lookup(append(slices.Clone(path), "metadata", "labels")...))
	if err != nil || n == nil {
		return l, err
	}
	return l, n.YNode().Decode(&l)
}

// podContradiction names the first label of a pod template (its labels)
// that contradicts the platform's injection for the Service of who (a
// spec, as messages name it), with the message saying why; "" if none
// does.
func podContradiction(p *v1alpha1.ExposurePlatformSpec, podLabels map[string]string, who string) (string, string) {
	inject, injectSet := podLabels[v1alpha1.LabelSidecarInject]
	rev, revSet := podLabels[v1alpha1.LabelRevision]
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
