package e2e

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestImportExitStatus: the krm-fn binary ends import with the status
// that says how the import went, which CI can test for.
func TestImportExitStatus(t *testing.T) {
	for c, want := range map[string]int{
		"seed":            0, // lossless, and --verify finds no difference
		"bad-input":       1, // the input cannot be read
		"bookinfo-all-v1": 3, // a loss, and the routing difference it leaves
		"placeholder-arn": 2, // a value krm-fn's own checks refuse
	} {
		err := exec.Command("krm-fn", "import", "--verify", filepath.Join("..", "testdata", "import", c, "manifests.yaml")).Run()
		got := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			got = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("krm-fn import --verify %s: exit status %d, want %d", c, got, want)
		}
	}
	err := exec.Command("krm-fn", "import", filepath.Join("..", "testdata", "import", "bookinfo-all-v1", "manifests.yaml")).Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("krm-fn import of a lossy input without --verify: %v, want exit status 2", err)
	}
}
