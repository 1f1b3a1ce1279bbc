package importer

import (
	"maps"
	"slices"

	"github.com/krmfn/krm-fn/api/v1alpha1"
)

// tenancy loosens the platform's tenancy (spec.tenancy, whose defaults
// refuse it) as far as the imported specs need, so that what an import
// prints renders: the exposures in, or reaching, a reserved namespace
// (the gateway's, Istio's or Kubernetes') are the platform's own
// (platformExposures); reaching another namespace's Service needs
// crossNamespace: allow; and the annotations of an exposure's Ingress
// beyond the safe ones are the platform's to allow (exposureAnnotations).
// The manifests were written by whoever ran them: the import says so
// rather than refusing them, and the platform team reviews it.
func tenancy(p *v1alpha1.ExposurePlatform, specs []*v1alpha1.ServiceExposure) {
	reserved := p.Spec // as rendered: with the gateway's default namespace
	if reserved.Gateway.Namespace == "" {
		reserved.Gateway.Namespace = v1alpha1.DefaultGatewayNamespace
	}
	t := &p.Spec.Tenancy
	annotations := map[string]bool{}
	for _, e := range specs {
		targets := []string{e.Spec.Service.Namespace}
		for _, r := range e.Spec.Routes {
			for _, b := range r.Backends {
				targets = append(targets, b.Namespace)
			}
			if r.Mirror != nil {
				targets = append(targets, r.Mirror.Namespace)
			}
		}
		platformOwn := reserved.ReservedNamespace(e.Namespace) != ""
		for _, ns := range targets {
			if ns == "" || ns == e.Namespace {
				continue
			}
			t.CrossNamespace = v1alpha1.CrossNamespaceAllow
			if reserved.ReservedNamespace(ns) != "" {
				platformOwn = true
			}
		}
		if platformOwn {
			t.PlatformExposures = append(t.PlatformExposures, e.Namespace+"/"+e.Name)
		}
		if e.Spec.Ingress != nil {
			for k := range e.Spec.Ingress.Annotations {
				if !v1alpha1.SafeExposureAnnotation(k) && v1alpha1.NeverExposureAnnotation(k) == "" {
					annotations[k] = true
				}
			}
		}
	}
	t.ExposureAnnotations = slices.Sorted(maps.Keys(annotations))
}
