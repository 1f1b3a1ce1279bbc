package fn

import (
	"bytes"
	"fmt"
	"github.com/krmfn/krm-fn/internal/fastyaml"
	kerrors "sigs.k8s.io/kustomize/kyaml/errors"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	"slices"
)

// Why the output is written item by item
//
// kio.ByteWriter prints a ResourceList as one YAML document through one
// go-yaml v3 encoder, whose emitter keeps every event of a document in a
// queue it never trims. For an environment of 1000 services (114,000
// lines) the queue grows to a few hundred megabytes, and copying and
// scanning it took most of the function's time and memory
// (docs/benchmarks.md). Execute prints the same bytes with
// fastyaml.WriteItems, one item at a time.

// Execute is kyaml's framework.Execute for p — read the ResourceList of
// rw, process it, write the result — but with the output written item by
// item, each generated object encoded just before it is printed. It
// prints no error: the caller does.
func Execute(p *Processor, rw *kio.ByteReadWriter) error {
	in, err := ReadInput(rw.Reader, "stdin")
	if err != nil {
		return err
	}
	rw.Reader = bytes.NewReader(in)
	rl := framework.ResourceList{}
	if rl.Items, err = rw.Read(); err != nil {
		return kerrors.WrapPrefixf(err, "failed to read ResourceList input")
	}
	if err := oneResourceList(rw, rl.Items); err != nil {
		return err
	}
	if slices.ContainsFunc(rl.Items, func(n *yaml.RNode) bool { return n.YNode().Kind != yaml.MappingNode }) {
		if items := itemsKind(in); items != "" {
			return fmt.Errorf("stdin: the ResourceList's items are a %s, not a list of objects", items)
		}
	}
	rl.FunctionConfig = rw.FunctionConfig
	annotations, err := kio.PreprocessResourcesForInternalAnnotationMigration(rl.Items)
	if err != nil {
		return err
	}
	gen, processErr := p.Expand(&rl)
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
	if err := fastyaml.WriteItems(w, rl.Items, gen); err != nil {
		return err
	}
	return processErr
}

// oneResourceList checks that the input read by rw was exactly one
// ResourceList: kyaml's reader also takes a List, or a stream of
// documents, as items, which would pass through unexpanded.
func oneResourceList(rw *kio.ByteReadWriter, items []*yaml.RNode) error {
	const want = "a KRM function reads exactly one ResourceList document (apiVersion: config.kubernetes.io/v1) on stdin"
	switch {
	case rw.WrappingKind == kio.ResourceListKind:
		return nil
	case rw.WrappingKind != "":
		return fmt.Errorf("stdin is a %s, not a ResourceList: %s", rw.WrappingKind, want)
	case len(items) == 0:
		return fmt.Errorf("stdin holds no document: %s", want)
	case len(items) == 1:
		return fmt.Errorf("stdin is one object (%s %s), not a ResourceList: %s", items[0].GetApiVersion(), items[0].GetKind(), want)
	}
	return fmt.Errorf("stdin holds %d YAML documents: %s", len(items), want)
}

// itemsKind says what the items of the ResourceList in are when they are
// not a list ("" otherwise), to explain why kyaml could not read it.
func itemsKind(in []byte) string {
	n, err := yaml.Parse(string(in))
	if err != nil || n.GetKind() != kio.ResourceListKind {
		return ""
	}
	items := n.Field("items")
	if items == nil {
		return ""
	}
	switch items.Value.YNode().Kind {
	case yaml.SequenceNode:
		return ""
	case yaml.MappingNode:
		return "mapping"
	}
	return "scalar"
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
