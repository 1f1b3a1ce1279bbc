package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// markdownLink matches the target of an inline Markdown link.
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocsLinksStayInside checks every relative link of README.md and
// docs/: it must name a file or directory of this repository, so that the
// docs stand alone for someone who clones it.
func TestDocsLinksStayInside(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"))
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markdownLink.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			path := filepath.Join(filepath.Dir(f), target)
			rel, err := filepath.Rel(root, path)
			name, _ := filepath.Rel(root, f)
			if err != nil || !filepath.IsLocal(rel) {
				t.Errorf("%s: the link %q leaves the repository", name, m[1])
				continue
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: the link %q names nothing in the repository", name, m[1])
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("only %d relative links checked: the pattern misses them", checked)
	}
}
