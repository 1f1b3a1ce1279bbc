package render

import (
	"fmt"
	"reflect"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// build has kustomize build the overlay as served (the platform taken
// out), and returns its resources in kustomize's order of accumulation.
//
// kustomize checks every resource it adds against all it holds, twice
// (accumulating, then dropping local configs), so its time grows with the
// square of the resources: most of a minute for 6000. When the overlay
// only gathers its resources (every other field empty) and nothing in the
// tree acts across them (no vars, no generated ConfigMap or Secret whose
// hashed name others refer to), each entry is built on its own and the
// results are joined: the same resources, in the same order, in time
// linear in the number of entries.
func (p *renderPlan) build(fsys *servedFS, dir string, o Options) ([]*resource.Resource, error) {
	opts := kustomizeOptions(o, krusty.ReorderOptionNone, false)
	entries, ok := p.splittable()
	if !ok {
		m, err := runKustomize(fsys, dir, opts, true)
		if err != nil {
			return nil, err
		}
		return m.Resources(), nil
	}
	var all []*resource.Resource
	at := map[resourceKey]bool{}
	for i, e := range entries {
		// The overlay with this one entry: kustomize accumulates a file in
		// the overlay's directory and a directory on its own alike.
		if err := fsys.serve(p.kustomizationPath, []byte("buildMetadata: [originAnnotations]\nresources:\n- "+yamlString(e)+"\n")); err != nil {
			return nil, err
		}
		m, err := runKustomize(fsys, dir, opts, i == 0)
		if err != nil {
			return nil, err
		}
		for _, r := range m.Resources() {
			key := keyOf(r.CurId())
			if at[key] {
				return nil, fmt.Errorf("accumulating resources: may not add resource with an already registered id: %s", r.CurId())
			}
			at[key] = true
			all = append(all, r)
		}
	}
	return all, fsys.serve(p.kustomizationPath, p.kustomization)
}

// splittable says whether the overlay (as served) is one whose entries can
// be built on their own, and returns them.
func (p *renderPlan) splittable() ([]string, bool) {
	if p.crossEntry || len(p.served.Resources) < 2 {
		return nil, false
	}
	v := reflect.ValueOf(*p.served)
	for i := range v.NumField() {
		switch v.Type().Field(i).Name {
		case "TypeMeta", "MetaData", "Resources":
			continue
		}
		f := v.Field(i)
		if empty := f.IsZero() || (f.Kind() == reflect.Slice || f.Kind() == reflect.Map) && f.Len() == 0; !empty {
			return nil, false
		}
	}
	return p.served.Resources, true
}

// yamlString is s as a YAML scalar.
func yamlString(s string) string {
	out, err := yaml.NewStringRNode(s).String()
	if err != nil {
		return s
	}
	return strings.TrimSuffix(out, "\n")
}

// crossEntry says whether any kustomization of the tree acts across the
// entries of the overlay: vars, or ConfigMap and Secret generators whose
// hashed names kustomize fixes in every reference at the top.
func crossEntry(k *types.Kustomization) bool {
	if len(k.Vars) > 0 {
		return true
	}
	hashed := func(o *types.GeneratorOptions) bool { return o == nil || !o.DisableNameSuffixHash }
	for _, g := range k.ConfigMapGenerator {
		if hashed(k.GeneratorOptions) && hashed(g.Options) {
			return true
		}
	}
	for _, g := range k.SecretGenerator {
		if hashed(k.GeneratorOptions) && hashed(g.Options) {
			return true
		}
	}
	return false
}

// renamingBuiltins are kustomize's builtin transformers that may rename or
// move objects.
var renamingBuiltins = []string{"PrefixSuffixTransformer", "PrefixTransformer", "SuffixTransformer",
	"NamespaceTransformer", "ReplacementTransformer", "PatchJson6902Transformer", "PatchTransformer"}

// renames says whether kustomization k may rename or move objects:
// namePrefix, nameSuffix, namespace, replacements, or a JSON patch of a
// name or namespace (read reads a patch file of k's directory). kustomize
// tells a function of such renames (fn/kustomize.go) but not the objects
// of a finished build, so render's fast path, which hands krm-fn a
// finished build, cannot take them.
func renames(k *types.Kustomization, read func(path string) ([]byte, bool)) bool {
	if k.NamePrefix != "" || k.NameSuffix != "" || k.Namespace != "" || len(k.Replacements) > 0 || len(k.PatchesJson6902) > 0 {
		return true
	}
	for _, p := range k.Patches {
		patch := []byte(p.Patch)
		if p.Path != "" {
			b, ok := read(p.Path)
			if !ok {
				return true // kustomize will say why; no fast path meanwhile
			}
			patch = b
		}
		if movesObjects(patch) {
			return true
		}
	}
	return false
}

// movesObjects says whether a patch is a JSON patch with an operation on
// an object's name or namespace (a strategic merge patch cannot change
// them: it names the object it patches).
func movesObjects(patch []byte) bool {
	var ops []struct {
		Path string `json:"path"`
		From string `json:"from"`
	}
	if err := sigsyaml.Unmarshal(patch, &ops); err != nil {
		return false // not a list of operations
	}
	for _, op := range ops {
		for _, path := range []string{op.Path, op.From} {
			if strings.HasPrefix(path, "/metadata/name") || strings.HasPrefix(path, "/metadata/namespace") || path == "/metadata" {
				return true
			}
		}
	}
	return false
}
