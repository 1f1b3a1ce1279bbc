package emit

import (
	"maps"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Namespace builds a Namespace with the mesh label key=value (the
// platform's injection: v1alpha1.ExposurePlatformSpec.NamespaceLabel) and
// what c carries. It has no owner: several exposures share it.
func Namespace(name string, c model.Carried, key, value string) *corev1.Namespace {
	meta := metav1.ObjectMeta{Name: name, Labels: maps.Clone(c.Labels), Annotations: maps.Clone(c.Annotations)}
	if meta.Labels == nil {
		meta.Labels = map[string]string{}
	}
	if len(meta.Annotations) == 0 {
		meta.Annotations = nil
	}
	meta.Labels[v1alpha1.LabelManagedBy] = v1alpha1.ManagedByValue
	meta.Labels[key] = value
	return &corev1.Namespace{TypeMeta: KindNamespace.TypeMeta(), ObjectMeta: meta}
}
