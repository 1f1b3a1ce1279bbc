package fn

import (
	"github.com/krmfn/krm-fn/internal/fastyaml"
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
// (docs/benchmarks.md). Execute prints the same bytes with
// fastyaml.WriteItems, one item at a time.

// Execute is kyaml's framework.Execute for p — read the ResourceList of
// rw, process it, write the result — but with the output written item by
// item, each generated object encoded just before it is printed. It
// prints no error: the caller does.
func Execute(p *Processor, rw *kio.ByteReadWriter) error {
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
