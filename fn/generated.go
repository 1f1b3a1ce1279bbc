package fn

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// object is what every generated object is: a typed Kubernetes object.
type object interface {
	metav1.Object
	GetObjectKind() schema.ObjectKind
}

// generated is an object the function generates, with what orders and
// identifies it in the output. It is built only when it is written, so
// that a large environment's objects are never all in memory at once.
type generated struct {
	kind                        int // its index in kindOrder
	apiVersion, namespace, name string
	owner                       string // its exposure's owner annotation; "" for a Namespace
	build                       func() object
}

// lazily is the builder of x's object that build builds.
func lazily[T object](build func(*exposure) T, x *exposure) func() object {
	return func() object { return build(x) }
}

// object builds g, and checks that it is what g says it is.
func (g generated) object() (object, error) {
	obj := g.build()
	kind := obj.GetObjectKind().GroupVersionKind()
	if kind.Kind != kindOrder[g.kind] || kind.GroupVersion().String() != g.apiVersion || obj.GetNamespace() != g.namespace || obj.GetName() != g.name {
		return nil, fmt.Errorf("%s %s %s/%s was built as %s %s/%s",
			g.apiVersion, kindOrder[g.kind], g.namespace, g.name, kind, obj.GetNamespace(), obj.GetName())
	}
	return obj, nil
}

// encode builds g and encodes it with e.
func (g generated) encode(e *encoder) (*yaml.RNode, error) {
	obj, err := g.object()
	if err != nil {
		return nil, err
	}
	return e.toNode(obj)
}

// encodeAll encodes generated objects into nodes, on every CPU.
func encodeAll(gen []generated) ([]*yaml.RNode, error) {
	nodes := make([]*yaml.RNode, len(gen))
	err := inParallel(len(gen), func(_, lo, hi int) error {
		e := newEncoder()
		for i := lo; i < hi; i++ {
			n, err := gen[i].encode(e)
			if err != nil {
				return err
			}
			nodes[i] = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nodes, nil
}

// inParallel calls f on consecutive parts [lo, hi) of [0, n), part i of
// them, one part per CPU, and returns their errors.
func inParallel(n int, f func(i, lo, hi int) error) error {
	workers := max(1, min(runtime.GOMAXPROCS(0), n))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { errs[i] = f(i, i*n/workers, (i+1)*n/workers) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
