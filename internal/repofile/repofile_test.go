package repofile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test if f does not return in a few seconds: a read
// that blocks (a FIFO) must not.
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("blocked")
		return nil
	}
}

// TestReadTakesRegularFilesOnly: a FIFO (no writer), a device and a
// directory are refused at once; a file over the size is refused.
func TestReadTakesRegularFilesOnly(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	link := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, link, dir} {
		err := within(t, func() error { _, err := Read(path, 1<<20); return err })
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: want ErrNotRegular, got %v", path, err)
		}
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 2048), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(big, 1024); err == nil || !strings.Contains(err.Error(), "the most krm-fn reads") {
		t.Errorf("a file over the size: %v", err)
	}
	if b, err := Read(big, 2048); err != nil || len(b) != 2048 {
		t.Errorf("a file of the size: %d bytes, %v", len(b), err)
	}
}

// TestWriteInStaysInside: a directory on the way that links out of the
// root is refused and nothing is written outside; a link at the file
// itself is replaced, not written through; ReadIn does not follow a link
// out either.
func TestWriteInStaysInside(t *testing.T) {
	repo, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(repo, "rendered")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(repo, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(repo, "out", "prd.yaml")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()

	if err := WriteIn(root, "rendered/overlays/prd.yaml", strings.NewReader("x"), 0o644); err == nil {
		t.Error("wrote through a directory linking out of the root")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("the directory outside holds %d entries, want only the secret", len(entries))
	}
	if _, err := ReadIn(root, "out/prd.yaml", 1<<20); err == nil {
		t.Error("read through a link out of the root")
	}
	if err := WriteIn(root, "out/prd.yaml", strings.NewReader("rendered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(secret); string(b) != "secret" {
		t.Errorf("the file outside was written through the link: %q", b)
	}
	info, err := os.Lstat(filepath.Join(repo, "out", "prd.yaml"))
	if err != nil || !info.Mode().IsRegular() || info.Mode().Perm() != 0o644 {
		t.Errorf("the link was not replaced by a regular file of mode 0644: %v %v", info, err)
	}
	if err := WriteIn(root, "../escape", strings.NewReader("x"), 0o644); err == nil {
		t.Error("wrote to a path outside the root")
	}
}
