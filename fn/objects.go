package fn

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/proto"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// istioObject is the Kubernetes envelope of an Istio config object; the
// spec is Istio's own type and marshals with Istio's JSON marshaller.
type istioObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              proto.Message `json:"spec"`
}

const istioNetworkingV1 = "networking.istio.io/v1"

// ownedMeta is the metadata of an object generated for exposure x.
func ownedMeta(x *exposure, name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:        name,
		Namespace:   namespace,
		Labels:      map[string]string{LabelManagedBy: ManagedByValue},
		Annotations: map[string]string{AnnotationOwner: x.owner},
	}
}

// toNode marshals a typed object once into a kyaml node with sorted keys.
// status is dropped: it is the cluster's to write.
func toNode(obj any) (*yaml.RNode, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("marshalling %T: %w", obj, err)
	}
	y, err := sigsyaml.JSONToYAML(j)
	if err != nil {
		return nil, fmt.Errorf("marshalling %T: %w", obj, err)
	}
	n, err := yaml.Parse(string(y))
	if err != nil {
		return nil, fmt.Errorf("marshalling %T: %w", obj, err)
	}
	if err := n.PipeE(yaml.Clear("status")); err != nil {
		return nil, err
	}
	// An empty spec (a Namespace's) says nothing.
	if spec := n.Field("spec"); spec != nil && len(spec.Value.Content()) == 0 {
		if err := n.PipeE(yaml.Clear("spec")); err != nil {
			return nil, err
		}
	}
	return n, nil
}
