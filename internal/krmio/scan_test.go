package krmio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// parsedNodes is how many nodes go-yaml builds for the documents of b
// (aliases count one), or false when it cannot parse them.
func parsedNodes(b []byte) (int, bool) {
	d := yaml.NewDecoder(bytes.NewReader(b))
	total := 0
	for {
		var n yaml.Node
		err := d.Decode(&n)
		if errors.Is(err, io.EOF) {
			return total, true
		}
		if err != nil {
			return 0, false
		}
		total += countTree(&n)
	}
}

func countTree(n *yaml.Node) int {
	c := 1
	if n.Kind == yaml.DocumentNode {
		c = 0
	}
	for _, k := range n.Content {
		c += countTree(k)
	}
	return c
}

// close says whether the estimate is within a factor of two of the count,
// give or take a few nodes.
func close(estimate, actual int) bool {
	return estimate >= actual/2-2 && estimate <= 2*actual+2
}

// TestCountNodesOnRealYAML compares the estimate with go-yaml's count on
// every YAML file of the repository (specs, renderings, kustomizations,
// CRDs-like documents) and on documents of every shape.
func TestCountNodesOnRealYAML(t *testing.T) {
	var files []string
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "fuzz") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		actual, ok := parsedNodes(b)
		if !ok {
			continue // the corpus of bad input
		}
		if est := CountNodes(b); !close(est, actual) {
			t.Errorf("%s: estimated %d nodes, go-yaml builds %d", f, est, actual)
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d YAML files checked", checked)
	}
	shapes := []string{
		"a: 1\nb: [1, 2, {c: d}]\n",
		"- a\n- b\n- - c\n  - d\n- {e: f}\n",
		"key: |\n  line: one\n  - two\n  three: [4, 5]\nnext: value\n",
		"- key: >-\n    folded: text\n    - more\n  other: x\n- y\n",
		"a: 'it''s: [not, a, list]'\nb: \"quoted # not a comment\"\nc: plain # a comment: [x, y]\n",
		"a: \"multi\n  line: [x]\n  quoted\"\nb: c\n",
		"{\"json\": [1, 2, 3], \"nested\": {\"a\": \"b:c\"}}\n",
		"a: &x {b: c}\nd: *x\ne: !!str 1\n",
		"---\na: b\n---\n- c\n...\n",
		"url: http://example.com/a:b\nlist: [http://x, 'y']\n",
		"empty:\nnull: ~\nnested:\n  deeper:\n    deepest: 1\n",
		strings.Repeat("- a\n", 1000),
		"[" + strings.Repeat("1,", 1000) + "1]\n",
		"data:\n  script: |\n" + strings.Repeat("    - a: b, [c]\n", 100) + "kind: X\n",
	}
	for _, s := range shapes {
		actual, ok := parsedNodes([]byte(s))
		if !ok {
			t.Fatalf("go-yaml cannot parse the shape %q", s)
		}
		if est := CountNodes([]byte(s)); !close(est, actual) {
			t.Errorf("%q: estimated %d nodes, go-yaml builds %d", s, est, actual)
		}
	}
}

// FuzzCountNodes: whatever go-yaml parses, the estimate never falls much
// below its count, which is what the input limit relies on.
func FuzzCountNodes(f *testing.F) {
	for _, s := range []string{"a: b\n", "- [1, 2]\n", "k: |\n  x\ny: z\n", "'a': \"b\"\n", "{a: [b, {c: d}]}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		actual, ok := parsedNodes(b)
		if !ok {
			return
		}
		if est := CountNodes(b); est < actual/2-2 {
			t.Fatalf("estimated %d nodes, go-yaml builds %d:\n%q", est, actual, b)
		}
	})
}

// TestCheckNodesRefusesAliasCycles: an alias inside the anchor it names
// (which kyaml's DeAnchor follows forever) and aliases that expand past
// the node limit are refused; aliases that expand within it are fine.
func TestCheckNodesRefusesAliasCycles(t *testing.T) {
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'j'; i++ {
		prev := string(i - 1)
		laughs += fmt.Sprintf("%c: &%c [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", i, i, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"a sequence holding its own alias", "data: {x: &a [*a]}\n", "the alias *a refers to the anchor that holds it"},
		{"a mapping holding its own alias", "data: &a {b: *a}\n", "the alias *a refers to the anchor that holds it"},
		{"nested further down", "a: &top\n  b:\n    c: [1, {d: *top}]\n", "the alias *top refers to the anchor that holds it"},
		{"a billion laughs", laughs, "its aliases expand to more than"},
		{"aliases within the limit", "a: &a {x: 1}\nb: *a\nc: [*a, *a]\nhost: '*.example.com'\n", ""},
		{"no YAML at all", "\x00&*\x01", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckNodes([]byte(tc.yaml), "f.yaml")
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}
