package fn

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// buildService builds the ClusterIP Service of x. Its port is named
// "<protocol>-<port>" and carries appProtocol, so Istio selects the
// protocol without sniffing.
func buildService(x *exposure) *corev1.Service {
	s := x.service
	proto := string(s.protocol)
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: ownedMeta(x, s.name, s.namespace),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: s.selector,
			Ports: []corev1.ServicePort{{
				Name:        fmt.Sprintf("%s-%d", proto, s.port),
				Port:        s.port,
				TargetPort:  s.targetPort,
				Protocol:    corev1.ProtocolTCP,
				AppProtocol: &proto,
			}},
		},
	}
}
