package render

import (
	sigsyaml "sigs.k8s.io/yaml"

	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// namingSelf is a copy of the krm-fn function config n naming the program
// self as its function, with no arguments, and nothing else: whatever
// program, arguments or container the repository names, kustomize runs
// this krm-fn.
func namingSelf(n *yaml.RNode, self string) (*yaml.RNode, error) {
	spec, err := sigsyaml.Marshal(runtimeutil.FunctionSpec{Exec: runtimeutil.ExecSpec{Path: self}})
	if err != nil {
		return nil, err
	}
	out := n.Copy()
	for _, k := range []string{"config.k8s.io/function", "config.kubernetes.io/container"} {
		if _, err := out.Pipe(yaml.ClearAnnotation(k)); err != nil {
			return nil, err
		}
	}
	if err := out.PipeE(yaml.Lookup(yaml.MetadataField), yaml.Clear("configFn")); err != nil {
		return nil, err
	}
	if err := out.PipeE(yaml.SetAnnotation(runtimeutil.FunctionAnnotationKey, string(spec))); err != nil {
		return nil, err
	}
	return out, nil
}
