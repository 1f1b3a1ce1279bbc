package cli_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files of ../../testdata/import and ../../testdata/routes from what krm-fn import and routes do now")

// TestImportGolden runs `krm-fn import --verify manifests.yaml` in every
// case under testdata/import and checks what a user sees: the specs on
// stdout (imported.yaml), and on stderr every setting not carried over,
// every routing difference and the exit status (stderr.txt).
func TestImportGolden(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "import")
	cases, _ := filepath.Glob(filepath.Join(root, "*", "manifests.yaml"))
	if len(cases) == 0 {
		t.Fatal("no import cases under " + root)
	}
	for _, manifests := range cases {
		dir := filepath.Dir(manifests)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			stdout, stderr := runImport(t, "import", "--verify", manifests)
			golden(t, filepath.Join(dir, "imported.yaml"), stdout)
			golden(t, filepath.Join(dir, "stderr.txt"), stderr)
		})
	}
}

// runImport runs krm-fn with args and returns its stdout, and its stderr
// with the exit status as Main would return it on a last line; paths
// are relative to the repository.
func runImport(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := cli.NewCommand()
	cmd.SetArgs(args)
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	status := 0
	if err := cmd.Execute(); err != nil {
		status = 1
		var es cli.ExitStatus
		if errors.As(err, &es) {
			status = es.Code
		}
	}
	errs := strings.ReplaceAll(stderr.String(), filepath.Join("..", "..")+string(filepath.Separator), "")
	return stdout.String(), errs + fmt.Sprintf("exit status %d\n", status)
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test -update rewrites it):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// TestImportReadsDirectoriesAndStdin: a directory is read recursively
// (the specs beside the manifests are not what import reads), and "-"
// is stdin, as kustomize build output is piped in.
func TestImportReadsDirectoriesAndStdin(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "import", "seed")
	want, err := os.ReadFile(filepath.Join(dir, "imported.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got, stderr := runImport(t, "import", dir); got != string(want) || stderr != "exit status 0\n" {
		t.Errorf("import %s:\n%s\nstderr: %s", dir, got, stderr)
	}
	manifests, err := os.Open(filepath.Join(dir, "manifests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer manifests.Close()
	var stdout, stderr bytes.Buffer
	cmd := cli.NewCommand()
	cmd.SetArgs([]string{"import", "--verify", "-"})
	cmd.SetIn(manifests)
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	if err := cmd.Execute(); err != nil || stdout.String() != string(want) {
		t.Errorf("import - (%v):\n%s\nstderr: %s", err, stdout.String(), stderr.String())
	}
}
