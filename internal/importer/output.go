package importer

import (
	"encoding/json"
	"strings"

	"github.com/krmfn/krm-fn/internal/yamlout"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// printed is an object as the import prints it: metadata with only what
// is set, empty mappings pruned, keys sorted (as kustomize prints).
type printed struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Metadata   printedMeta `json:"metadata"`
	Spec       any         `json:"spec"`
}

type printedMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Nodes are the platform and the exposures as YAML objects, in the order
// printed.
func (r *Result) Nodes() ([]*yaml.RNode, error) {
	objs := []printed{{
		APIVersion: r.Platform.APIVersion, Kind: r.Platform.Kind,
		Metadata: printedMeta{Name: r.Platform.Name, Annotations: r.Platform.Annotations},
		Spec:     r.Platform.Spec,
	}}
	for _, e := range r.Exposures {
		objs = append(objs, printed{
			APIVersion: e.APIVersion, Kind: e.Kind,
			Metadata: printedMeta{Name: e.Name, Namespace: e.Namespace, Labels: e.Labels, Annotations: e.Annotations},
			Spec:     e.Spec,
		})
	}
	lazy := make([]yamlout.Lazy, len(objs))
	for i, o := range objs {
		b, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		v = pruned(v)
		lazy[i] = func() (any, error) { return v, nil }
	}
	// The function's own encoder: the nodes kyaml would make of the
	// JSON, without printing and parsing YAML per object.
	return yamlout.EncodeAll(lazy)
}

// YAML is the import as a multi-document YAML stream: the platform, then
// the exposures by namespace and name, each namespace's under a comment.
func (r *Result) YAML() (string, error) {
	nodes, err := r.Nodes()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	ns := "\x00"
	for i, n := range nodes {
		if i > 0 {
			b.WriteString("---\n")
		}
		if i > 0 && n.GetNamespace() != ns {
			ns = n.GetNamespace()
			b.WriteString("# namespace " + ns + "\n")
		}
		// As kio.ByteWriter prints a document, through the function's
		// printer (go-yaml's emitter costs about a kilobyte a node).
		if err := yamlout.WriteItems(kio.ByteWriter{Writer: &b}, []*yaml.RNode{n}, nil); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// pruned is v without its empty mappings (a struct field such as the
// platform's gateway, with nothing set), as a spec is written; but for
// those of a trafficPolicy, which is Istio's, where an empty mapping is a
// message set (proxyProtocol: {} sends PROXY protocol v1).
func pruned(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		if l, ok := v.([]any); ok {
			for i := range l {
				l[i] = pruned(l[i])
			}
		}
		return v
	}
	for k, e := range m {
		if k == "trafficPolicy" {
			continue
		}
		e = pruned(e)
		if em, ok := e.(map[string]any); ok && len(em) == 0 && k != "spec" {
			delete(m, k)
			continue
		}
		m[k] = e
	}
	return m
}
