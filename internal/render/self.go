package render

import (
	"bytes"
	"fmt"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// serve replaces the content of the file at path for the build.
func (s *servedFS) serve(path string, data []byte) error {
	real, err := resolve(path)
	if err != nil {
		return err
	}
	s.files[real] = data
	return nil
}

// runSelf serves krm-fn's function configs so that kustomize runs self
// for each, with no arguments: whatever program, arguments or container
// the repository names, kustomize runs this krm-fn and nothing else.
func (s *servedFS) runSelf(functions []function, self string) error {
	spec, err := sigsyaml.Marshal(runtimeutil.FunctionSpec{Exec: runtimeutil.ExecSpec{Path: self}})
	if err != nil {
		return err
	}
	inline := map[string][]int{} // kustomization file → field entries, by field
	fields := map[string][]string{}
	for _, f := range functions {
		if f.file == "" {
			inline[f.kustomization] = append(inline[f.kustomization], f.index)
			fields[f.kustomization] = append(fields[f.kustomization], f.field)
			continue
		}
		b, ok := s.served(f.file)
		if !ok {
			if b, err = s.ReadFile(f.file); err != nil {
				return err
			}
		}
		out, err := namingSelf(b, string(spec))
		if err != nil {
			return fmt.Errorf("%s: %w", f.file, err)
		}
		if err := s.serve(f.file, out); err != nil {
			return err
		}
	}
	for file, indices := range inline {
		b, err := s.ReadFile(file)
		if err != nil {
			return err
		}
		k, err := yaml.Parse(string(b))
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		for i, idx := range indices {
			list, err := k.Pipe(yaml.Lookup(fields[file][i]))
			if err != nil || list == nil || idx >= len(list.YNode().Content) {
				return fmt.Errorf("%s: %s[%d] not found", file, fields[file][i], idx)
			}
			entry := list.YNode().Content[idx]
			out, err := namingSelf([]byte(entry.Value), string(spec))
			if err != nil {
				return fmt.Errorf("%s: %s[%d]: %w", file, fields[file][i], idx, err)
			}
			entry.Value, entry.Style = string(out), yaml.LiteralStyle
		}
		out, err := k.String()
		if err != nil {
			return err
		}
		if err := s.serve(file, []byte(out)); err != nil {
			return err
		}
	}
	return nil
}

// namingSelf rewrites the krm-fn function configs among the documents of b
// to name spec as their function, and only that.
func namingSelf(b []byte, spec string) ([]byte, error) {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if !v1alpha1.InGroup(n.GetApiVersion()) {
			continue
		}
		for _, k := range []string{"config.k8s.io/function", "config.kubernetes.io/container"} {
			if _, err := n.Pipe(yaml.ClearAnnotation(k)); err != nil {
				return nil, err
			}
		}
		if err := n.PipeE(yaml.Lookup(yaml.MetadataField), yaml.Clear("configFn")); err != nil {
			return nil, err
		}
		if err := n.PipeE(yaml.SetAnnotation(runtimeutil.FunctionAnnotationKey, spec)); err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	if err := (kio.ByteWriter{Writer: &out}).Write(nodes); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
