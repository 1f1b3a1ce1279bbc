// Package yamlout is krm-fn's fast path between typed Go objects, JSON
// and kyaml's YAML nodes. It prints what kyaml's kio.ByteWriter prints and
// makes the nodes sigs.k8s.io/yaml and kyaml's parser make, byte for byte
// (its tests compare the two on every kind of item), in a fraction of the
// time and memory; docs/scaling.md says why each piece exists. It knows
// nothing of exposures.
//
//   - the encoder (encoder.go, jsonreader.go) turns an object's JSON into
//     kyaml nodes with sorted keys, as sigs.k8s.io/yaml + yaml.Parse would;
//   - the printer (printer.go) prints plain trees of nodes as kyaml's
//     encoder does;
//   - the writer (writer.go) writes a list of items, those to encode last,
//     item by item on every CPU, as one kio.ByteWriter would;
//   - JSON (json.go) is the reverse: a node's JSON, as RNode.MarshalJSON.
package yamlout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// encoder turns typed objects into kyaml nodes. The objects are marshalled
// once with encoding/json (Istio's types through their own MarshalJSON),
// and the JSON is read straight into the very nodes sigs.k8s.io/yaml's
// JSONToYAML and kyaml's parser would make of it — same keys in the same
// order, same scalar styles and tags — without printing and parsing YAML
// twice per object, which made up most of the function's time
// (docs/benchmarks.md). Scalars whose YAML form is not obvious take that
// reference path, once per distinct value: an encoder is meant for one run.
type encoder struct {
	scalars map[string]*yaml.Node // JSON scalar text → its node by the reference path
	strings map[string]string     // the strings read so far, to share one copy of each
	nodes   arena[yaml.Node]
	content arena[*yaml.Node]
	members []member     // the fields of the JSON objects being read, innermost last
	items   []*yaml.Node // the items of the JSON arrays being read, innermost last
	json    bytes.Buffer
	// recycle: each node toNode returns is dead by the next call, and the
	// memory of its tree is used again.
	recycle bool
}

// member is a key of a JSON object and the node of its value.
type member struct {
	key   string
	value *yaml.Node
}

func newEncoder() *encoder {
	return &encoder{scalars: map[string]*yaml.Node{}, strings: map[string]string{}}
}

// toNode marshals a typed object into a kyaml node with sorted keys.
// status is dropped: it is the cluster's to write. So is an empty spec
// (a Namespace's), which says nothing.
func (e *encoder) toNode(obj any) (*yaml.RNode, error) {
	if e.recycle {
		e.nodes.reset()
		e.content.reset()
	}
	e.json.Reset()
	if err := json.NewEncoder(&e.json).Encode(obj); err != nil { // as json.Marshal, and a line break
		return nil, fmt.Errorf("marshalling %T: %w", obj, err)
	}
	j := e.json.Bytes()
	r := jsonReader{data: j, e: e}
	n, err := r.value(true)
	if err == nil && r.skipSpace() < len(j) {
		err = r.fail()
	}
	if err != nil {
		return nil, fmt.Errorf("marshalling %T: %w", obj, err)
	}
	return yaml.NewRNode(n), nil
}

// node allocates a node.
func (e *encoder) node() *yaml.Node {
	return &e.nodes.take(1)[0]
}

// intern is the string of b, one copy for every occurrence.
func (e *encoder) intern(b []byte) string {
	if s, ok := e.strings[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(e.strings) < maxInterned {
		e.strings[s] = s
	}
	return s
}

// maxInterned bounds the strings an encoder keeps (most repeat: keys,
// label values, ports, the platform's annotations; names and hosts do not).
const maxInterned = 1 << 14

// arena allocates slices of T many at a time; reset makes its memory
// available again, for values no longer in use.
type arena[T any] struct {
	chunks     [][]T
	chunk, use int
}

// take returns n zero or reused values.
func (a *arena[T]) take(n int) []T {
	for {
		if a.chunk == len(a.chunks) {
			a.chunks = append(a.chunks, make([]T, max(n, 1024)))
		}
		if c := a.chunks[a.chunk]; a.use+n <= len(c) {
			a.use += n
			return c[a.use-n : a.use : a.use]
		}
		a.chunk, a.use = a.chunk+1, 0
	}
}

func (a *arena[T]) reset() { a.chunk, a.use = 0, 0 }

// string is the node of a string scalar, a mapping key or a value. The
// strings an object is mostly made of (names, hosts, label keys, paths)
// are printed plain by sigs.k8s.io/yaml, and those YAML 1.1 would read as
// a number or a boolean are double-quoted; anything else takes the
// reference path.
func (e *encoder) string(s string, key bool) (*yaml.Node, error) {
	switch plainKind(s) {
	case plainString:
		if key && len(s) > 100 {
			break // long keys may be printed as complex keys
		}
		n := e.node()
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s}
		return n, nil
	case quotedString:
		n := e.node()
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s, Style: yaml.DoubleQuotedStyle}
		return n, nil
	}
	j, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return e.reference(string(j), key)
}

