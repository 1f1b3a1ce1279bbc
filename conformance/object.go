package conformance

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Object is one manifest of a Source.
type Object struct {
	*unstructured.Unstructured
	// YAML is the manifest as it was read, fed as-is to kubectl and istioctl.
	YAML []byte
}

// ID names the object the way kubectl and istioctl analyze do: "Kind
// namespace/name", or "Kind name" when it has no namespace.
func (o Object) ID() string {
	if o.GetNamespace() == "" {
		return o.GetKind() + " " + o.GetName()
	}
	return o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
}

// ParseObjects splits a multi-document YAML stream into its objects. Every
// document must be a Kubernetes object with a kind and a name; objects
// marked local configuration are left out, as kustomize leaves them out.
func ParseObjects(data []byte) ([]Object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []Object
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if len(u.Object) == 0 {
			continue // an empty document, e.g. after a trailing "---"
		}
		if u.GetKind() == "" || u.GetAPIVersion() == "" || u.GetName() == "" {
			return nil, fmt.Errorf("document %d is not a Kubernetes object with apiVersion, kind and metadata.name", i+1)
		}
		if u.GetAnnotations()[localConfig] == "true" {
			continue // kustomize leaves it out of what it builds
		}
		objs = append(objs, Object{Unstructured: u, YAML: doc})
	}
}

// localConfig marks configuration for functions, never applied to a
// cluster (a generator's ExposurePlatform passes through so marked).
const localConfig = "config.kubernetes.io/local-config"
