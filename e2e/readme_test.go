package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// readmeElsewhere are the README's commands this test does not run, and
// where else CI checks them (a make target is still checked to exist, with
// make -n). Every one must still be in the README: one that is no longer
// there fails the test, so the list cannot drift from it.
var readmeElsewhere = map[string]string{
	"make test":             "CI runs it (.ci/run); this test is part of it",
	"make test-argocd":      "CI runs it (.ci/run): argocd-cmp-server, minutes to build",
	"make conformance":      "CI runs it (.ci/run): a kube-apiserver and istioctl",
	"make fuzz":             "ten minutes a target; CI runs make fuzz-ci, the same for 20 s",
	"make update":           "rewrites the golden files from the tests, e2e among them",
	"make bench":            "takes a while; docs/benchmarks.md is what it wrote",
	"make release-snapshot": "CI runs it (.ci/run): four cross builds",
	"docker build -t <your registry>/krm-fn .":       "needs a Docker engine; CI builds the binaries the image holds (make release-snapshot)",
	"go install github.com/krmfn/krm-fn/cmd/krm-fn@": "installs the published release (docs/release.md)",
}

// readmeInline are the code spans of the README's text that are commands
// to run as written: the others name commands (krm-fn validate
// FILE|DIR...) or parts of them.
var readmeInline = regexp.MustCompile("`((?:bin/krm-fn|krm-fn render|krm-fn --help|kustomize build|go test|go install|make|docker) [^`]*)`")

// TestReadmeCommands runs every command the README shows, as written, in
// a clone of the repository (with this checkout's changes): its shell
// blocks in order, each block's commands in one shell, then the commands
// of its text. krm-fn is found on PATH in the clone's bin/ (the README
// builds it there) and kustomize where hack/tools.sh puts it; each must
// succeed.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds krm-fn and kustomize in a clone")
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, inline := readmeCommands(string(readme))
	if len(blocks) < 4 || len(inline) < 3 {
		t.Fatalf("found %d shell blocks and %d commands in the text of the README", len(blocks), len(inline))
	}
	clone := cloneCheckout(t)
	path := filepath.Join(clone, "bin") + string(os.PathListSeparator) + os.Getenv("PATH")
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		path = filepath.Dir(k) + string(os.PathListSeparator) + path
	}
	seen := map[string]bool{}
	run := func(script string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
		cmd.Dir = clone
		cmd.Env = append(os.Environ(), "PATH="+path)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			t.Errorf("the README's\n%s\nfails in a clone: %v\n%s", script, err, tail(out.String(), 4000))
			return
		}
		t.Logf("%s: %s", strings.ReplaceAll(script, "\n", "; "), time.Since(start).Round(time.Second))
	}
	skipped := func(c string) bool {
		for cmd, why := range readmeElsewhere {
			if c == cmd || strings.HasPrefix(c, cmd+" ") || strings.HasSuffix(cmd, "@") && strings.HasPrefix(c, cmd) {
				seen[cmd] = true
				if target, ok := strings.CutPrefix(cmd, "make "); ok {
					out, err := exec.Command("make", "-C", clone, "-n", target).CombinedOutput()
					if err != nil {
						t.Errorf("the README's %q is no make target: %v\n%s", c, err, out)
					}
				}
				t.Logf("not run: %s (%s)", c, why)
				return true
			}
		}
		return false
	}
	for _, b := range blocks {
		var script []string
		for _, c := range b {
			if !skipped(c) {
				script = append(script, c)
			}
		}
		if len(script) > 0 {
			run(strings.Join(script, "\n"))
		}
	}
	for _, c := range inline {
		if !skipped(c) {
			run(c)
		}
	}
	for cmd := range readmeElsewhere {
		if !seen[cmd] {
			t.Errorf("the README no longer shows %q: remove it from readmeElsewhere", cmd)
		}
	}
	ci, err := os.ReadFile("../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"make test", "make test-argocd", "make conformance", "make fuzz-ci", "make release-snapshot"} {
		if !strings.Contains(string(ci), "\n"+c+"\n") {
			t.Errorf(".ci/run does not run %q, which readmeElsewhere says CI runs", c)
		}
	}
}

// readmeCommands are the commands of the README's sh blocks (one list a
// block, comments and blank lines left out, a line ending in "\" joined
// with the next) and those of its text (readmeInline), each once.
func readmeCommands(readme string) (blocks [][]string, inline []string) {
	in := false
	var block []string
	for _, line := range strings.Split(readme, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in, block = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, block)
		case in:
			c := strings.TrimSpace(line)
			if i := strings.Index(c, " #"); i >= 0 {
				c = strings.TrimSpace(c[:i])
			}
			if n := len(block); n > 0 && strings.HasSuffix(block[n-1], "\\") {
				block[n-1] = strings.TrimSuffix(block[n-1], "\\") + c
				continue
			}
			if c != "" && !strings.HasPrefix(c, "#") {
				block = append(block, c)
			}
		default:
			for _, m := range readmeInline.FindAllStringSubmatch(line, -1) {
				if !slices.Contains(inline, m[1]) {
					inline = append(inline, m[1])
				}
			}
		}
	}
	return blocks, inline
}

// cloneCheckout clones the repository this test runs in and puts this
// checkout's changes in the clone (files changed or added, not ignored),
// so that what is tested is what is about to be committed.
func cloneCheckout(t *testing.T) string {
	t.Helper()
	top, err := exec.Command("git", "-C", "..", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("not in a git checkout: %v", err)
	}
	src := strings.TrimSpace(string(top))
	clone := filepath.Join(t.TempDir(), "krm-fn")
	if out, err := exec.Command("git", "clone", "-q", "--no-hardlinks", src, clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	changed, err := exec.Command("git", "-C", src, "ls-files", "-z", "--modified", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Split(string(changed), "\x00") {
		if f == "" {
			continue
		}
		info, err := os.Lstat(filepath.Join(src, f))
		if os.IsNotExist(err) {
			os.Remove(filepath.Join(clone, f)) // deleted here
			continue
		}
		if err != nil || !info.Mode().IsRegular() {
			t.Fatalf("%s: %v (a regular file expected)", f, err)
		}
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(clone, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(clone, f), b, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return clone
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
