package fn

import (
	"fmt"
	"io"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/internal/krmio"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
)

// ExecuteFiles renders files directly, as the command line does given
// them: the first (paths[0]) is the function config, the others the input
// items ("-": stdin; directories recursively, where YAML of something
// else is skipped); the output is the items, without a ResourceList, each
// problem naming its file. It prints no error: the caller does.
func ExecuteFiles(p *Processor, stdin io.Reader, stdout io.Writer, paths []string) error {
	var in krmio.Files
	config, err := in.Read(stdin, paths[0])
	if err != nil {
		return err
	}
	if len(config) != 1 {
		return fmt.Errorf("%s: the function config file must hold exactly one object, it holds %d", paths[0], len(config))
	}
	items, err := in.Objects(stdin, paths[1:], func(path string) bool { return !krmio.MentionsGroup(path, v1alpha1.Group) })
	if err != nil {
		return err
	}
	if p.Source == nil {
		p.Source = in.Source
	}
	r, err := p.Run(&framework.ResourceList{FunctionConfig: config[0], Items: items})
	if err != nil {
		return err
	}
	return r.Write(kio.ByteWriter{Writer: stdout, ClearAnnotations: []string{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation}})
}
