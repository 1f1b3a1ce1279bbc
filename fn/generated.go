package fn

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

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

// lazily defers build(x) until the object is written.
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
	encoders := make([]*encoder, workers(len(gen)))
	err := inParallel(len(gen), func(worker, lo, hi int) error {
		if encoders[worker] == nil {
			encoders[worker] = newEncoder()
		}
		for i := lo; i < hi; i++ {
			n, err := gen[i].encode(encoders[worker])
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

// workers is how many goroutines inParallel runs for n items: one per CPU.
func workers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n))
}

// partSize is how many items inParallel hands a worker at a time: small
// enough that workers finish together though items differ in cost.
const partSize = 64

// inParallel calls f on consecutive parts [lo, hi) of [0, n), on every
// CPU: worker (below workers(n)) says which goroutine runs the part, so
// that f can keep state per worker. It returns the parts' errors.
func inParallel(n int, f func(worker, lo, hi int) error) error {
	var next atomic.Int64
	errs := make([]error, workers(n))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for {
				lo := int(next.Add(partSize)) - partSize
				if lo >= n {
					return
				}
				if err := f(w, lo, min(lo+partSize, n)); err != nil {
					errs[w] = errors.Join(errs[w], err)
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
