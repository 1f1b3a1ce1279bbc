package fn

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/fn/model"
)

// generated is an object the function generates, with what orders and
// identifies it in the output. It is built only when it is written (by
// object), so that a large environment's objects are never all in memory
// at once.
type generated struct {
	kind            emit.Kind
	namespace, name string
	owner           string            // its owner annotation; "" for a Namespace
	x               *model.Exposure   // the exposure it is built from, if any
	mesh            bool              // the VirtualService of x inside the mesh
	shared          *model.SharedHost // the shared host it is built from, if any
	carried         model.Carried     // a Namespace's: what the exposures with a Service in it carry
	label           [2]string         // a Namespace's: the mesh label (key, value) the platform's injection sets
}

// generatedBy lists the objects exposure x generates (those of the shared
// hosts it claims are sharedObjects').
func generatedBy(x *model.Exposure) []generated {
	gen := []generated{{kind: emit.KindDestinationRule, namespace: x.Namespace, name: x.Name}}
	if len(x.Hosts) > 0 {
		gen = append(gen,
			generated{kind: emit.KindGateway, namespace: x.Namespace, name: x.Gateway.Name},
			generated{kind: emit.KindVirtualService, namespace: x.Namespace, name: x.Name},
			generated{kind: emit.KindIngress, namespace: x.Ingress.Namespace, name: x.Ingress.Name})
	}
	if x.Mesh {
		gen = append(gen, generated{kind: emit.KindVirtualService, namespace: x.Namespace, name: x.MeshName(), mesh: true})
	}
	if x.Service.Create {
		gen = append(gen, generated{kind: emit.KindService, namespace: x.Service.Namespace, name: x.Service.Name})
	}
	for i := range gen {
		gen[i].owner, gen[i].x = x.Owner, x
	}
	return gen
}

// sharedObjects lists the objects of shared host h.
func sharedObjects(h *model.SharedHost) []generated {
	return []generated{
		{kind: emit.KindGateway, namespace: h.Ingress.Namespace, name: h.Name, owner: h.Owner, shared: h},
		{kind: emit.KindVirtualService, namespace: h.Ingress.Namespace, name: h.Name, owner: h.Owner, shared: h},
		{kind: emit.KindIngress, namespace: h.Ingress.Namespace, name: h.Name, owner: h.Owner, shared: h},
	}
}

// build builds g with its kind's builder; nil for a kind without one.
func (g generated) build() emit.Object {
	switch g.kind {
	case emit.KindNamespace:
		return emit.Namespace(g.name, g.carried, g.label[0], g.label[1])
	case emit.KindService:
		return emit.Service(g.x)
	case emit.KindGateway:
		if g.shared != nil {
			return emit.SharedGateway(g.shared)
		}
		return emit.Gateway(g.x)
	case emit.KindVirtualService:
		switch {
		case g.shared != nil:
			return emit.SharedVirtualService(g.shared)
		case g.mesh:
			return emit.MeshVirtualService(g.x)
		}
		return emit.VirtualService(g.x)
	case emit.KindDestinationRule:
		return emit.DestinationRule(g.x)
	case emit.KindIngress:
		if g.shared != nil {
			return emit.SharedIngress(g.shared)
		}
		return emit.Ingress(g.x)
	}
	return nil
}

// object builds g, and checks that it is what g says it is.
func (g generated) object() (any, error) {
	obj := g.build()
	if obj == nil {
		return nil, fmt.Errorf("no builder for kind %d", g.kind)
	}
	kind := obj.GetObjectKind().GroupVersionKind()
	if kind.Kind != g.kind.String() || kind.GroupVersion().String() != g.kind.APIVersion() || obj.GetNamespace() != g.namespace || obj.GetName() != g.name {
		return nil, fmt.Errorf("%s %s %s/%s was built as %s %s/%s",
			g.kind.APIVersion(), g.kind, g.namespace, g.name, kind, obj.GetNamespace(), obj.GetName())
	}
	return obj, nil
}

// sortGenerated orders generated objects by kind, namespace and name.
func sortGenerated(gen []generated) {
	slices.SortStableFunc(gen, func(a, b generated) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
	})
}
