package emit

import (
	"maps"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	networkingv1 "k8s.io/api/networking/v1"
)

// Ingress builds the ALB Ingress of x's own hosts in the gateway's
// namespace: one rule per host, everything to the ingress gateway Service.
func Ingress(x *model.Exposure) *networkingv1.Ingress {
	return ingress(x.Owner, x.Carried, x.Ingress, x.Hosts)
}

// SharedIngress builds the Ingress of a shared host: its one ALB rule.
func SharedIngress(h *model.SharedHost) *networkingv1.Ingress {
	return ingress(h.Owner, h.Carried, h.Ingress, []string{h.Host})
}

func ingress(owner string, c model.Carried, in model.Ingress, hosts []string) *networkingv1.Ingress {
	meta := ownedMeta(owner, c, in.Name, in.Namespace)
	maps.Copy(meta.Annotations, in.Annotations)
	prefix := networkingv1.PathTypePrefix
	backend := networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
		Name: in.Service,
		Port: networkingv1.ServiceBackendPort{Number: in.Port},
	}}
	var rules []networkingv1.IngressRule
	for _, h := range hosts {
		rule := networkingv1.IngressRule{
			Host: h,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: v1alpha1.DefaultPathPrefix, PathType: &prefix, Backend: backend}},
			}},
		}
		if h == v1alpha1.AnyHost {
			rule.Host = "" // a rule without a host is for every host
		}
		rules = append(rules, rule)
	}
	return &networkingv1.Ingress{
		TypeMeta:   KindIngress.TypeMeta(),
		ObjectMeta: meta,
		Spec: networkingv1.IngressSpec{
			IngressClassName: &in.ClassName,
			Rules:            rules,
		},
	}
}
