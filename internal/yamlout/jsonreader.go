package yamlout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// jsonReader reads the JSON encoding/json wrote into YAML nodes.
type jsonReader struct {
	data []byte
	i    int
	e    *encoder
}

func (r *jsonReader) fail() error {
	return fmt.Errorf("unexpected JSON at offset %d: %.20q", r.i, r.data[min(r.i, len(r.data)):])
}

// skipSpace skips white space and returns the offset of what follows.
func (r *jsonReader) skipSpace() int {
	for r.i < len(r.data) && strings.IndexByte(" \t\r\n", r.data[r.i]) >= 0 {
		r.i++
	}
	return r.i
}

// value reads one JSON value; top says it is the whole object, whose
// status and empty spec are dropped.
func (r *jsonReader) value(top bool) (*yaml.Node, error) {
	if r.skipSpace() >= len(r.data) {
		return nil, r.fail()
	}
	switch c := r.data[r.i]; c {
	case '{':
		return r.object(top)
	case '[':
		return r.array()
	case '"':
		s, err := r.string()
		if err != nil {
			return nil, err
		}
		return r.e.string(s, false)
	case 't', 'f', 'n':
		for _, lit := range [...]struct{ text, tag string }{{"true", yaml.NodeTagBool}, {"false", yaml.NodeTagBool}, {"null", yaml.NodeTagNull}} {
			if bytes.HasPrefix(r.data[r.i:], []byte(lit.text)) {
				r.i += len(lit.text)
				n := r.e.node()
				*n = yaml.Node{Kind: yaml.ScalarNode, Tag: lit.tag, Value: lit.text}
				return n, nil
			}
		}
		return nil, r.fail()
	default:
		start := r.i
		for r.i < len(r.data) && strings.IndexByte("+-.0123456789eE", r.data[r.i]) >= 0 {
			r.i++
		}
		if r.i == start {
			return nil, r.fail()
		}
		num := string(r.data[start:r.i])
		if isDecimalInt(num) {
			n := r.e.node()
			*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: num}
			return n, nil
		}
		return r.e.reference(num, false)
	}
}

// expect consumes c (after white space) or fails.
func (r *jsonReader) expect(c byte) error {
	if r.skipSpace() >= len(r.data) || r.data[r.i] != c {
		return r.fail()
	}
	r.i++
	return nil
}

// next consumes the comma between members, or the closing delimiter and
// says the list is done.
func (r *jsonReader) next(closing byte) (done bool, err error) {
	if r.skipSpace() < len(r.data) {
		switch r.data[r.i] {
		case ',':
			r.i++
			return false, nil
		case closing:
			r.i++
			return true, nil
		}
	}
	return false, r.fail()
}

// empty consumes the closing delimiter of an empty object or array.
func (r *jsonReader) empty(closing byte) bool {
	if r.skipSpace() < len(r.data) && r.data[r.i] == closing {
		r.i++
		return true
	}
	return false
}

func (r *jsonReader) object(top bool) (*yaml.Node, error) {
	r.i++ // {
	n := r.e.node()
	*n = yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap}
	if r.empty('}') {
		n.Style = yaml.FlowStyle // {}
		return n, nil
	}
	base := len(r.e.members)
	for done := false; !done; {
		if r.skipSpace() >= len(r.data) || r.data[r.i] != '"' {
			return nil, r.fail()
		}
		k, err := r.string()
		if err != nil {
			return nil, err
		}
		if err := r.expect(':'); err != nil {
			return nil, err
		}
		v, err := r.value(false)
		if err != nil {
			return nil, err
		}
		if !top || k != "status" && (k != "spec" || v.Kind != yaml.MappingNode || len(v.Content) > 0) {
			r.e.members = append(r.e.members, member{k, v})
		}
		if done, err = r.next('}'); err != nil {
			return nil, err
		}
	}
	members := r.e.members[base:]
	slices.SortFunc(members, func(a, b member) int { return yamlKeyCompare(a.key, b.key) })
	n.Content = r.e.content.take(2 * len(members))
	for i, f := range members {
		kn, err := r.e.string(f.key, true)
		if err != nil {
			return nil, err
		}
		n.Content[2*i], n.Content[2*i+1] = kn, f.value
	}
	clear(members)
	r.e.members = r.e.members[:base]
	return n, nil
}

func (r *jsonReader) array() (*yaml.Node, error) {
	r.i++ // [
	n := r.e.node()
	*n = yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
	if r.empty(']') {
		n.Style = yaml.FlowStyle // []
		return n, nil
	}
	base := len(r.e.items)
	for done := false; !done; {
		c, err := r.value(false)
		if err != nil {
			return nil, err
		}
		r.e.items = append(r.e.items, c)
		if done, err = r.next(']'); err != nil {
			return nil, err
		}
	}
	n.Content = r.e.content.take(len(r.e.items) - base)
	copy(n.Content, r.e.items[base:])
	clear(r.e.items[base:])
	r.e.items = r.e.items[:base]
	return n, nil
}

// string reads a JSON string. encoding/json escapes few characters, so
// most strings are their bytes; the others are unquoted by encoding/json.
func (r *jsonReader) string() (string, error) {
	start := r.i
	escaped := false
	for r.i++; r.i < len(r.data); r.i++ {
		switch r.data[r.i] {
		case '\\':
			escaped = true
			r.i++
		case '"':
			r.i++
			if !escaped {
				return r.e.intern(r.data[start+1 : r.i-1]), nil
			}
			var s string
			if err := json.Unmarshal(r.data[start:r.i], &s); err != nil {
				return "", err
			}
			return s, nil
		}
	}
	return "", r.fail()
}
