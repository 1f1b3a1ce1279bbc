package emit

import (
	"github.com/krmfn/krm-fn/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// InjectionEnabled is the value of the istio-injection label that turns
// sidecar injection on for a namespace.
const InjectionEnabled = "enabled"

// Namespace builds a Namespace labelled for sidecar injection. It has no
// owner: several exposures share it.
func Namespace(name string) *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta: KindNamespace.TypeMeta(),
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			v1alpha1.LabelManagedBy:      v1alpha1.ManagedByValue,
			v1alpha1.LabelIstioInjection: InjectionEnabled,
		}},
	}
}
