package e2e

import (
	"os"
	"os/exec"
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

// releaseRef matches a versioned reference of the docs a user copies: go
// install's @, pre-commit's rev:, the Argo CD component's ?ref= and
// newTag:, the release's images' tags.
var releaseRef = regexp.MustCompile(`(?:cmd/krm-fn@|rev: |deploy/argocd\?ref=|newTag: |ghcr\.io/krmfn/krm-fn(?:-argocd-cmp)?:)(v\d+\.\d+\.\d+)`)

// releaseDocs are the files hack/release-docs.sh renames a release in.
func releaseDocs(t *testing.T, root string) []string {
	t.Helper()
	files := []string{filepath.Join(root, "README.md")}
	for _, g := range []string{"docs/*.md", "deploy/argocd/*.yaml"} {
		m, _ := filepath.Glob(filepath.Join(root, g))
		files = append(files, m...)
	}
	return files
}

// docsRelease is the one release the docs name, and how many references.
func docsRelease(t *testing.T, root string) (string, int) {
	t.Helper()
	version, n := "", 0
	for _, f := range releaseDocs(t, root) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range releaseRef.FindAllStringSubmatch(string(b), -1) {
			n++
			if version == "" {
				version = m[1]
			}
			if m[1] != version {
				t.Errorf("%s: %q names release %s, other docs %s: run hack/release-docs.sh (docs/release.md)", f, m[0], m[1], version)
			}
		}
	}
	return version, n
}

// TestDocsNameOneRelease: the versioned references of the docs name one
// release (the one install commands, pre-commit's rev, the Argo CD
// component and the images pin), and hack/release-docs.sh renames every
// one of them, and nothing else.
func TestDocsNameOneRelease(t *testing.T) {
	version, n := docsRelease(t, "..")
	if n < 6 {
		t.Fatalf("the docs have %d versioned references, want the install command, pre-commit's rev, the component's ref and newTag, and the images", n)
	}
	dir := t.TempDir()
	for _, f := range releaseDocs(t, "..") {
		rel, _ := filepath.Rel("..", f)
		b, _ := os.ReadFile(f)
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("../hack/release-docs.sh", "v9.8.7", dir).CombinedOutput(); err != nil {
		t.Fatalf("hack/release-docs.sh: %v\n%s", err, out)
	}
	if v, m := docsRelease(t, dir); v != "v9.8.7" || m != n {
		t.Errorf("after hack/release-docs.sh v9.8.7 the docs name %s in %d references, want v9.8.7 in %d", v, m, n)
	}
	for _, f := range releaseDocs(t, "..") {
		rel, _ := filepath.Rel("..", f)
		before, _ := os.ReadFile(f)
		after, _ := os.ReadFile(filepath.Join(dir, rel))
		if strings.ReplaceAll(string(after), "v9.8.7", version) != string(before) {
			t.Errorf("hack/release-docs.sh changed %s beyond its references to the release", rel)
		}
	}
}