// reference is the node sigs.k8s.io/yaml and kyaml's parser make of the
// JSON scalar j, as a mapping key or a value; computed once per encoder.
func (e *encoder) reference(j string, key bool) (*yaml.Node, error) {
	cacheKey := "v" + j
	doc := `{"k":` + j + `}`
	if key {
		cacheKey = "k" + j
		doc = `{` + j + `:0}`
	}
	if n, ok := e.scalars[cacheKey]; ok {
		c := e.node()
		*c = *n
		return c, nil
	}
	y, err := sigsyaml.JSONToYAML([]byte(doc))
	if err != nil {
		return nil, err
	}
	m, err := yaml.Parse(string(y))
	if err != nil {
		return nil, err
	}
	n := m.YNode().Content[1]
	if key {
		n = m.YNode().Content[0]
	}
	n.Line, n.Column = 0, 0
	e.scalars[cacheKey] = n
	c := e.node()
	*c = *n
	return c, nil
}

type scalarKind int

const (
	otherString  scalarKind = iota // take the reference path
	plainString                    // printed plain, read back as a string
	quotedString                   // printed double-quoted: YAML 1.1 would read it as a number or boolean
)

// plainKind says how sigs.k8s.io/yaml (go-yaml v2) prints s, for the
// strings where that is plain to see: made of letters, digits and
// "-_./=,+@" (and ":" not at the end), starting with a letter, a digit or
// "/", with no blank, quote, line break or YAML indicator a printer or a
// parser would act on. Of those, go-yaml v2 quotes the ones its resolver
// reads as something else than a string: all digits (an int, or a float),
// and its boolean and null words.
func plainKind(s string) scalarKind {
	if s == "" || len(s) > 1000 {
		return otherString
	}
	c := s[0]
	if !isASCIILetter(c) && !isDigit(c) && c != '/' {
		return otherString
	}
	digits := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
		case isASCIILetter(c) || strings.IndexByte("-_./=,+@", c) >= 0:
			digits = false
		case c == ':' && i < len(s)-1:
			digits = false
		default:
			return otherString
		}
	}
	switch {
	case digits:
		return quotedString
	case isDigit(s[0]):
		return otherString // timestamps, floats, base 60, 0x… : go-yaml v2 decides
	case yaml11Words[s]:
		return quotedString
	}
	return plainString
}

// yaml11Words are the words go-yaml v2's resolver reads as booleans or
// null (and quotes when they are strings) among those plainKind accepts.
var yaml11Words = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true,
	"true": true, "True": true, "TRUE": true,
	"false": true, "False": true, "FALSE": true,
	"on": true, "On": true, "ON": true,
	"off": true, "Off": true, "OFF": true,
	"null": true, "Null": true, "NULL": true,
}

func isDigit(c byte) bool       { return '0' <= c && c <= '9' }
func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isDecimalInt says whether a JSON number is an integer go-yaml v2 prints
// back digit for digit.
func isDecimalInt(s string) bool {
	d := strings.TrimPrefix(s, "-")
	if d == "" || len(d) > 18 || (d[0] == '0' && len(d) > 1) {
		return false
	}
	for i := 0; i < len(d); i++ {
		if !isDigit(d[i]) {
			return false
		}
	}
	return true
}

// yamlKeyCompare orders mapping keys as go-yaml v2 does when
// sigs.k8s.io/yaml prints a map: letters compare as runes, a non-letter
// sorts before a letter, and runs of digits compare as numbers ("a2" <
// "a10"). It is go-yaml v2's keyList.Less (sorter.go) for string keys.
func yamlKeyCompare(a, b string) int {
	switch {
	case a == b:
		return 0
	case yamlKeyLess(a, b):
		return -1
	}
	return 1
}

func yamlKeyLess(a, b string) bool {
	if isASCII(a) && isASCII(b) {
		return keyLess([]byte(a), []byte(b))
	}
	return keyLess([]rune(a), []rune(b))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// keyLess is yamlKeyLess on the bytes of ASCII strings (which need no
// decoding, nor a copy) or the runes of others.
func keyLess[C byte | rune](ar, br []C) bool {
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		al := unicode.IsLetter(rune(ar[i]))
		bl := unicode.IsLetter(rune(br[i]))
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(rune(ar[j])); j-- {
				if ar[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && unicode.IsDigit(rune(ar[ai])); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for bi = i; bi < len(br) && unicode.IsDigit(rune(br[bi])); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}
