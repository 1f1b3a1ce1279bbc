package fastyaml

import (
	"encoding/json"

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
// a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
