package render

import (
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
)

// sortResources orders rs as kustomize's SortOrderTransformer does for
// the kustomization's sortOptions (legacy when unset, as the CLI).
//
// kustomize keeps that code in api/internal/builtins, which no other
// module can import, and its Transform re-adds every resource to a ResMap
// that checks each against all the others (quadratic). The comparison
// below is its legacyIDSorter.Less, line for line; a test checks the
// result against kustomize's own ordering.
func sortResources(rs []*resource.Resource, o *types.SortOptions) error {
	if o == nil {
		o = &types.SortOptions{Order: types.LegacySortOrder}
	}
	switch o.Order {
	case types.FIFOSortOrder:
		if o.LegacySortOptions != nil {
			return fmt.Errorf("the field 'sortOptions.legacySortOptions' is set but the selected sort order is '%v', not 'legacy'", o.Order)
		}
		return nil
	case types.LegacySortOrder:
	default:
		return fmt.Errorf("the field 'sortOptions.order' must be one of [%s, %s]", types.FIFOSortOrder, types.LegacySortOrder)
	}
	first, last := legacyOrderFirst, legacyOrderLast
	if o.LegacySortOptions != nil {
		first, last = o.LegacySortOptions.OrderFirst, o.LegacySortOptions.OrderLast
	}
	typeOrders := map[string]int{}
	for i, n := range first {
		typeOrders[n] = -len(first) + i
	}
	for i, n := range last {
		typeOrders[n] = 1 + i
	}
	type keyed struct {
		id  resid.ResId
		key string
		r   *resource.Resource
	}
	ks := make([]keyed, len(rs))
	for i, r := range rs {
		id := r.CurId()
		ks[i] = keyed{id, legacyResIDSortString(id), r}
	}
	sort.Slice(ks, func(i, j int) bool {
		a, b := ks[i].id, ks[j].id
		if !a.Gvk.Equals(b.Gvk) {
			return gvkLessThan(a.Gvk, b.Gvk, typeOrders)
		}
		return ks[i].key < ks[j].key
	})
	for i, k := range ks {
		rs[i] = k.r
	}
	return nil
}

func gvkLessThan(gvk1, gvk2 resid.Gvk, typeOrders map[string]int) bool {
	index1 := typeOrders[gvk1.Kind]
	index2 := typeOrders[gvk2.Kind]
	if index1 != index2 {
		return index1 < index2
	}
	if (gvk1.Kind == types.NamespaceKind && gvk2.Kind == types.NamespaceKind) && (gvk1.Group == "" || gvk2.Group == "") {
		return legacyGVKSortString(gvk1) > legacyGVKSortString(gvk2)
	}
	return legacyGVKSortString(gvk1) < legacyGVKSortString(gvk2)
}

func legacyGVKSortString(x resid.Gvk) string {
	g, v, k := x.Group, x.Version, x.Kind
	if g == "" {
		g = "~G"
	}
	if v == "" {
		v = "~V"
	}
	if k == "" {
		k = "~K"
	}
	return strings.Join([]string{g, v, k}, "_")
}

func legacyResIDSortString(id resid.ResId) string {
	ns, nm := id.Namespace, id.Name
	if ns == "" {
		ns = "~X"
	}
	if nm == "" {
		nm = "~N"
	}
	return strings.Join([]string{id.Gvk.String(), ns, nm}, "|")
}

// kustomize's default legacy order (defaultOrderFirst, defaultOrderLast).
var (
	legacyOrderFirst = []string{
		"Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
		"PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap",
		"Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
		"PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
	}
	legacyOrderLast = []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
)
