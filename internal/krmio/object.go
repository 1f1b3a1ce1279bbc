package krmio

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// NotAnObject says what is wrong with n (what: how to name it) if it is
// not a Kubernetes object whose metadata kyaml can read (kyaml's accessors
// panic on one), and at which path; "" if it is.
func NotAnObject(n *yaml.RNode, what string) (string, *field.Path) {
	if n.YNode().Kind != yaml.MappingNode {
		return fmt.Sprintf("%s is not an object (a YAML mapping): %q", what, truncate(n.MustString(), 40)), nil
	}
	if path := badMetadata(n); path != nil {
		return fmt.Sprintf("%s (%s %s) is not a Kubernetes object: this must be a mapping", what, n.GetApiVersion(), n.GetKind()), path
	}
	return "", nil
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// badMetadata returns the path of the first of metadata, its labels and
// its annotations that is present but not a mapping, or nil. kyaml's
// accessors (GetName, GetAnnotations, ...) expect mappings there.
func badMetadata(n *yaml.RNode) *field.Path {
	for _, path := range [][]string{{"metadata"}, {"metadata", "labels"}, {"metadata", "annotations"}} {
		if p := NotMapping(n.YNode(), path...); p != nil {
			return p
		}
	}
	return nil
}

// NotMapping returns the path of the first node along path, from the
// mapping n, that is present, not null and not a mapping; or nil when
// every one is a mapping or the path stops early.
func NotMapping(n *yaml.Node, path ...string) *field.Path {
	var p *field.Path
	for _, key := range path {
		p = p.Child(key) // a nil path is the root
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == key {
				next = n.Content[j+1]
			}
		}
		if next == nil || next.Tag == yaml.NodeTagNull {
			return nil
		}
		if next.Kind != yaml.MappingNode {
			return p
		}
		n = next
	}
	return nil
}
