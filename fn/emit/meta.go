package emit

import (
	"maps"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"google.golang.org/protobuf/proto"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// IstioObject is the Kubernetes envelope of an Istio config object; the
// spec is Istio's own type and marshals with Istio's JSON marshaller.
type IstioObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              IstioSpec `json:"spec"`
}

// IstioSpec is the spec of an Istio config object: Istio's own type.
type IstioSpec struct{ proto.Message }

// ownedMeta is the metadata of an object built for an owner (an
// exposure's, or a shared host's): what the owner carries, with krm-fn's
// label and owner annotation.
func ownedMeta(owner string, c model.Carried, name, namespace string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{
		Name:        name,
		Namespace:   namespace,
		Labels:      maps.Clone(c.Labels),
		Annotations: maps.Clone(c.Annotations),
	}
	if m.Labels == nil {
		m.Labels = map[string]string{}
	}
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Labels[v1alpha1.LabelManagedBy] = v1alpha1.ManagedByValue
	m.Annotations[v1alpha1.AnnotationOwner] = owner
	return m
}
