package yamlout

import (
	"bytes"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// printer writes the items of a ResourceList as kio.ByteWriter writes
// them, through kyaml's encoder (go-yaml v3: indent 2, compact sequences,
// no line width), for the trees that make up nearly all of krm-fn's
// output: block mappings and sequences of one-line scalars, without
// comments, anchors or explicit tags. go-yaml's emitter took most of the
// function's time (docs/benchmarks.md); the layout of such trees is
// fixed, and the one thing go-yaml decides per value, how a scalar is
// quoted, is asked of go-yaml itself once per distinct scalar (plainly
// plain names and numbers aside). For anything else the printer says it
// cannot, and the caller lets kio.ByteWriter write the item. A test
// compares the two on every kind of item.
type printer struct {
	w       kio.ByteWriter
	scalars map[scalarKey]scalarText
}

type scalarKey struct {
	value, tag string
	style      yaml.Style
	key        bool
}

type scalarText struct {
	text string
	ok   bool
}

func newPrinter(w kio.ByteWriter) *printer {
	return &printer{w: w, scalars: map[scalarKey]scalarText{}}
}

// item appends n as kio.ByteWriter w writes it among others: an item of
// the list ("- ...") when w wraps, else a document. ok is false, with out
// unchanged, when the printer cannot.
func (p *printer) item(out []byte, n *yaml.RNode) ([]byte, bool) {
	n, ok := p.prepare(n)
	if !ok {
		return out, false
	}
	y := n.YNode()
	if y.Kind != yaml.MappingNode || len(y.Content) == 0 || y.Style&yaml.FlowStyle != 0 || !plainCollection(y) ||
		n.Field(yaml.BareSeqNodeWrappingKey) != nil {
		return out, false
	}
	if d := n.Document(); p.w.WrappingKind == "" && (d.HeadComment != "" || d.LineComment != "" || d.FootComment != "") {
		return out, false // a bare document is written with its document's comments
	}
	start := len(out)
	if p.w.WrappingKind != "" {
		out, ok = p.mapping(append(out, "- "...), y, 2, true)
	} else {
		out, ok = p.mapping(out, y, 0, false)
	}
	if !ok {
		return out[:start], false
	}
	return out, true
}

// prepare does to n what kio.ByteWriter does to (a copy of) each item
// before it writes it: clear the reader's and the writer's annotations.
// Only the nodes that may change are copied, not the whole tree. ok is
// false where the printer does not write as the ByteWriter would.
func (p *printer) prepare(n *yaml.RNode) (*yaml.RNode, bool) {
	if p.w.Style != 0 || p.w.Sort {
		return n, false
	}
	if !p.w.KeepReaderAnnotations || len(p.w.ClearAnnotations) > 0 || emptyMetadata(n) {
		if p.w.WrappingKind == "" && n.GetAnnotations(kioutil.SeqIndentAnnotation)[kioutil.SeqIndentAnnotation] == string(yaml.WideSequenceStyle) {
			return n, false
		}
		n = spineCopy(n)
		var clear []string
		if !p.w.KeepReaderAnnotations {
			clear = []string{kioutil.IndexAnnotation, kioutil.LegacyIndexAnnotation, kioutil.SeqIndentAnnotation}
		}
		for _, a := range append(clear, p.w.ClearAnnotations...) {
			if _, err := n.Pipe(yaml.ClearAnnotation(a)); err != nil {
				return n, false
			}
		}
		if err := yaml.ClearEmptyAnnotations(n); err != nil {
			return n, false
		}
	}
	return n, true
}

// largeItem is how many nodes an item may have for the printer to leave
// it to kio.ByteWriter when it cannot print it itself: go-yaml's emitter
// keeps every event of a document (about a kilobyte a node), so a larger
// one is written as JSON instead (itemJSON).
const largeItem = 10000

// itemJSON appends n, a large item the printer cannot print, as JSON,
// which YAML reads back as the same object; what JSON cannot hold the same
// (aliases, custom tags, ...) is an error. Its comments and styles are
// lost: kustomize, which prints every object from its JSON, loses them
// too.
func (p *printer) itemJSON(out []byte, n *yaml.RNode) ([]byte, error) {
	n, _ = p.prepare(n)
	if p.w.WrappingKind != "" {
		out = append(out, "- "...)
	}
	out, err := appendItemJSON(out, n.YNode())
	return append(out, '\n'), err
}

// size is how many nodes the tree of n has, up to limit+1.
func size(n *yaml.Node, limit int) int {
	c := 1
	for _, k := range n.Content {
		if c > limit {
			break
		}
		c += size(k, limit-c)
	}
	return c
}

// spineCopy copies the nodes of n that clearing annotations changes: the
// object's mapping, its metadata and its annotations (each with its own
// list of children); the rest of the tree is shared.
func spineCopy(n *yaml.RNode) *yaml.RNode {
	root := shallow(n.YNode())
	if root.Kind != yaml.MappingNode {
		return yaml.NewRNode(root)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != yaml.MetadataField {
			continue
		}
		meta := shallow(root.Content[i+1])
		root.Content[i+1] = meta
		for j := 0; j+1 < len(meta.Content); j += 2 {
			if meta.Content[j].Value == yaml.AnnotationsField {
				meta.Content[j+1] = shallow(meta.Content[j+1])
			}
		}
	}
	return yaml.NewRNode(root)
}

// shallow copies a node and its list of children, not the children.
func shallow(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = slices.Clone(n.Content)
	return &c
}

// emptyMetadata says whether n has an empty metadata or annotations
// mapping, which kio.ByteWriter removes.
func emptyMetadata(n *yaml.RNode) bool {
	m := n.Field(yaml.MetadataField)
	if m == nil {
		return false
	}
	if len(m.Value.YNode().Content) == 0 {
		return true
	}
	a := m.Value.Field(yaml.AnnotationsField)
	return a != nil && len(a.Value.YNode().Content) == 0
}

// plainCollection says whether a mapping or sequence node prints with no
// comment, anchor or tag of its own.
func plainCollection(n *yaml.Node) bool {
	if n.Anchor != "" || n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" {
		return false
	}
	switch n.Tag {
	case "", yaml.NodeTagMap:
		return n.Kind == yaml.MappingNode
	case yaml.NodeTagSeq:
		return n.Kind == yaml.SequenceNode
	}
	return false
}

