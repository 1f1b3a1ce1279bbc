package fn

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"
	kerrors "sigs.k8s.io/kustomize/kyaml/errors"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Why the output is written item by item
//
// kio.ByteWriter prints a ResourceList as one YAML document through one
// go-yaml v3 encoder, whose emitter keeps every event of a document in a
// queue it never trims. For an environment of 1000 services (114,000
// lines) the queue grows to a few hundred megabytes, and copying and
// scanning it took most of the function's time and memory
// (docs/benchmarks.md). writeItems prints the same bytes with one
// ByteWriter per item.

// resourceListMode answers a ResourceList on stdin as the command kyaml's
// command.Build makes for p does (framework.Execute), but writes the
// output item by item. It prints no error: the caller does.
func resourceListMode(p *Processor) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, _ []string) error {
		err := execute(p, &kio.ByteReadWriter{Reader: c.InOrStdin(), Writer: c.OutOrStdout(), KeepReaderAnnotations: true})
		if stack, _ := c.Flags().GetBool("stack"); stack && err != nil {
			if s := kerrors.GetStack(err); s != "" {
				fmt.Fprintln(c.ErrOrStderr(), s)
			}
		}
		return err
	}
}

// execute is kyaml's framework.Execute, but for the writer, which encodes
// the generated objects as it writes them.
func execute(p *Processor, rw *kio.ByteReadWriter) error {
	rl := framework.ResourceList{}
	var err error
	if rl.Items, err = rw.Read(); err != nil {
		return kerrors.WrapPrefixf(err, "failed to read ResourceList input")
	}
	rl.FunctionConfig = rw.FunctionConfig
	annotations, err := kio.PreprocessResourcesForInternalAnnotationMigration(rl.Items)
	if err != nil {
		return err
	}
	gen, processErr := p.process(&rl)
	if err := kio.ReconcileInternalAnnotations(withInternalAnnotations(rl.Items), annotations); err != nil {
		return err
	}
	if len(rl.Results) > 0 {
		b, err := yaml.Marshal(rl.Results)
		if err != nil {
			return kerrors.Wrap(err)
		}
		if rw.Results, err = yaml.Parse(string(b)); err != nil {
			return kerrors.Wrap(err)
		}
	}
	w := kio.ByteWriter{
		Writer:                rw.Writer,
		KeepReaderAnnotations: rw.KeepReaderAnnotations,
		Style:                 rw.Style,
		FunctionConfig:        rw.FunctionConfig,
		Results:               rw.Results,
	}
	if !rw.NoWrap {
		w.WrappingAPIVersion = rw.WrappingAPIVersion
		w.WrappingKind = rw.WrappingKind
	}
	if err := writeItems(w, rl.Items, gen); err != nil {
		return err
	}
	return processErr
}

// internalAnnotations are the annotations kio.ReconcileInternalAnnotations
// reads and writes; an item with none of them it leaves as it is.
var internalAnnotations = []string{
	kioutil.InternalAnnotationsMigrationResourceIDAnnotation,
	kioutil.PathAnnotation, kioutil.IndexAnnotation, kioutil.IdAnnotation,
	kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation, kioutil.LegacyIdAnnotation,
}

// withInternalAnnotations keeps the items with any internalAnnotations:
// the input's, not the thousands the function generates.
func withInternalAnnotations(items []*yaml.RNode) []*yaml.RNode {
	var out []*yaml.RNode
	for _, it := range items {
		a := it.GetAnnotations(internalAnnotations...)
		if len(a) > 0 {
			out = append(out, it)
		}
	}
	return out
}

// writeItems writes exactly what w.Write(append(nodes, encodeAll(gen)...))
// writes, one item at a time and on every CPU, encoding each generated
// object just before it is printed. Wrapped in a list (a ResourceList),
// the envelope is what w writes around one item (the lines up to
// "items:") and around none (the lines after "items: []"). Unwrapped, the
// documents are separated by "---", as the encoder separates them.
func writeItems(w kio.ByteWriter, nodes []*yaml.RNode, gen []generated) error {
	n := len(nodes) + len(gen)
	if n < 2 || w.Sort || jsonFile(nodes) {
		return writeAll(w, nodes, gen)
	}
	one := w
	one.FunctionConfig, one.Results = nil, nil
	parts := make([][][]byte, (n+partSize-1)/partSize)
	printers := make([]*itemPrinter, workers(n))
	err := inParallel(n, func(worker, lo, hi int) error {
		if printers[worker] == nil {
			printers[worker] = newItemPrinter(one)
		}
		var err error
		parts[lo/partSize], err = printers[worker].write(nodes, gen, lo, hi)
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
func writeAll(w kio.ByteWriter, nodes []*yaml.RNode, gen []generated) error {
	encoded, err := encodeAll(gen)
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
func (ip *itemPrinter) write(nodes []*yaml.RNode, gen []generated, lo, hi int) ([][]byte, error) {
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
		printed := false
		if i > 0 {
			if ip.w.WrappingKind == "" {
				out = append(out, "---\n"...)
			}
			out, printed = ip.p.item(out, n)
		}
		if !printed {
			ip.buf.Reset()
			if err := ip.w.Write([]*yaml.RNode{n}); err != nil {
				return nil, err
			}
			b := ip.buf.Bytes()
			if i > 0 && ip.w.WrappingKind != "" {
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
