package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/config/schema/resource"
	kubelib "istio.io/istio/pkg/kube"
)

// roleAnnotation marks the objects the conformance suite adds to stand in
// for the cluster (conformance/synth.go); "gateway" on a Pod makes it an
// ingress gateway proxy.
const roleAnnotation = "proof.krmfn.io/role"

// cluster is what istiod would read: the Istio API objects it admits, and
// the Kubernetes objects (Services, Pods, EndpointSlices, the Gateway API)
// its kube client lists.
type cluster struct {
	configs  []config.Config
	kube     []runtime.Object
	problems []Problem

	pods     []*corev1.Pod
	services []*corev1.Service
	// gatewayAPI holds the Gateway API objects, "Kind ns/name", whose
	// status istio-proof reads back.
	gatewayAPI map[string]bool
	// ruleNames lists the names of the rules of each HTTPRoute and
	// GRPCRoute, "Kind ns/name".
	ruleNames map[string][]string
	// waypoints are the Gateways of class istio-waypoint.
	waypoints  map[string]bool
	namespaces []string
}

// readCluster reads a YAML stream of objects.
func readCluster(data []byte) (*cluster, error) {
	c := &cluster{gatewayAPI: map[string]bool{}, ruleNames: map[string][]string{}, waypoints: map[string]bool{}}
	namespaces := map[string]bool{}
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue
		}
		var meta struct {
			metav1.TypeMeta
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := json.Unmarshal(js, &meta); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		gv, err := schema.ParseGroupVersion(meta.APIVersion)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		gvk := gv.WithKind(meta.Kind)
		name := objectName(meta.Kind, meta.Metadata.Namespace, meta.Metadata.Name)
		if meta.Metadata.Namespace != "" {
			namespaces[meta.Metadata.Namespace] = true
		}
		if meta.Kind == "Namespace" {
			namespaces[meta.Metadata.Name] = true
		}
		if strings.HasSuffix(gv.Group, ".istio.io") {
			if err := c.addIstio(gvk, name, js); err != nil {
				return nil, err
			}
			continue
		}
		if gvk.Group == "gateway.networking.k8s.io" && gvk.Kind == "ReferenceGrant" && gvk.Version == "v1" {
			// The API server serves ReferenceGrant at v1 and v1beta1 alike
			// (one stored object); istiod lists v1beta1, which the fake
			// client only serves what it was given as.
			js = bytes.Replace(js, []byte(`"gateway.networking.k8s.io/v1"`), []byte(`"gateway.networking.k8s.io/v1beta1"`), 1)
		}
		obj, _, err := kubelib.IstioCodec.UniversalDeserializer().Decode(js, nil, nil)
		if err != nil {
			// A kind istiod does not read (the function's own kinds, a
			// ConfigMap, ...): it plays no part in routing.
			continue
		}
		switch o := obj.(type) {
		case *corev1.Pod:
			c.pods = append(c.pods, o)
		case *corev1.Service:
			c.services = append(c.services, o)
		}
		if gv.Group == "gateway.networking.k8s.io" {
			c.gatewayAPI[name] = true
			var rules struct {
				Spec struct {
					GatewayClassName string `json:"gatewayClassName"`
					Rules            []struct {
						Name string `json:"name"`
					} `json:"rules"`
				} `json:"spec"`
			}
			if json.Unmarshal(js, &rules) == nil {
				if meta.Kind == "Gateway" && rules.Spec.GatewayClassName == "istio-waypoint" {
					c.waypoints[name] = true
				}
				for _, r := range rules.Spec.Rules {
					if r.Name != "" {
						c.ruleNames[name] = append(c.ruleNames[name], r.Name)
					}
				}
			}
		}
		c.kube = append(c.kube, obj)
	}
	for n := range namespaces {
		c.namespaces = append(c.namespaces, n)
	}
	sort.Strings(c.namespaces)
	return c, nil
}

// addIstio converts an Istio API object and validates it as istiod's
// webhook does: an object it refuses never reaches istiod.
func (c *cluster) addIstio(gvk schema.GroupVersionKind, name string, js []byte) error {
	s, ok := collections.Pilot.FindByGroupVersionAliasesKind(resource.FromKubernetesGVK(&gvk))
	if !ok {
		c.problems = append(c.problems, Problem{Class: ClassIgnored, Object: name,
			Message: fmt.Sprintf("istiod does not read %s", gvk)})
		return nil
	}
	var obj crd.IstioKind
	if err := json.Unmarshal(js, &obj); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	cfg, err := crd.ConvertObject(s, &obj, "cluster.local")
	if err != nil {
		c.problems = append(c.problems, Problem{Class: ClassRejected, Object: name, Message: err.Error()})
		return nil
	}
	warnings, err := s.ValidateConfig(*cfg)
	if warnings != nil {
		c.problems = append(c.problems, Problem{Class: ClassWarning, Object: name, Message: warnings.Error()})
	}
	if err != nil {
		c.problems = append(c.problems, Problem{Class: ClassRejected, Object: name,
			Message: "istiod's validation (its admission webhook) refuses it: " + err.Error()})
		return nil
	}
	c.configs = append(c.configs, *cfg)
	return nil
}

func objectName(kind, namespace, name string) string {
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}
