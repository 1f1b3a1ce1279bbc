package kustomization

import (
	"strings"
	"testing"
)

// TestParseTakesKeysWrittenOnce: a key written twice in one mapping (which
// YAML libraries read differently) or a merge key is an error naming its
// line; a kustomization written plainly parses.
func TestParseTakesKeysWrittenOnce(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"a key twice", "resources: [a]\ntransformers: [x]\ntransformers: [y]\n", `line 3: the key "transformers" is written twice`},
		{"a key twice further down", "patches:\n- path: p.yaml\n  path: q.yaml\n", `line 3: the key "path" is written twice`},
		{"a merge key", "resources: [a]\n<<:\n  transformers: [y]\n", "line 2: a YAML merge key"},
		{"a merge of an anchor", "x: &t {transformers: [y]}\n<<: *t\n", "a YAML merge key"},
		{"written plainly", "resources: [a]\ntransformers: [x]\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("kustomization.yaml", []byte(tc.yaml))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}
