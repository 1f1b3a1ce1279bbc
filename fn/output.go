package fn

import (
	"fmt"
	"slices"

	"github.com/krmfn/krm-fn/internal/yamlout"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Rendering is what a run renders: the input's items that pass through
// (the Namespaces and pod templates the mesh needs labelled), then the
// objects it generates, in output order, each built when it is encoded.
type Rendering struct {
	Items   []*yaml.RNode
	objects []planned
}

// output makes plan p's rendering: it sets the planned labels on the
// input's items.
func (p *plan) output() (*Rendering, error) {
	for _, l := range p.labels {
		if err := l.set(); err != nil {
			return nil, err
		}
	}
	return &Rendering{Items: p.items, objects: p.objects}, nil
}

// set sets label l on its item.
func (l setLabel) set() error {
	if l.template == nil {
		return l.node.PipeE(yaml.SetLabel(l.key, l.value))
	}
	meta, err := l.node.Pipe(yaml.LookupCreate(yaml.MappingNode, append(slices.Clone(l.template), "metadata")...))
	if err != nil {
		return err
	}
	return meta.PipeE(yaml.LookupCreate(yaml.MappingNode, "labels"), yaml.SetField(l.key, yaml.NewStringRNode(l.value)))
}

// Write writes the rendering with w: the items, then each object built,
// encoded and printed in turn, on every CPU (yamlout.WriteItems). A nil
// rendering (a run with problems) writes no items.
func (r *Rendering) Write(w kio.ByteWriter) error {
	if r == nil {
		return yamlout.WriteItems(w, nil, nil)
	}
	return yamlout.WriteItems(w, r.Items, r.lazy())
}

// Objects are the generated objects, built and encoded, on every CPU.
func (r *Rendering) Objects() ([]*yaml.RNode, error) {
	if r == nil {
		return nil, nil
	}
	return yamlout.EncodeAll(r.lazy())
}

// lazy are the objects, each to be built when it is encoded.
func (r *Rendering) lazy() []yamlout.Lazy {
	out := make([]yamlout.Lazy, len(r.objects))
	for i := range r.objects {
		out[i] = r.objects[i].object
	}
	return out
}

// object builds o with its builder, and checks that it is what the plan
// says it is.
func (o planned) object() (any, error) {
	obj := o.build()
	kind := obj.GetObjectKind().GroupVersionKind()
	if kind.Kind != o.kind.String() || kind.GroupVersion().String() != o.kind.APIVersion() || obj.GetNamespace() != o.namespace || obj.GetName() != o.name {
		return nil, fmt.Errorf("%s %s %s/%s was built as %s %s/%s",
			o.kind.APIVersion(), o.kind, o.namespace, o.name, kind, obj.GetNamespace(), obj.GetName())
	}
	return obj, nil
}
