package krmio

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkAliases checks the aliases of the YAML b (of what): none may refer
// to the anchor that holds it (kyaml's DeAnchor, which kustomize runs on
// every resource, recurses forever on one), and the documents with every
// alias expanded, as kustomize expands them, must stay within the node
// limit of b (a "billion laughs" of nested aliases is a few hundred bytes).
// Text that is not YAML is left to the parser that reads it.
func checkAliases(b []byte, what string, limit int) error {
	if bytes.IndexByte(b, '&') < 0 || bytes.IndexByte(b, '*') < 0 {
		return nil // no anchor, or no alias
	}
	d := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc yaml.Node
		err := d.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil // not YAML: its reader says so
		}
		e := expansion{memo: map[*yaml.Node]int{}, open: map[*yaml.Node]bool{}, limit: limit}
		if _, err := e.size(&doc); err != nil {
			return fmt.Errorf("%s: %w (docs/security.md)", what, err)
		}
	}
}

// expansion measures YAML nodes with their aliases expanded.
type expansion struct {
	memo  map[*yaml.Node]int  // the expanded size of each node measured
	open  map[*yaml.Node]bool // the nodes being measured: an alias to one is a cycle
	limit int
}

func (e *expansion) size(n *yaml.Node) (int, error) {
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return 1, nil
		}
		if e.open[n.Alias] {
			return 0, fmt.Errorf("line %d: the alias *%s refers to the anchor that holds it, which expands forever", n.Line, n.Value)
		}
		return e.size(n.Alias)
	}
	if s, ok := e.memo[n]; ok {
		return s, nil
	}
	e.open[n] = true
	size := 1
	for _, c := range n.Content {
		s, err := e.size(c)
		if err != nil {
			return 0, err
		}
		if size += s; size > e.limit {
			return 0, fmt.Errorf("line %d: its aliases expand to more than %d YAML nodes, more than krm-fn parses for its size", n.Line, e.limit)
		}
	}
	e.open[n] = false
	e.memo[n] = size
	return size, nil
}
