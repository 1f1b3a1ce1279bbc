package yamlout

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/krmfn/krm-fn/internal/parallel"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Lazy is an object encoded only when it is written: it returns the typed
// object (anything encoding/json marshals), so that a large output's
// objects are never all held as nodes at once.
type Lazy func() (any, error)

// encode builds l and encodes it with e.
func (l Lazy) encode(e *encoder) (*yaml.RNode, error) {
	obj, err := l()
	if err != nil {
		return nil, err
	}
	return e.toNode(obj)
}

// EncodeAll encodes objects into nodes, on every CPU.
func EncodeAll(objects []Lazy) ([]*yaml.RNode, error) {
	nodes := make([]*yaml.RNode, len(objects))
	encoders := make([]*encoder, parallel.Workers(len(objects)))
	err := parallel.Run(len(objects), func(worker, lo, hi int) error {
		if encoders[worker] == nil {
			encoders[worker] = newEncoder()
		}
		for i := lo; i < hi; i++ {
			n, err := objects[i].encode(encoders[worker])
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

// WriteItems writes exactly what w.Write(append(nodes, EncodeAll(objects)...))
// writes, one item at a time and on every CPU, encoding each object just
// before it is printed.
//
// kio.ByteWriter prints a list of items as one YAML document through one
// go-yaml v3 encoder, whose emitter keeps every event of a document in a
// queue it never trims: for 114,000 lines the queue grows to a few
// hundred megabytes, and copying and scanning it takes most of the time
// and memory (docs/benchmarks.md). WriteItems prints the same bytes with
// one ByteWriter (or the printer) per item. Wrapped in a list (a ResourceList),
// the envelope is what w writes around one item (the lines up to
// "items:") and around none (the lines after "items: []"). Unwrapped, the
// documents are separated by "---", as the encoder separates them.
func WriteItems(w kio.ByteWriter, nodes []*yaml.RNode, gen []Lazy) error {
	n := len(nodes) + len(gen)
	if n == 0 || w.Sort || jsonFile(nodes) {
		return writeAll(w, nodes, gen)
	}
	one := w
	one.FunctionConfig, one.Results = nil, nil
	parts := make([][][]byte, (n+parallel.PartSize-1)/parallel.PartSize)
	printers := make([]*itemPrinter, parallel.Workers(n))
	err := parallel.Run(n, func(worker, lo, hi int) error {
		if printers[worker] == nil {
			printers[worker] = newItemPrinter(one)
		}
		var err error
		parts[lo/parallel.PartSize], err = printers[worker].write(nodes, gen, lo, hi)
		return err
	})
	if errors.Is(err, errLayout) {
		return writeAll(w, nodes, gen) // not the layout above: let kyaml print it all
	}
	if err != nil {
		return err
	}
	var tail []byte
	if w.WrappingKind != "" {
		var buf bytes.Buffer
		none := w
		none.Writer = &buf
		if err := none.Write(nil); err != nil {
			return err
		}
		k := bytes.Index(buf.Bytes(), []byte(noItems))
		if k < 0 {
			return writeAll(w, nodes, gen)
		}
		tail = buf.Bytes()[k+len(noItems):]
	}
	for _, chunk := range append(slices.Concat(parts...), tail) {
		if _, err := w.Writer.Write(chunk); err != nil {
			return err
		}
	}
	return nil
}

// writeAll writes all items with w.
func writeAll(w kio.ByteWriter, nodes []*yaml.RNode, gen []Lazy) error {
	encoded, err := EncodeAll(gen)
	if err != nil {
		return err
	}
	return w.Write(append(slices.Clip(nodes), encoded...))
}

const items, noItems = "\nitems:\n", "\nitems: []\n"

var errLayout = errors.New("unexpected layout")

// itemPrinter writes items one by one as its ByteWriter writes each, with
// the printer where it can; one goroutine uses it.
type itemPrinter struct {
	w   kio.ByteWriter
	buf bytes.Buffer
	p   *printer
	e   *encoder
}

func newItemPrinter(w kio.ByteWriter) *itemPrinter {
	ip := &itemPrinter{w: w, e: newEncoder()}
	ip.w.Writer = &ip.buf
	ip.p = newPrinter(ip.w)
	ip.e.recycle = true // each item is printed before the next is encoded
	return ip
}

// write writes the items lo to hi of nodes followed by gen, keeping the
// envelope of the first item if lo is 0. The output is in chunks of about
// chunkSize bytes, which are never copied to grow.
func (ip *itemPrinter) write(nodes []*yaml.RNode, gen []Lazy, lo, hi int) ([][]byte, error) {
	var chunks [][]byte
	out := make([]byte, 0, chunkSize)
	for i := lo; i < hi; i++ {
		var n *yaml.RNode
		var err error
		if i < len(nodes) {
			n = nodes[i]
		} else if n, err = gen[i-len(nodes)].encode(ip.e); err != nil {
			return nil, err
		}
		switch {
		case i == 0 && ip.w.WrappingKind != "":
			head, err := ip.head()
			if err != nil {
				return nil, err
			}
			out = append(out, head...)
		case i > 0 && ip.w.WrappingKind == "":
			out = append(out, "---\n"...)
		}
		var printed bool
		out, printed = ip.p.item(out, n)
		if !printed && size(n.YNode(), largeItem) > largeItem {
			start := len(out)
			if out, err = ip.p.itemJSON(out, n); err != nil {
				return nil, fmt.Errorf("%s holds more than %d YAML nodes, written as JSON, which cannot hold %w", describe(n), largeItem, err)
			}
			printed = start < len(out)
		}
		if !printed {
			ip.buf.Reset()
			if err := ip.w.Write([]*yaml.RNode{n}); err != nil {
				return nil, err
			}
			b := ip.buf.Bytes()
			if ip.w.WrappingKind != "" {
				k := bytes.Index(b, []byte(items))
				if k < 0 {
					return nil, errLayout
				}
				b = b[k+len(items):]
			}
			out = append(out, b...)
		}
		if len(out) >= chunkSize*3/4 {
			chunks = append(chunks, out)
			out = make([]byte, 0, chunkSize)
		}
	}
	return append(chunks, out), nil
}

const chunkSize = 64 << 10

// describe names an item in an error.
func describe(n *yaml.RNode) string {
	what := fmt.Sprintf("%s %s", n.GetKind(), n.GetName())
	if ns := n.GetNamespace(); ns != "" {
		what = fmt.Sprintf("%s %s/%s", n.GetKind(), ns, n.GetName())
	}
	return what
}

// head is what the ByteWriter writes before the first item of a list: the
// envelope's lines up to "items:".
func (ip *itemPrinter) head() ([]byte, error) {
	ip.buf.Reset()
	if err := ip.w.Write(nil); err != nil {
		return nil, err
	}
	k := bytes.Index(ip.buf.Bytes(), []byte(noItems))
	if k < 0 {
		return nil, errLayout
	}
	return append(slices.Clone(ip.buf.Bytes()[:k]), items...), nil
}

// jsonFile says whether a node comes from a JSON file, which kio.ByteWriter
// writes as JSON when it is alone.
func jsonFile(nodes []*yaml.RNode) bool {
	for _, n := range nodes {
		if path, _, _ := kioutil.GetFileAnnotations(n); path != "" {
			for _, glob := range kio.JSONMatch {
				if ok, _ := filepath.Match(glob, filepath.Base(path)); ok {
					return true
				}
			}
		}
	}
	return false
}
