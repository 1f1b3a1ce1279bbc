package render

import (
	"encoding/json"
	"fmt"
	"slices"

	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/resid"
)

// resourceKey is what makes two resource ids equal to kustomize
// (resid.ResId.Equals): group, version, kind, name and effective
// namespace.
type resourceKey struct{ group, version, kind, name, namespace string }

func keyOf(id resid.ResId) resourceKey {
	return resourceKey{id.Group, id.Version, id.Kind, id.Name, id.EffectiveNamespace()}
}

// merge is kustomize's UpdateResMapValues (api/internal/plugins/utils) in
// linear time: the function's output resources replace the old ones with
// the same id in place, new ones are appended in output order, old ones
// missing from the output are dropped.
func merge(old []*resource.Resource, output []byte, pluginName string) ([]*resource.Resource, error) {
	generated, err := provider.NewDepProvider().GetResourceFactory().SliceFromBytes(output)
	if err != nil {
		return nil, err
	}
	at := make(map[resourceKey]int, len(old))
	for i, r := range old {
		at[keyOf(r.CurId())] = i
	}
	list := slices.Clone(old)
	seen := make(map[resourceKey]bool, len(generated))
	for _, r := range generated {
		a := r.GetAnnotations()
		delete(a, kustomizeIDAnnotation)
		if err := r.SetAnnotations(a); err != nil {
			return nil, err
		}
		k := keyOf(r.CurId())
		if seen[k] {
			id, err := json.Marshal(r.CurId())
			if err != nil {
				id = []byte(r.CurId().String())
			}
			return nil, fmt.Errorf("plugin %s generated duplicate resource: %s", pluginName, id)
		}
		seen[k] = true
		if i, ok := at[k]; ok {
			list[i].ResetRNode(r)
		} else {
			list = append(list, r)
		}
	}
	return slices.DeleteFunc(list, func(r *resource.Resource) bool { return !seen[keyOf(r.CurId())] }), nil
}
