package render

import (
	"encoding/json"
	"fmt"
	"slices"

	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// resourceKey is what makes two resource ids equal to kustomize
// (resid.ResId.Equals): group, version, kind, name and effective
// namespace.
type resourceKey struct{ group, version, kind, name, namespace string }

func keyOf(id resid.ResId) resourceKey {
	return resourceKey{id.Group, id.Version, id.Kind, id.Name, id.EffectiveNamespace()}
}

// merge is kustomize's UpdateResMapValues (api/internal/plugins/utils) in
// linear time, for a function run in memory on the nodes of old: output
// are the nodes that came out (old resources' own nodes, changed in place,
// in their order) and generated the resources the function generated. A
// generated resource with the id of an old one replaces it in place, new
// ones are appended in order, old ones not in the output are dropped.
func merge(old []*resource.Resource, output []*yaml.RNode, generated []*resource.Resource, pluginName string) ([]*resource.Resource, error) {
	at := make(map[resourceKey]int, len(old))
	index := make(map[*yaml.RNode]int, len(old))
	for i, r := range old {
		at[keyOf(r.CurId())] = i
		index[&r.RNode] = i
	}
	list := slices.Clone(old)
	seen := make(map[resourceKey]bool, len(output)+len(generated))
	add := func(r *resource.Resource) error {
		k := keyOf(r.CurId())
		if seen[k] {
			id, err := json.Marshal(r.CurId())
			if err != nil {
				id = []byte(r.CurId().String())
			}
			return fmt.Errorf("plugin %s generated duplicate resource: %s", pluginName, id)
		}
		seen[k] = true
		return nil
	}
	for _, n := range output {
		i, ok := index[n]
		if !ok {
			return nil, fmt.Errorf("plugin %s returned a resource it was not given", pluginName)
		}
		if err := add(old[i]); err != nil {
			return nil, err
		}
	}
	for _, r := range generated {
		if err := add(r); err != nil {
			return nil, err
		}
		if i, ok := at[keyOf(r.CurId())]; ok {
			list[i].ResetRNode(r)
		} else {
			list = append(list, r)
		}
	}
	return slices.DeleteFunc(list, func(r *resource.Resource) bool { return !seen[keyOf(r.CurId())] }), nil
}
