package emit

import (
	"fmt"

	"github.com/krmfn/krm-fn/fn/model"
	corev1 "k8s.io/api/core/v1"
)

// Service builds the ClusterIP Service of x. Its port is named
// "<protocol>-<port>" and carries appProtocol, so Istio selects the
// protocol without sniffing.
func Service(x *model.Exposure) *corev1.Service {
	s := x.Service
	proto := string(s.Protocol)
	return &corev1.Service{
		TypeMeta:   KindService.TypeMeta(),
		ObjectMeta: ownedMeta(x.Owner, x.Carried, s.Name, s.Namespace),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: s.Selector,
			Ports: []corev1.ServicePort{{
				Name:        fmt.Sprintf("%s-%d", proto, s.Port),
				Port:        s.Port,
				TargetPort:  s.TargetPort,
				Protocol:    corev1.ProtocolTCP,
				AppProtocol: &proto,
			}},
		},
	}
}
