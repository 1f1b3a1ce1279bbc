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
	owner           string          // its exposure's owner annotation; "" for a Namespace
	x               *model.Exposure // the exposure it is built from; nil for a Namespace
}

// generatedBy lists the objects exposure x generates.
func generatedBy(x *model.Exposure) []generated {
	gen := []generated{
		{kind: emit.KindGateway, namespace: x.Namespace, name: x.Gateway.Name},
		{kind: emit.KindVirtualService, namespace: x.Namespace, name: x.Name},
		{kind: emit.KindDestinationRule, namespace: x.Namespace, name: x.Name},
		{kind: emit.KindIngress, namespace: x.Ingress.Namespace, name: x.Ingress.Name},
	}
	if x.Service.Create {
		gen = append(gen, generated{kind: emit.KindService, namespace: x.Service.Namespace, name: x.Service.Name})
	}
	for i := range gen {
		gen[i].owner, gen[i].x = x.Owner, x
	}
	return gen
}

// build builds g with its kind's builder; nil for a kind without one.
func (g generated) build() emit.Object {
	switch g.kind {
	case emit.KindNamespace:
		return emit.Namespace(g.name)
	case emit.KindService:
		return emit.Service(g.x)
	case emit.KindGateway:
		return emit.Gateway(g.x)
	case emit.KindVirtualService:
		return emit.VirtualService(g.x)
	case emit.KindDestinationRule:
		return emit.DestinationRule(g.x)
	case emit.KindIngress:
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
