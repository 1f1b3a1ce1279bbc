package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/internal/fastyaml"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// runFiles renders files directly: the first is the function config, the
// rest the input items; the output is the items, without a ResourceList.
func runFiles(c *cobra.Command, p *fn.Processor, args []string) error {
	config, err := readFile(c.InOrStdin(), args[0])
	if err != nil {
		return err
	}
	if len(config) != 1 {
		return fmt.Errorf("%s: the function config file must hold exactly one object, it holds %d", args[0], len(config))
	}
	var items []*yaml.RNode
	for _, path := range args[1:] {
		nodes, err := readFile(c.InOrStdin(), path)
		if err != nil {
			return err
		}
		items = append(items, nodes...)
	}
	rl := &framework.ResourceList{FunctionConfig: config[0], Items: items}
	gen, err := p.Expand(rl)
	if err != nil {
		return err
	}
	w := kio.ByteWriter{Writer: c.OutOrStdout(), ClearAnnotations: []string{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation}}
	return fastyaml.WriteItems(w, rl.Items, gen)
}

// readFile reads the objects of one file ("-": stdin), each annotated with
// its file and index, as kpt does.
func readFile(stdin io.Reader, path string) ([]*yaml.RNode, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	nodes, err := (&kio.ByteReader{Reader: r, SetAnnotations: map[string]string{kioutil.PathAnnotation: path}}).Read()
	if err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", path, err)
	}
	return nodes, nil
}