// mapping appends the block mapping n at indent; inline: its first key
// goes where the output is ("- ").
func (p *printer) mapping(out []byte, n *yaml.Node, indent int, inline bool) ([]byte, bool) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kt, ok := p.scalar(k, true)
		if !ok {
			return out, false
		}
		if i > 0 || !inline {
			out = appendIndent(out, indent)
		}
		out = append(append(out, kt...), ':')
		if out, ok = p.value(out, v, indent, false); !ok {
			return out, false
		}
	}
	return out, true
}

// value appends what follows "key:" or "-" for v: " scalar", " {}", " []",
// or a nested block on the next lines. A sequence nests at the indent of
// its key (compact), a mapping two further.
func (p *printer) value(out []byte, v *yaml.Node, indent int, item bool) ([]byte, bool) {
	switch v.Kind {
	case yaml.ScalarNode:
		t, ok := p.scalar(v, false)
		if !ok {
			return out, false
		}
		return append(append(append(out, ' '), t...), '\n'), true
	case yaml.MappingNode, yaml.SequenceNode:
		if !plainCollection(v) {
			return out, false
		}
		if len(v.Content) == 0 {
			if v.Kind == yaml.MappingNode {
				return append(out, " {}\n"...), true
			}
			return append(out, " []\n"...), true
		}
		if v.Style&yaml.FlowStyle != 0 {
			return out, false
		}
		if v.Kind == yaml.MappingNode {
			if item {
				return p.mapping(append(out, ' '), v, indent+2, true)
			}
			return p.mapping(append(out, '\n'), v, indent+2, false)
		}
		if item {
			return out, false // a sequence in a sequence
		}
		return p.sequence(append(out, '\n'), v, indent)
	}
	return out, false
}

