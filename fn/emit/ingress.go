package emit

import (
	"maps"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	networkingv1 "k8s.io/api/networking/v1"
)

// Ingress builds the ALB Ingress of x in the gateway's namespace: one rule
// per host, everything to the ingress gateway Service.
func Ingress(x *model.Exposure) *networkingv1.Ingress {
	in := x.Ingress
	meta := ownedMeta(x, in.Name, in.Namespace)
	maps.Copy(meta.Annotations, in.Annotations)
	prefix := networkingv1.PathTypePrefix
	backend := networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
		Name: in.Service,
		Port: networkingv1.ServiceBackendPort{Number: in.Port},
	}}
	var rules []networkingv1.IngressRule
	for _, h := range x.Hosts {
		rules = append(rules, networkingv1.IngressRule{
			Host: h,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: v1alpha1.DefaultPathPrefix, PathType: &prefix, Backend: backend}},
			}},
		})
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
