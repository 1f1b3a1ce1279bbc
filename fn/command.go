package fn

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/command"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// NewCommand builds the krm-fn command: a KRM function that reads a
// ResourceList on stdin and writes one on stdout (how kustomize, kpt and
// Argo CD plugins call it), or, given files, renders them directly:
//
//	krm-fn platform.yaml exposures.yaml...
func NewCommand() *cobra.Command {
	p := &Processor{}
	// kyaml builds the ResourceList (stdin) mode; files are read here, so
	// that every item knows its file and every error can name it.
	cmd := command.Build(p, command.StandaloneDisabled, true)
	p.Stderr = cmd.ErrOrStderr
	stdinMode := resourceListMode(p)
	cmd.RunE = func(c *cobra.Command, args []string) error {
		var err error
		if len(args) == 0 {
			err = stdinMode(c, args)
		} else {
			err = runFiles(c, p, args)
		}
		if err != nil {
			if _, problems := err.(failure); !problems {
				err = fmt.Errorf("krm-fn: %w", err)
			}
			fmt.Fprintln(c.ErrOrStderr(), strings.TrimRight(err.Error(), "\n"))
		}
		return err
	}
	cmd.AddCommand(showErrors(newRenderCommand()))
	cmd.Use = "krm-fn [FUNCTION-CONFIG [RESOURCES...]]"
	cmd.Short = "Render ServiceExposure specs into ALB Ingress, Istio Gateway/VirtualService/DestinationRule and Service"
	cmd.Long = `krm-fn is a KRM function. Given an ExposurePlatform as function config it
expands every ServiceExposure among its input items (transformer); given a
ServiceExposure it expands that one (generator).

With no arguments it reads a ResourceList on stdin and writes one on stdout,
as kustomize (exec or container function), kpt and Argo CD plugins call it.
With files it renders them: the first is the function config, the others
the input resources ("-" is stdin).

Every problem is printed on stderr as one line naming the file, the object
and the field; on any error the exit status is 1 and nothing is rendered.`
	cmd.Example = `  # render an environment directly
  krm-fn overlays/prd/platform.yaml bases/cb-test-api/exposure.yaml

  # as kustomize runs it (see the README for the kustomization wiring)
  kustomize build --enable-alpha-plugins --enable-exec overlays/prd`
	addHumanCommands(cmd)
	return cmd
}

// runFiles renders files directly: the first is the function config, the
// rest the input items; the output is the items, without a ResourceList.
func runFiles(c *cobra.Command, p *Processor, args []string) error {
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
	gen, err := p.process(rl)
	if err != nil {
		return err
	}
	w := kio.ByteWriter{Writer: c.OutOrStdout(), ClearAnnotations: []string{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation}}
	return writeItems(w, rl.Items, gen)
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
