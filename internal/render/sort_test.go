package render

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// TestSortMatchesKustomize orders resources of many kinds, groups and
// scopes with sortResources and with kustomize itself (krusty, which
// keeps its SortOrderTransformer to itself), for the default legacy order
// and a custom one: the orders must be the same.
func TestSortMatchesKustomize(t *testing.T) {
	var docs []string
	for _, gvk := range [][2]string{
		{"v1", "Namespace"}, {"example.com/v1", "Namespace"}, {"v1", "Service"}, {"v1", "ConfigMap"},
		{"apps/v1", "Deployment"}, {"networking.k8s.io/v1", "Ingress"}, {"networking.istio.io/v1", "Gateway"},
		{"networking.istio.io/v1", "VirtualService"}, {"networking.istio.io/v1beta1", "VirtualService"},
		{"rbac.authorization.k8s.io/v1", "ClusterRole"}, {"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"},
		{"example.com/v1", "Widget"}, {"v1", "Secret"},
	} {
		namespaces := []string{"", "a", "a-x", "b", "kube-system"}
		if strings.HasPrefix(gvk[1], "Namespace") || strings.HasPrefix(gvk[1], "Cluster") || strings.HasSuffix(gvk[1], "Configuration") {
			namespaces = []string{""} // cluster-scoped
		}
		for _, ns := range namespaces {
			for _, name := range []string{"a", "a-x", "b", "z"} {
				docs = append(docs, fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n  namespace: %q\n", gvk[0], gvk[1], name, ns))
			}
		}
	}
	all := strings.Join(docs, "---\n")
	for _, sortOptions := range []string{"", "sortOptions:\n  order: legacy\n  legacySortOptions:\n    orderFirst: [Ingress, Widget, Namespace]\n    orderLast: [Service]\n"} {
		fs := filesys.MakeFsInMemory()
		if err := fs.WriteFile("/k/resources.yaml", []byte(all)); err != nil {
			t.Fatal(err)
		}
		build := func(kustomization string, reorder krusty.ReorderOption) []string {
			if err := fs.WriteFile("/k/kustomization.yaml", []byte("resources: [resources.yaml]\n"+kustomization)); err != nil {
				t.Fatal(err)
			}
			opts := krusty.MakeDefaultOptions()
			opts.Reorder = reorder
			m, err := krusty.MakeKustomizer(opts).Run(fs, "/k")
			if err != nil {
				t.Fatal(err)
			}
			rs := m.Resources()
			if reorder == krusty.ReorderOptionNone {
				var o *types.SortOptions
				if sortOptions != "" {
					o = &types.SortOptions{Order: types.LegacySortOrder, LegacySortOptions: &types.LegacySortOptions{
						OrderFirst: []string{"Ingress", "Widget", "Namespace"}, OrderLast: []string{"Service"}}}
				}
				if err := sortResources(rs, o); err != nil {
					t.Fatal(err)
				}
			}
			var ids []string
			for _, r := range rs {
				ids = append(ids, r.CurId().String())
			}
			return ids
		}
		want := build(sortOptions, krusty.ReorderOptionUnspecified)
		got := build("", krusty.ReorderOptionNone)
		if len(want) < 150 || !slices.Equal(got, want) {
			t.Errorf("sortOptions %q: order differs from kustomize's\ngot:  %v\nwant: %v", sortOptions, got, want)
		}
	}
}
