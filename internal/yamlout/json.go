package yamlout

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// JSON is node as JSON, the same as kyaml's RNode.MarshalJSON gives,
// without printing the node as YAML and parsing that again first.
func JSON(node *yaml.RNode) ([]byte, error) {
	if b, ok := appendJSON(nil, node.YNode()); ok {
		return b, nil
	}
	var v map[string]any
	if err := node.YNode().Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// appendJSON appends n as JSON where that is plain to see: mappings with
// string keys, sequences, strings, decimal integers, booleans and null,
// which is what specs are made of. Otherwise (aliases, merge keys,
// floats, other forms of numbers, tags) it says it cannot, and go-yaml
// decides.
func appendJSON(b []byte, n *yaml.Node) ([]byte, bool) {
	var ok bool
	tag := n.ShortTag() // as go-yaml resolves it: nodes kyaml makes have none
	switch {
	case n.Kind == yaml.MappingNode && tag == yaml.NodeTagMap:
		b = append(b, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.ShortTag() != yaml.NodeTagString {
				return b, false
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, k.Value), ':')
			if b, ok = appendJSON(b, n.Content[i+1]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case n.Kind == yaml.SequenceNode && tag == yaml.NodeTagSeq:
		b = append(b, '[')
		for i, c := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = appendJSON(b, c); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case n.Kind != yaml.ScalarNode:
		return b, false
	}
	switch {
	case tag == yaml.NodeTagString:
		return appendJSONString(b, n.Value), true
	case tag == yaml.NodeTagInt && isDecimalInt(n.Value),
		tag == yaml.NodeTagBool && (n.Value == "true" || n.Value == "false"):
		return append(b, n.Value...), true
	case tag == yaml.NodeTagNull:
		return append(b, "null"...), true
	}
	return b, false
}

// appendJSONString appends s (valid UTF-8, as go-yaml reads only that) as
// a JSON string that is also a YAML double-quoted scalar of the same
// value: besides what JSON escapes, what YAML would not take as it is
// (DEL, C1 controls, its line breaks U+0085, U+2028 and U+2029, the byte
// order mark and the non-characters U+FFFE, U+FFFF) is escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0x80 && r <= 0x9f, r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff:
			b = append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendItemJSON appends n, an object to be written, as JSON that YAML
// reads back as the same object: every scalar as YAML resolves it. It
// refuses what JSON cannot hold the same: aliases and merge keys, tags
// other than YAML's core ones, infinities and NaN, complex keys.
func appendItemJSON(b []byte, n *yaml.Node) ([]byte, error) {
	var err error
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return b, fmt.Errorf("an empty document")
		}
		return appendItemJSON(b, n.Content[0])
	case yaml.AliasNode:
		return b, fmt.Errorf("a YAML alias (*%s)", n.Value)
	case yaml.MappingNode:
		b = append(b, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return b, fmt.Errorf("a mapping key that is not a scalar")
			}
			if k.ShortTag() == "!!merge" {
				return b, fmt.Errorf("a YAML merge key (<<)")
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, k.Value), ':')
			if b, err = appendItemJSON(b, n.Content[i+1]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case yaml.SequenceNode:
		b = append(b, '[')
		for i, c := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendItemJSON(b, c); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	switch tag := n.ShortTag(); tag {
	case yaml.NodeTagString, "!!timestamp":
		return appendJSONString(b, n.Value), nil
	case yaml.NodeTagNull:
		return append(b, "null"...), nil
	case yaml.NodeTagBool:
		var v bool
		if err := n.Decode(&v); err != nil {
			return b, err
		}
		return strconv.AppendBool(b, v), nil
	case yaml.NodeTagInt:
		if isDecimalInt(n.Value) {
			return append(b, n.Value...), nil
		}
		var v int64
		if err := n.Decode(&v); err != nil {
			return b, fmt.Errorf("the integer %.20q: %w", n.Value, err)
		}
		return strconv.AppendInt(b, v, 10), nil
	case yaml.NodeTagFloat:
		var v float64
		if err := n.Decode(&v); err != nil {
			return b, err
		}
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return b, fmt.Errorf("the number %.20q, which JSON cannot hold", n.Value)
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64), nil
	default:
		return b, fmt.Errorf("the YAML tag %.40s", tag)
	}
}

// LargeAsJSON is the document of an object n of more than largeItem nodes
// as JSON (and a line break), which YAML reads back as the same object;
// nil for a smaller one. Printing a large object through go-yaml's emitter
// costs about a kilobyte a node (printer.go), JSON costs its bytes.
func LargeAsJSON(n *yaml.Node) ([]byte, error) {
	if size(n, largeItem) <= largeItem {
		return nil, nil
	}
	b, err := appendItemJSON(nil, n)
	if err != nil {
		return nil, fmt.Errorf("it holds more than %d YAML nodes, printed as JSON, which cannot hold %w", largeItem, err)
	}
	return append(b, '\n'), nil
}
