package emit

import (
	"maps"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Namespace builds the Namespace of ns, with its mesh labels (the
// platform's injection label, v1alpha1.ExposurePlatformSpec.NamespaceLabel;
// the waypoint's, istio.io/use-waypoint) and what it carries. It has no
// owner: several exposures share it. krm-fn renders it only to carry those
// labels, and Argo CD must never delete it, with all it holds, when an
// exposure goes or its application is deleted: it says Prune=false,
// Delete=false, whatever the exposures carry.
func Namespace(ns *model.MeshNamespace) *corev1.Namespace {
	meta := metav1.ObjectMeta{Name: ns.Name, Labels: maps.Clone(ns.Carried.Labels), Annotations: maps.Clone(ns.Carried.Annotations)}
	if meta.Labels == nil {
		meta.Labels = map[string]string{}
	}
	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	meta.Annotations[v1alpha1.AnnotationArgoCDSyncOptions] = v1alpha1.NamespaceSyncOptions
	meta.Labels[v1alpha1.LabelManagedBy] = v1alpha1.ManagedByValue
	for _, l := range ns.Labels {
		meta.Labels[l.Key] = l.Value
	}
	return &corev1.Namespace{TypeMeta: KindNamespace.TypeMeta(), ObjectMeta: meta}
}
