package krmio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListKeepsToTheDirectories: a file found under a directory that is a
// symbolic link out of it is an error naming the link, not a way to read
// what it points to; a link within the directory, and a file named
// itself, are read.
func TestListKeepsToTheDirectories(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	for path, content := range map[string]string{
		filepath.Join(outside, "secret.yaml"): "kind: ConfigMap\n",
		filepath.Join(dir, "specs", "a.yaml"): "kind: ConfigMap\n",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a.yaml", filepath.Join(dir, "specs", "b.yaml")); err != nil {
		t.Fatal(err)
	}
	if files, err := List([]string{filepath.Join(dir, "specs")}, nil); err != nil || len(files) != 2 {
		t.Fatalf("a link within the directory: %v %v", files, err)
	}
	leak := filepath.Join(dir, "specs", "leak.yaml")
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), leak); err != nil {
		t.Fatal(err)
	}
	if _, err := List([]string{filepath.Join(dir, "specs")}, nil); err == nil || !strings.Contains(err.Error(), "a symbolic link out of") {
		t.Errorf("a link out of the directory: %v", err)
	}
	if files, err := List([]string{leak}, nil); err != nil || len(files) != 1 {
		t.Errorf("the link named itself: %v %v", files, err)
	}
}
