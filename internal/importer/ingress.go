package importer

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// legacyIngress is an Ingress of extensions/v1beta1 or
// networking.k8s.io/v1beta1 (the same shape), which Kubernetes 1.22
// stopped serving: read by hand and turned into networking.k8s.io/v1.
type legacyIngress struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   map[string]any    `json:"metadata"`
	Spec       legacyIngressSpec `json:"spec"`
	Status     map[string]any    `json:"status,omitempty"`
}

type legacyIngressSpec struct {
	IngressClassName *string                   `json:"ingressClassName,omitempty"`
	Backend          *legacyBackend            `json:"backend,omitempty"`
	TLS              []networkingv1.IngressTLS `json:"tls,omitempty"`
	Rules            []legacyRule              `json:"rules,omitempty"`
}

type legacyBackend struct {
	ServiceName string             `json:"serviceName,omitempty"`
	ServicePort intstr.IntOrString `json:"servicePort,omitempty"`
	Resource    map[string]any     `json:"resource,omitempty"`
}

type legacyRule struct {
	Host string `json:"host,omitempty"`
	HTTP *struct {
		Paths []struct {
			Path     string        `json:"path,omitempty"`
			PathType *string       `json:"pathType,omitempty"`
			Backend  legacyBackend `json:"backend"`
		} `json:"paths"`
	} `json:"http,omitempty"`
}

func (s legacyIngressSpec) v1() networkingv1.IngressSpec {
	out := networkingv1.IngressSpec{IngressClassName: s.IngressClassName, TLS: s.TLS}
	if s.Backend != nil {
		out.DefaultBackend = s.Backend.v1()
	}
	for _, r := range s.Rules {
		rule := networkingv1.IngressRule{Host: r.Host}
		if r.HTTP != nil {
			rule.HTTP = &networkingv1.HTTPIngressRuleValue{}
			for _, p := range r.HTTP.Paths {
				path := networkingv1.HTTPIngressPath{Path: p.Path, Backend: *p.Backend.v1()}
				if p.PathType != nil {
					pt := networkingv1.PathType(*p.PathType)
					path.PathType = &pt
				}
				rule.HTTP.Paths = append(rule.HTTP.Paths, path)
			}
		}
		out.Rules = append(out.Rules, rule)
	}
	return out
}

func (b legacyBackend) v1() *networkingv1.IngressBackend {
	if b.ServiceName == "" {
		return &networkingv1.IngressBackend{}
	}
	port := networkingv1.ServiceBackendPort{Name: b.ServicePort.StrVal}
	if b.ServicePort.Type == intstr.Int {
		port = networkingv1.ServiceBackendPort{Number: b.ServicePort.IntVal}
	}
	return &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: b.ServiceName, Port: port}}
}

// backends are the Services an Ingress sends to, with where each is set
// and the path it takes ("" for the default backend), in order.
type ingressBackend struct {
	field    string
	host     string
	path     string
	pathType string
	svc      *networkingv1.IngressServiceBackend
}

func (in *ingress) backends() []ingressBackend {
	var out []ingressBackend
	if b := in.spec.DefaultBackend; b != nil && b.Service != nil {
		out = append(out, ingressBackend{field: "spec.defaultBackend", svc: b.Service, path: "/"})
	}
	for i, r := range in.spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for j, p := range r.HTTP.Paths {
			if p.Backend.Service == nil {
				continue
			}
			pt := ""
			if p.PathType != nil {
				pt = string(*p.PathType)
			}
			out = append(out, ingressBackend{field: fieldf("spec.rules[%d].http.paths[%d].backend", i, j), host: r.Host, path: p.Path, pathType: pt, svc: p.Backend.Service})
		}
	}
	return out
}
