package emit

import (
	"fmt"
	"maps"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	corev1 "k8s.io/api/core/v1"
)

// Service builds the ClusterIP Service of x. Its port is named
// "<protocol>-<port>" and carries appProtocol, so Istio selects the
// protocol without sniffing.
func Service(x *model.Exposure) *corev1.Service {
	return service(x, x.Service.Name, x.Service.Selector)
}

// SubsetService builds the Service that stands for subset sub of x's
// Service with the Gateway API, which has no subsets: the same port,
// selecting the Service's pods that carry the subset's labels too.
func SubsetService(x *model.Exposure, sub v1alpha1.Subset) *corev1.Service {
	selector := maps.Clone(x.Service.Selector)
	maps.Copy(selector, sub.Labels)
	return service(x, model.SubsetService(x.Service.Name, sub.Name), selector)
}

func service(x *model.Exposure, name string, selector map[string]string) *corev1.Service {
	s := x.Service
	proto := string(s.Protocol)
	ports := []corev1.ServicePort{{
		Name:        fmt.Sprintf("%s-%d", proto, s.Port),
		Port:        s.Port,
		TargetPort:  s.TargetPort,
		Protocol:    corev1.ProtocolTCP,
		AppProtocol: &proto,
	}}
	if len(s.Ports) > 0 {
		// spec.service.ports: each named "<protocol>-<name>".
		ports = nil
		for _, p := range s.Ports {
			proto := string(p.Protocol)
			ports = append(ports, corev1.ServicePort{Name: p.Name, Port: p.Port, TargetPort: *p.Target.TargetPort, Protocol: corev1.ProtocolTCP, AppProtocol: &proto})
		}
	}
	return &corev1.Service{
		TypeMeta:   KindService.TypeMeta(),
		ObjectMeta: ownedMeta(x.Owner, x.Carried, name, s.Namespace),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: selector,
			Ports:    ports,
		},
	}
}
