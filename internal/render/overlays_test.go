package render

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRepositoryRoot finds the work tree as git does, from wherever the
// command runs: a .git directory with HEAD, or a .git file of a linked
// worktree; not an empty .git directory (a fixture's).
func TestRepositoryRoot(t *testing.T) {
	tmp, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mk := func(parts ...string) string {
		p := filepath.Join(append([]string{tmp}, parts...)...)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write := func(content string, parts ...string) {
		if err := os.WriteFile(filepath.Join(append([]string{tmp}, parts...)...), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("clone", ".git")
	write("ref: refs/heads/main\n", "clone", ".git", "HEAD")
	prd := mk("clone", "overlays", "prd")
	mk("clone", "testdata", "fixture", ".git") // no HEAD: not a repository
	fixture := mk("clone", "testdata", "fixture", "overlays", "dev")
	mk("worktree")
	write("gitdir: /elsewhere/.git/worktrees/wt\n", "worktree", ".git")
	wt := mk("worktree", "overlays", "stg")
	outside := mk("elsewhere")

	t.Chdir(outside) // run from outside the repositories
	for dir, want := range map[string]string{
		prd:     filepath.Join(tmp, "clone"),
		fixture: filepath.Join(tmp, "clone"),
		wt:      filepath.Join(tmp, "worktree"),
	} {
		if got := RepositoryRoot(dir); got != want {
			t.Errorf("RepositoryRoot(%s) = %s, want %s", dir, got, want)
		}
		if !InGitWorkTree(dir) {
			t.Errorf("InGitWorkTree(%s) = false", dir)
		}
	}
	// No work tree: the current directory if it holds dir, else dir.
	mk("elsewhere", "plain", "overlays", "prd")
	if got := RepositoryRoot("plain/overlays/prd"); got != outside {
		t.Errorf("RepositoryRoot of a directory under the current one = %s, want %s", got, outside)
	}
	if InGitWorkTree("plain") {
		t.Error("InGitWorkTree of a plain directory = true")
	}
}

// TestOverlaysSkipsFixtures does not look into testdata, nor into what
// the repository's .krmfnignore names.
func TestOverlaysSkipsFixtures(t *testing.T) {
	repo := t.TempDir()
	const platform = `apiVersion: exposure.krmfn.io/v1alpha1
kind: ExposurePlatform
metadata:
  name: p
  annotations:
    config.kubernetes.io/function: "exec: {path: krm-fn}"
`
	for _, dir := range []string{"overlays/prd", "testdata/broken", "archive/old", "e2e/testdata/x"} {
		if err := os.MkdirAll(filepath.Join(repo, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, dir, "kustomization.yaml"), []byte("transformers: [platform.yaml]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, dir, "platform.yaml"), []byte(platform), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(repo, ".krmfnignore"), []byte("/archive/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Overlays(repo, repo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(repo, "overlays/prd")}; !slices.Equal(got, want) {
		t.Errorf("Overlays = %v, want %v", got, want)
	}
	// Named, a fixture is looked into.
	if got, _ := Overlays(filepath.Join(repo, "testdata"), repo, nil); len(got) != 1 {
		t.Errorf("Overlays of testdata named = %v, want its overlay", got)
	}
}
