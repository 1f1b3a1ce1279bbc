package krmio

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// LineTag is the tag of a result that holds the line, in the result's
// file, of the field it is about (FormatResult prints it).
const LineTag = "line"

// Lines finds the line of a field of an object in the file the object
// was read from, given the text of the files (Source). The positions an
// object's nodes carry cannot be trusted for it: kyaml's reader counts
// lines from each document's start, a value a strategic merge patch set
// has the patch file's, a JSON patch leaves none, a build makes values of
// its own. So the line is read from the file itself: the one object of
// the file of the same apiVersion, kind, namespace and name, the field
// at the same path, and only when the file holds there the very value
// the object has (a value a patch changed, or added, has no line in that
// file). The zero Lines, or one without a Source, finds none.
type Lines struct {
	// Source is the text of the file at path (as a result names it).
	Source func(path string) ([]byte, bool)

	parsed map[string][]*yaml.Node
}

// Line is the line in file of the value at path (a field.Path string;
// "": the object) of object n, or of the nearest field above it that n
// has; 0 when the file does not hold that value there.
func (l *Lines) Line(file string, n *yaml.Node, path string) int {
	if l == nil || l.Source == nil || file == "" || n == nil {
		return 0
	}
	var doc *yaml.Node
	for _, d := range l.docs(file) {
		if identity(d) == identity(n) {
			if doc != nil {
				return 0 // two such objects: which is it?
			}
			doc = d
		}
	}
	if doc == nil {
		return 0
	}
	steps := fieldSteps(path)
	_, value, found := walk(n, steps)
	at, in, f := walk(doc, steps)
	switch {
	case value == nil || in == nil || f != found:
		return 0
	case found == 0:
		return at.Line // the object itself: where it starts
	case !equal(in, value):
		return 0
	}
	return at.Line
}

// identity is the apiVersion, kind, namespace and name of object n.
func identity(n *yaml.Node) [4]string {
	var id [4]string
	for i, p := range []string{"apiVersion", "kind", "metadata.namespace", "metadata.name"} {
		steps := fieldSteps(p)
		if _, v, f := walk(n, steps); f == len(steps) && v.Kind == yaml.ScalarNode {
			id[i] = v.Value
		}
	}
	return id
}

// equal says whether a and b hold the same value: the same scalars (of
// the same type), lists of equal items, maps of equal entries.
func equal(a, b *yaml.Node) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case yaml.ScalarNode:
		return a.Value == b.Value && a.ShortTag() == b.ShortTag()
	case yaml.SequenceNode:
		if len(a.Content) != len(b.Content) {
			return false
		}
		for i := range a.Content {
			if !equal(a.Content[i], b.Content[i]) {
				return false
			}
		}
		return true
	case yaml.MappingNode:
		if len(a.Content) != len(b.Content) {
			return false
		}
		for i := 0; i+1 < len(a.Content); i += 2 {
			_, v, f := walk(b, []step{{key: a.Content[i].Value, index: -1}})
			if f != 1 || !equal(a.Content[i+1], v) {
				return false
			}
		}
		return true
	}
	return false
}

// docs are the documents of file, parsed once.
func (l *Lines) docs(file string) []*yaml.Node {
	if docs, ok := l.parsed[file]; ok {
		return docs
	}
	if l.parsed == nil {
		l.parsed = map[string][]*yaml.Node{}
	}
	var docs []*yaml.Node
	if b, ok := l.Source(file); ok && len(b) <= MaxInputBytes && checked(b, file) {
		d := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc yaml.Node
			if err := d.Decode(&doc); err != nil {
				if !errors.Is(err, io.EOF) {
					docs = nil // a file that does not parse now: no line
				}
				break
			}
			docs = append(docs, &doc)
		}
	}
	l.parsed[file] = docs
	return docs
}

// step is one step of a field path: a field (or map key), or a list
// index.
type step struct {
	key   string
	index int // -1: a key
}

// fieldSteps splits a field.Path string ("spec.routes[0].match.headers[x-id]")
// into its steps.
func fieldSteps(path string) []step {
	var steps []step
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return append(steps, step{key: path[1:], index: -1})
			}
			inside := path[1:end]
			if i, err := strconv.Atoi(inside); err == nil && i >= 0 {
				steps = append(steps, step{index: i})
			} else {
				steps = append(steps, step{key: inside, index: -1})
			}
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			steps = append(steps, step{key: path[:end], index: -1})
			path = path[end:]
		}
	}
	return steps
}

// walk follows steps from n as far as n has them: where the value of the
// last step found is (a field's key, a list's item; n itself when none
// is), that value, and how many steps were found.
func walk(n *yaml.Node, steps []step) (at, value *yaml.Node, found int) {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, nil, 0
		}
		n = n.Content[0]
	}
	at = n
	for i, s := range steps {
		var next, pos *yaml.Node
		switch {
		case n.Kind == yaml.MappingNode:
			key := s.key
			if s.index >= 0 {
				key = strconv.Itoa(s.index)
			}
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == key {
					pos, next = n.Content[j], n.Content[j+1]
					break
				}
			}
		case n.Kind == yaml.SequenceNode && s.index >= 0 && s.index < len(n.Content):
			pos, next = n.Content[s.index], n.Content[s.index]
		}
		if next == nil {
			return at, n, i
		}
		at, n = pos, next
	}
	return at, n, len(steps)
}

// checked says whether b is within the input limits.
func checked(b []byte, what string) bool {
	_, err := CheckNodes(b, what)
	return err == nil
}
