package snapshot_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/internal/snapshot"
)

// repo makes a git repository whose one commit holds files (path →
// content) and links (path → target), and returns its work tree, the
// links resolved in its path, and git.
func repo(t *testing.T, files, links map[string]string) (string, string) {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(git, append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q")
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, target := range links {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
	run("add", "-A")
	run("-c", "user.email=test@krmfn.io", "-c", "user.name=test", "commit", "-q", "-m", "one")
	return dir, git
}

// TestTreeIsTheDisk: the revision's tree answers as the disk of its
// checkout does (the oracle): links resolved, directories listed, files
// read, globs and walks, for every kind of path a build meets.
func TestTreeIsTheDisk(t *testing.T) {
	dir, git := repo(t, map[string]string{
		"a/kustomization.yaml": "resources: [x.yaml]\n",
		"a/x.yaml":             "kind: ConfigMap\n",
		"b/c/d.yaml":           "kind: Service\n",
		".hidden/h.yaml":       "kind: Secret\n",
		"top.yaml":             "kind: Namespace\n",
	}, map[string]string{
		"a/link.yaml":    "x.yaml",
		"a/up.yaml":      "../b/c/d.yaml",
		"dirlink":        "b/c",
		"a/chain.yaml":   "link.yaml",
		"a/abs.yaml":     "/etc/hostname",
		"a/dangling":     "nowhere.yaml",
		"b/loop":         "loop",
		"b/out":          "../../..",
		"b/c/sibling":    "../../a",
		"nested/deep/up": "../../dirlink/d.yaml",
	})
	tree, err := snapshot.Git(git, dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if tree.Root() != dir {
		t.Fatalf("root %s, want %s", tree.Root(), dir)
	}
	// Changed on disk after the commit: the tree must not see it.
	if err := os.WriteFile(filepath.Join(dir, "a", "x.yaml"), []byte("changed on disk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{
		"", "a", "a/x.yaml", "a/link.yaml", "a/up.yaml", "a/chain.yaml", "a/kustomization.yaml", "dirlink",
		"dirlink/d.yaml", "b/c/sibling/x.yaml", "nested/deep/up", "a/missing.yaml", "a/x.yaml/below",
		"a/dangling", "b/loop", "a/../top.yaml", "b/c/../../top.yaml", ".hidden", "b/c/sibling/../top.yaml",
	}
	for _, p := range paths {
		full := filepath.Join(dir, p)
		if strings.Contains(p, "..") {
			full = dir + "/" + p // not cleaned: links resolve before ".."
		}
		want, werr := filepath.EvalSymlinks(full)
		got, gerr := tree.EvalSymlinks(full)
		if (werr == nil) != (gerr == nil) || got != want {
			t.Errorf("EvalSymlinks(%s) = %q, %v; the disk says %q, %v", p, got, gerr, want, werr)
		}
		info, err := os.Stat(full)
		if tree.Exists(full) != (err == nil) {
			t.Errorf("Exists(%s) = %t, the disk says %v", p, tree.Exists(full), err)
		}
		if tree.IsDir(full) != (err == nil && info.IsDir()) {
			t.Errorf("IsDir(%s) = %t", p, tree.IsDir(full))
		}
		if err == nil && info.IsDir() {
			entries, _ := os.ReadDir(full)
			var names []string
			for _, e := range entries {
				if e.Name() != ".git" {
					names = append(names, e.Name())
				}
			}
			got, err := tree.ReadDir(full)
			if err != nil || !slices.Equal(got, names) {
				t.Errorf("ReadDir(%s) = %v, %v; the disk has %v", p, got, err, names)
			}
		}
		if err == nil && !info.IsDir() && !strings.HasSuffix(p, "x.yaml") && !strings.Contains(p, "link.yaml") && !strings.Contains(p, "chain") {
			b, _ := os.ReadFile(full)
			got, err := tree.Read(full, 1<<20)
			if err != nil || string(got) != string(b) {
				t.Errorf("Read(%s) = %q, %v; the disk has %q", p, got, err, b)
			}
		}
	}
	// The committed x.yaml, however read.
	for _, p := range []string{"a/x.yaml", "a/link.yaml", "a/chain.yaml", "b/c/sibling/x.yaml"} {
		got, err := tree.Read(filepath.Join(dir, p), 1<<20)
		if err != nil || string(got) != "kind: ConfigMap\n" {
			t.Errorf("Read(%s) = %q, %v; want the commit's x.yaml", p, got, err)
		}
	}
	// Links out of the tree resolve to where they lead, unread.
	for p, want := range map[string]string{"a/abs.yaml": "/etc/hostname", "b/out": filepath.Dir(filepath.Dir(dir))} {
		got, err := tree.EvalSymlinks(filepath.Join(dir, p))
		if err != nil || got != want {
			t.Errorf("EvalSymlinks(%s) = %q, %v; want %q (outside)", p, got, err, want)
		}
		if _, err := tree.Read(filepath.Join(dir, p), 1<<20); err == nil {
			t.Errorf("Read(%s) read what is outside the revision", p)
		}
	}
	// Globs, hidden files left out as kustomize's disk does.
	for _, pattern := range []string{"a/*.yaml", "*", "b/c/*.yaml", "*/*/*.yaml", "*/x.yaml", ".hidden/*"} {
		want, _ := filepath.Glob(filepath.Join(dir, pattern))
		// What b/out (a link out of the repository) holds is outside the
		// revision: the disk lists it, the tree does not.
		want = slices.DeleteFunc(want, func(p string) bool {
			return filepath.Base(p) == ".git" || strings.HasPrefix(p, filepath.Join(dir, "b", "out")+"/")
		})
		if !strings.HasPrefix(pattern, ".") {
			want = slices.DeleteFunc(want, func(p string) bool { return strings.HasPrefix(filepath.Base(p), ".") })
		}
		got, err := tree.Glob(filepath.Join(dir, pattern))
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("Glob(%s) = %v, %v; the disk says %v", pattern, got, err, want)
		}
	}
	// A walk sees what the disk's does, links not followed.
	walk := func(w func(string, filepath.WalkFunc) error) []string {
		var out []string
		_ = w(dir, func(p string, info fs.FileInfo, err error) error {
			if filepath.Base(p) == ".git" {
				return filepath.SkipDir
			}
			if err == nil {
				out = append(out, p+" "+info.Mode().Type().String())
			}
			return nil
		})
		return out
	}
	if got, want := walk(tree.Walk), walk(filepath.Walk); !slices.Equal(got, want) {
		t.Errorf("Walk:\n%s\nthe disk's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	d, f, err := tree.CleanedAbs(filepath.Join(dir, "a", "link.yaml"))
	if err != nil || string(d) != filepath.Join(dir, "a") || f != "x.yaml" {
		t.Errorf("CleanedAbs(a/link.yaml) = %s, %s, %v", d, f, err)
	}
	if _, err := tree.Open(filepath.Join(dir, "a")); !errors.Is(err, snapshot.ErrNotRegular) {
		t.Errorf("Open(a directory) = %v, want ErrNotRegular", err)
	}
}

// TestRevisionsAreOnlyRevisions: nothing but a commit of the repository
// is read; an option is no revision.
func TestRevisionsAreOnlyRevisions(t *testing.T) {
	dir, git := repo(t, map[string]string{"f.yaml": "a: 1\n"}, nil)
	out := filepath.Join(t.TempDir(), "written")
	for _, rev := range []string{"--output=" + out, "-h", "", "HEAD:f.yaml", "no-such", "HEAD\nHEAD", "HEAD^{tree}"} {
		if _, err := snapshot.Git(git, dir, rev); err == nil {
			t.Errorf("revision %q was read", rev)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("git wrote a file a revision named")
	}
	tree, err := snapshot.Git(git, dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if err := tree.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Read(filepath.Join(dir, "f.yaml"), 100); err == nil {
		t.Error("a closed tree read a file")
	}
}

// TestFilesOverTheLimitAreNotRead: a file larger than what the reader
// takes is refused before it is read, and the next file still reads.
func TestFilesOverTheLimitAreNotRead(t *testing.T) {
	dir, git := repo(t, map[string]string{"big.yaml": strings.Repeat("x", 5000), "small.yaml": "ok\n"}, nil)
	tree, err := snapshot.Git(git, dir, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	if _, err := tree.Read(filepath.Join(dir, "big.yaml"), 4096); err == nil || !strings.Contains(err.Error(), "5000 bytes") {
		t.Errorf("big.yaml: %v", err)
	}
	if b, err := tree.Read(filepath.Join(dir, "small.yaml"), 4096); err != nil || string(b) != "ok\n" {
		t.Errorf("small.yaml: %q, %v", b, err)
	}
}
