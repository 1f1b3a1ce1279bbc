package fn

import (
	"maps"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// buildIngress builds the ALB Ingress of x in the gateway's namespace: one
// rule per host, everything to the ingress gateway Service.
func buildIngress(x *exposure) *networkingv1.Ingress {
	in := x.ingress
	meta := ownedMeta(x, in.name, in.namespace)
	maps.Copy(meta.Annotations, in.annotations)
	prefix := networkingv1.PathTypePrefix
	backend := networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
		Name: in.service,
		Port: networkingv1.ServiceBackendPort{Number: in.port},
	}}
	var rules []networkingv1.IngressRule
	for _, h := range x.hosts {
		rules = append(rules, networkingv1.IngressRule{
			Host: h,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: DefaultPathPrefix, PathType: &prefix, Backend: backend}},
			}},
		})
	}
	return &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: meta,
		Spec: networkingv1.IngressSpec{
			IngressClassName: &in.className,
			Rules:            rules,
		},
	}
}
