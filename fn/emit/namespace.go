package emit

import (
	"maps"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Namespace builds a Namespace with the mesh labels given (the platform's
// injection label, v1alpha1.ExposurePlatformSpec.NamespaceLabel; the
// waypoint's, istio.io/use-waypoint) and what c carries. It has no owner: several exposures share it.
func Namespace(name string, c model.Carried, mesh map[string]string) *corev1.Namespace {
	meta := metav1.ObjectMeta{Name: name, Labels: maps.Clone(c.Labels), Annotations: maps.Clone(c.Annotations)}
	if meta.Labels == nil {
		meta.Labels = map[string]string{}
	}
	if len(meta.Annotations) == 0 {
		meta.Annotations = nil
	}
	meta.Labels[v1alpha1.LabelManagedBy] = v1alpha1.ManagedByValue
	maps.Copy(meta.Labels, mesh)
	return &corev1.Namespace{TypeMeta: KindNamespace.TypeMeta(), ObjectMeta: meta}
}
