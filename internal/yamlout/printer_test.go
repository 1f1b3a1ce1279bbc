package yamlout

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// byteWriterItem is what w writes for n among other items: the item
// after the envelope's "items:" line when w wraps, else the document.
func byteWriterItem(t testing.TB, w kio.ByteWriter, n *yaml.RNode) string {
	t.Helper()
	var b bytes.Buffer
	w.Writer = &b
	if err := w.Write([]*yaml.RNode{n}); err != nil {
		t.Fatal(err)
	}
	if w.WrappingKind == "" {
		return b.String()
	}
	_, item, ok := strings.Cut(b.String(), "\nitems:\n")
	if !ok {
		t.Fatalf("no items in\n%s", b.String())
	}
	return item
}

var printerWriters = map[string]kio.ByteWriter{
	"ResourceList": {WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, KeepReaderAnnotations: true},
	"documents":    {},
	"files":        {ClearAnnotations: []string{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation}},
}

// checkPrinter compares the printer with kio.ByteWriter on n and says
// whether the printer printed it.
func checkPrinter(t testing.TB, n *yaml.RNode) bool {
	t.Helper()
	printed := true
	for name, w := range printerWriters {
		got, ok := newPrinter(w).item(nil, n)
		if !ok {
			printed = false
			continue
		}
		if want := byteWriterItem(t, w, n); string(got) != want {
			t.Errorf("%s: printed\n%s\nkio.ByteWriter writes\n%s", name, got, want)
		}
	}
	return printed
}

// TestPrinterMatchesByteWriter prints every item the golden cases render
// and input items of every shape, and checks the bytes against
// kio.ByteWriter's; every generated object must take the printer.
func TestPrinterMatchesByteWriter(t *testing.T) {
	configs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "config.yaml"))
	if err != nil || len(configs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	var nodes []*yaml.RNode
	for _, c := range configs {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(c), "expected.yaml"))
		if err != nil {
			continue
		}
		items, err := (&kio.ByteReader{Reader: bytes.NewReader(b)}).Read()
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, items...)
	}
	generated := 0
	for _, n := range nodes {
		if ok := checkPrinter(t, n); !ok && rendered(n) {
			t.Errorf("the printer cannot print a generated object:\n%s", n.MustString())
		}
		if rendered(n) {
			generated++
		}
	}
	if generated < 50 {
		t.Fatalf("only %d generated objects in the golden cases", generated)
	}
	shapes, err := (&kio.ByteReader{Reader: strings.NewReader(printerShapes)}).Read()
	if err != nil {
		t.Fatal(err)
	}
	printed := 0
	for _, n := range shapes {
		if checkPrinter(t, n) {
			printed++
		}
	}
	if printed < 4 {
		t.Errorf("the printer printed %d of the %d shapes: they test little", printed, len(shapes))
	}
}

// rendered says whether n is an object krm-fn rendered (the golden cases'
// test data says so with the owner annotation krm-fn puts on them), as
// opposed to an input item passed through.
func rendered(n *yaml.RNode) bool {
	return n.GetAnnotations()["exposure.krmfn.io/owner"] != "" || n.GetLabels()["app.kubernetes.io/managed-by"] == "krm-fn"
}

// printerShapes are items the printer must print as kyaml does or leave
// to it: comments, blocks, flow style, quoting of every kind, anchors,
// empty values and annotations, long and odd keys.
var printerShapes = `# head
apiVersion: v1
kind: ConfigMap
metadata:
  name: commented # line
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: anchored
  labels: &l {a: b}
  annotations: *l
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  annotations: {}
data:
  sq: 'it''s'
  dq: "tab\there"
  yes: "on"
  empty: ""
  nothing: null
  num: 0x1F
  float: 1.5e3
  date: 2001-12-14
  colon: "a: b"
  hash: "a #b"
  star: "*x"
  lead: " x"
  unicode: "ünï"
---
apiVersion: v1
kind: List
metadata:
  name: l
items:
- {}
- []
- plain
- "443"
- key: value
  other:
  - x
  deeper:
    more:
    - a
    - b: c
---
apiVersion: v1
kind: ConfigMap
metadata: {name: block}
data:
  script: |
    echo hi
---
apiVersion: v1
kind: ConfigMap
metadata: {name: flow}
data: {a: "1"}
---
apiVersion: v1
kind: List
metadata: {name: nested}
items:
- - nested
---
apiVersion: v1
kind: Thing
metadata: {name: complex}
spec:
  ? [a]
  : b
---
apiVersion: v1
kind: Thing
metadata:
  name: odd-keys
spec:
  "80": a
  "true": b
  "": c
  "a b": d
  ` + strings.Repeat("k", 120) + `: e
  /path: f
  -dash: g
  "@at": h
---
apiVersion: v1
kind: Thing
metadata:
  name: tags
spec:
  a: !!str 1
  b: !custom x
  c: !!binary aGk=
`

// FuzzPrinter builds items from arbitrary strings in every scalar style
// and nesting, and checks the printer against kio.ByteWriter.
func FuzzPrinter(f *testing.F) {
	for i, s := range trickyStrings {
		f.Add(s, trickyStrings[(i+3)%len(trickyStrings)], uint8(i))
	}
	f.Fuzz(func(t *testing.T, a, b string, shape uint8) {
		styles := []yaml.Style{0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle, yaml.FlowStyle}
		tags := []string{yaml.NodeTagString, yaml.NodeTagInt, "", yaml.NodeTagBool, yaml.NodeTagNull, yaml.NodeTagFloat}
		scalar := func(v string, i uint8) *yaml.Node {
			return &yaml.Node{Kind: yaml.ScalarNode, Value: v, Style: styles[int(i)%len(styles)], Tag: tags[int(i/8)%len(tags)]}
		}
		m := func(kv ...*yaml.Node) *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Content: kv} }
		s := func(it ...*yaml.Node) *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Content: it} }
		str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: v} }
		root := m(
			str("apiVersion"), str("v1"),
			str("kind"), str("Thing"),
			str("metadata"), m(str("name"), str("x"), str("labels"), m(scalar(a, shape), scalar(b, shape>>1))),
			str("spec"), m(
				scalar(a, shape>>2), s(scalar(b, shape), m(scalar(b, shape>>3), scalar(a, shape)), m(), s()),
				str("nested"), m(str(fmt.Sprint(shape)), s(m(str("k"), scalar(a, shape>>4), str("l"), s(scalar(b, shape>>5)))))),
		)
		n := yaml.NewRNode(root)
		if _, err := n.String(); err != nil {
			t.Skip("kyaml cannot print it either")
		}
		checkPrinter(t, n)
	})
}
