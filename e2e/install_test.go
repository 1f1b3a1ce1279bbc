package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestInstallCopiesTheBinary runs "krm-fn install DIR" as an init container
// would, and the copy as Argo CD's repo-server would: it must be the same
// program, executable, and a second install must replace it in place.
func TestInstallCopiesTheBinary(t *testing.T) {
	self, err := exec.LookPath("krm-fn")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "custom-tools")
	for range 2 {
		out, err := exec.Command(self, "install", dir).CombinedOutput()
		if err != nil {
			t.Fatalf("krm-fn install: %v\n%s", err, out)
		}
		if want := "installed " + filepath.Join(dir, "krm-fn") + "\n"; string(out) != want {
			t.Errorf("output %q, want %q", out, want)
		}
	}
	want, _ := os.ReadFile(self)
	got, err := os.ReadFile(filepath.Join(dir, "krm-fn"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the installed file is not the binary (err %v)", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("install left other files in %s: %v", dir, entries)
	}
	version, err := exec.Command(filepath.Join(dir, "krm-fn"), "version").Output()
	if err != nil {
		t.Fatalf("the installed krm-fn does not run: %v", err)
	}
	if !regexp.MustCompile(`^krm-fn \S+ go1\.\d+`).Match(version) {
		t.Errorf("krm-fn version printed %q", version)
	}
}