func (p *printer) sequence(out []byte, n *yaml.Node, indent int) ([]byte, bool) {
	var ok bool
	for _, it := range n.Content {
		out = append(appendIndent(out, indent), '-')
		if out, ok = p.value(out, it, indent, true); !ok {
			return out, false
		}
	}
	return out, true
}

func appendIndent(out []byte, n int) []byte {
	for range n {
		out = append(out, ' ')
	}
	return out
}

// scalar is the text of a one-line scalar as a mapping key or a value.
func (p *printer) scalar(n *yaml.Node, key bool) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Anchor != "" || n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" {
		return "", false
	}
	if t, ok := plainScalar(n, key); ok {
		return t, true
	}
	k := scalarKey{n.Value, n.Tag, n.Style, key}
	if t, ok := p.scalars[k]; ok {
		return t.text, t.ok
	}
	t := goYAMLScalar(n, key)
	p.scalars[k] = t
	return t.text, t.ok
}

// plainScalar is the text go-yaml v3 gives the scalars it is plain to see
// how it prints: strings of letters, digits and "-_./=,+@" (and ":" not at
// the end) that start with a letter or "/" and are no YAML 1.2 boolean or
// null, printed as they are unless quoted; those quoted with a printable
// ASCII value; decimal integers, booleans and null.
func plainScalar(n *yaml.Node, key bool) (string, bool) {
	v := n.Value
	switch n.Tag {
	case yaml.NodeTagString:
		switch n.Style {
		case 0:
			if plainKind(v) == plainString && !yaml12Words[v] && !isDigit(v[0]) && (!key || len(v) <= 100) {
				return v, true
			}
		case yaml.DoubleQuotedStyle:
			if plainKind(v) != otherString {
				return `"` + v + `"`, true
			}
		case yaml.SingleQuotedStyle:
			if v != "" && v[0] != ' ' && v[len(v)-1] != ' ' && !key && printableASCII(v) && !strings.ContainsAny(v, "'") {
				return "'" + v + "'", true
			}
		}
	case yaml.NodeTagInt:
		if n.Style == 0 && isDecimalInt(v) {
			return v, true
		}
	case yaml.NodeTagBool:
		if n.Style == 0 && (v == "true" || v == "false") {
			return v, true
		}
	case yaml.NodeTagNull:
		if n.Style == 0 && v == "null" {
			return v, true
		}
	}
	return "", false
}

// yaml12Words are the strings go-yaml v3 reads as booleans or null.
var yaml12Words = map[string]bool{
	"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
	"null": true, "Null": true, "NULL": true,
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// goYAMLScalar asks kyaml's encoder how it prints n as a key or a value
// of a block mapping; only one-line results are kept.
func goYAMLScalar(n *yaml.Node, key bool) scalarText {
	c := *n
	c.Line, c.Column = 0, 0
	k, v := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: "k"}, &c
	prefix, suffix := "k: ", "\n"
	if key {
		k, v = &c, &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: "0"}
		prefix, suffix = "", ": 0\n"
	}
	var b bytes.Buffer
	e := yaml.NewEncoder(&b)
	if err := e.Encode(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}}); err != nil {
		return scalarText{}
	}
	if err := e.Close(); err != nil {
		return scalarText{}
	}
	s := b.String()
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, suffix) || strings.Count(s, "\n") != 1 {
		return scalarText{}
	}
	t := s[len(prefix) : len(s)-len(suffix)]
	if key && strings.HasPrefix(t, "?") {
		return scalarText{}
	}
	return scalarText{text: t, ok: true}
}
