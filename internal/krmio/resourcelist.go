package krmio

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	kerrors "sigs.k8s.io/kustomize/kyaml/errors"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Request is a ResourceList read from stdin, as kyaml's framework.Execute
// reads one, and what answering it needs. The processing and the writing
// are the caller's: krm-fn writes its answer item by item (yamlout), not
// as one document through go-yaml's encoder, whose event queue grows with
// the whole output (docs/benchmarks.md).
type Request struct {
	framework.ResourceList
	rw          *kio.ByteReadWriter
	annotations map[string]map[string]string // kyaml's record of the items' internal annotations
}

// ReadResourceList reads the one ResourceList of r, within the input
// limits.
func ReadResourceList(r io.Reader) (*Request, error) {
	in, err := ReadInput(r, "stdin")
	if err != nil {
		return nil, err
	}
	q := &Request{rw: &kio.ByteReadWriter{Reader: bytes.NewReader(in), KeepReaderAnnotations: true}}
	if q.Items, err = q.rw.Read(); err != nil {
		return nil, kerrors.WrapPrefixf(err, "failed to read ResourceList input")
	}
	if err := oneResourceList(q.rw, q.Items); err != nil {
		return nil, err
	}
	if slices.ContainsFunc(q.Items, func(n *yaml.RNode) bool { return n.YNode().Kind != yaml.MappingNode }) {
		if items := itemsKind(in); items != "" {
			return nil, fmt.Errorf("stdin: the ResourceList's items are a %s, not a list of objects", items)
		}
	}
	q.FunctionConfig = q.rw.FunctionConfig
	if q.annotations, err = kio.PreprocessResourcesForInternalAnnotationMigration(q.Items); err != nil {
		return nil, err
	}
	return q, nil
}

// Answer is the writer of the answer to q on w, once q's items and
// results are those of the processing: the ResourceList envelope, its
// function config and results, and the items' internal annotations
// reconciled as kyaml's framework.Execute does.
func (q *Request) Answer(w io.Writer) (kio.ByteWriter, error) {
	if err := kio.ReconcileInternalAnnotations(withInternalAnnotations(q.Items), q.annotations); err != nil {
		return kio.ByteWriter{}, err
	}
	rw := q.rw
	if len(q.Results) > 0 {
		b, err := yaml.Marshal(q.Results)
		if err != nil {
			return kio.ByteWriter{}, kerrors.Wrap(err)
		}
		if rw.Results, err = yaml.Parse(string(b)); err != nil {
			return kio.ByteWriter{}, kerrors.Wrap(err)
		}
	}
	bw := kio.ByteWriter{
		Writer:                w,
		KeepReaderAnnotations: rw.KeepReaderAnnotations,
		Style:                 rw.Style,
		FunctionConfig:        rw.FunctionConfig,
		Results:               rw.Results,
	}
	if !rw.NoWrap {
		bw.WrappingAPIVersion = rw.WrappingAPIVersion
		bw.WrappingKind = rw.WrappingKind
	}
	return bw, nil
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
