package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// runFiles renders files directly: the first is the function config, the
// rest the input items; the output is the items, without a ResourceList.
func runFiles(c *cobra.Command, p *fn.Processor, args []string) error {
	var in inputs
	config, err := in.file(c.InOrStdin(), args[0])
	if err != nil {
		return err
	}
	if len(config) != 1 {
		return fmt.Errorf("%s: the function config file must hold exactly one object, it holds %d", args[0], len(config))
	}
	items, err := in.objects(c.InOrStdin(), args[1:], func(path string) bool { return !mentionsGroup(path) })
	if err != nil {
		return err
	}
	rl := &framework.ResourceList{FunctionConfig: config[0], Items: items}
	r, err := p.Run(rl)
	if err != nil {
		return err
	}
	return r.Write(kio.ByteWriter{Writer: c.OutOrStdout(), ClearAnnotations: []string{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation}})
}

// inputs reads the files of one run, within krm-fn's input limits in all
// (krmio.MaxInputBytes; each file's YAML nodes bounded before it is parsed).
type inputs struct {
	read  int
	nodes krmio.NodeBudget
}

// file reads the objects of one file ("-": stdin), each annotated with its
// file and index, as kpt does.
func (in *inputs) file(stdin io.Reader, path string) ([]*yaml.RNode, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := krmio.ReadInput(io.LimitReader(r, int64(krmio.MaxInputBytes-in.read)+1), path)
	if err != nil {
		return nil, err
	}
	if err := in.nodes.Add(krmio.CountNodes(b), len(b), path); err != nil {
		return nil, err
	}
	if in.read += len(b); in.read > krmio.MaxInputBytes {
		return nil, fmt.Errorf("%s: the files hold more than %d MiB in all, the most krm-fn reads (docs/security.md)", path, krmio.MaxInputBytes>>20)
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), SetAnnotations: map[string]string{kioutil.PathAnnotation: path}}).Read()
	if err != nil {
		return nil, notYAML{fmt.Errorf("%s: not valid YAML: %w", path, err)}
	}
	return nodes, nil
}

// notYAML is the error of a file that is no YAML of Kubernetes objects.
type notYAML struct{ error }

func (e notYAML) Unwrap() error { return e.error }

// objects reads the files of paths ("-": stdin; directories recursively).
// A file found under a directory that is no YAML of objects is skipped if
// skip(its path) says so (YAML of something else); every other error, the
// input limits among them, stops the reading. Of the files found under a
// directory, only Kubernetes objects (apiVersion and kind) are kept.
func (in *inputs) objects(stdin io.Reader, paths []string, skip func(path string) bool) ([]*yaml.RNode, error) {
	var items []*yaml.RNode
	for _, path := range paths {
		files := []yamlFile{{path: path}}
		if path != "-" {
			var err error
			if files, err = yamlFiles([]string{path}); err != nil {
				return nil, err
			}
		}
		for _, f := range files {
			nodes, err := in.file(stdin, f.path)
			var bad notYAML
			if err != nil && f.walked && errors.As(err, &bad) && skip(f.path) {
				continue // YAML of something else, found under a directory
			}
			if err != nil {
				return nil, err
			}
			for _, n := range nodes {
				if !f.walked || n.GetApiVersion() != "" && n.GetKind() != "" {
					items = append(items, n)
				}
			}
		}
	}
	return items, nil
}
