package fn

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/errors"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
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
func resourceListMode(p framework.ResourceListProcessor) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, _ []string) error {
		err := execute(p, &kio.ByteReadWriter{Reader: c.InOrStdin(), Writer: c.OutOrStdout(), KeepReaderAnnotations: true})
		if stack, _ := c.Flags().GetBool("stack"); stack && err != nil {
			if s := errors.GetStack(err); s != "" {
				fmt.Fprintln(c.ErrOrStderr(), s)
			}
		}
		return err
	}
}

// execute is kyaml's framework.Execute, but for the writer.
func execute(p framework.ResourceListProcessor, rw *kio.ByteReadWriter) error {
	rl := framework.ResourceList{}
	var err error
	if rl.Items, err = rw.Read(); err != nil {
		return errors.WrapPrefixf(err, "failed to read ResourceList input")
	}
	rl.FunctionConfig = rw.FunctionConfig
	annotations, err := kio.PreprocessResourcesForInternalAnnotationMigration(rl.Items)
	if err != nil {
		return err
	}
	processErr := p.Process(&rl)
	if err := kio.ReconcileInternalAnnotations(rl.Items, annotations); err != nil {
		return err
	}
	if len(rl.Results) > 0 {
		b, err := yaml.Marshal(rl.Results)
		if err != nil {
			return errors.Wrap(err)
		}
		if rw.Results, err = yaml.Parse(string(b)); err != nil {
			return errors.Wrap(err)
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
	if err := writeItems(w, rl.Items); err != nil {
		return err
	}
	return processErr
}

// writeItems writes exactly what w.Write(nodes) writes for a wrapped list
// (a ResourceList), one item at a time: the envelope is what w writes
// around one item (the lines up to "items:") and around none (the lines
// after "items: []"). Anything else kyaml writes itself.
func writeItems(w kio.ByteWriter, nodes []*yaml.RNode) error {
	if len(nodes) < 2 || w.WrappingKind == "" || w.Sort {
		return w.Write(nodes)
	}
	var out, buf bytes.Buffer
	one := w
	one.Writer = &buf
	one.FunctionConfig, one.Results = nil, nil
	const items, noItems = "\nitems:\n", "\nitems: []\n"
	for i, n := range nodes {
		buf.Reset()
		if err := one.Write([]*yaml.RNode{n}); err != nil {
			return err
		}
		b := buf.Bytes()
		if i > 0 {
			k := bytes.Index(b, []byte(items))
			if k < 0 {
				return w.Write(nodes) // not the layout above: let kyaml print it all
			}
			b = b[k+len(items):]
		}
		out.Write(b)
	}
	buf.Reset()
	none := w
	none.Writer = &buf
	if err := none.Write(nil); err != nil {
		return err
	}
	k := bytes.Index(buf.Bytes(), []byte(noItems))
	if k < 0 {
		return w.Write(nodes)
	}
	out.Write(buf.Bytes()[k+len(noItems):])
	_, err := w.Writer.Write(out.Bytes())
	return err
}
