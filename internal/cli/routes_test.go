package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/internal/cli"
	"github.com/krmfn/krm-fn/internal/routes"
)

// repoRoot is the repository, from this package's directory.
var repoRoot = func() string {
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return dir
}()

// runRoutes runs "krm-fn routes ARGS..." in dir and returns its stdout,
// its stderr and its exit status (as Main would return it).
func runRoutes(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	cmd := cli.NewCommand()
	cmd.SetArgs(append([]string{"routes"}, args...))
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
	return stdout.String(), stderr.String(), status
}

// routesFormats are the golden files of a case, by format.
var routesFormats = map[string]string{
	routes.FormatTable:   "table.txt",
	routes.FormatJSON:    "routes.json",
	routes.FormatMermaid: "routes.mmd",
}

// TestRoutesGolden runs every case under testdata/routes: its args (one
// argument a line, paths from the repository's root) with each -o, and
// checks what a user sees: the table (table.txt), the JSON (routes.json),
// the Mermaid flowchart (routes.mmd); for a case that must fail, nothing
// on stdout and its stderr and exit status (stderr.txt).
func TestRoutesGolden(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join(repoRoot, "testdata", "routes", "*", "args"))
	if len(cases) < 10 {
		t.Fatalf("only %d cases under testdata/routes", len(cases))
	}
	for _, argsFile := range cases {
		dir := filepath.Dir(argsFile)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			b, err := os.ReadFile(argsFile)
			if err != nil {
				t.Fatal(err)
			}
			args := strings.Fields(string(b))
			var failed []string
			for _, format := range routes.Formats {
				stdout, stderr, status := runRoutes(t, repoRoot, append([]string{"-o", format}, args...)...)
				if status == 1 {
					if stdout != "" {
						t.Errorf("-o %s failed and printed on stdout:\n%s", format, stdout)
					}
					failed = append(failed, fmt.Sprintf("%sexit status %d\n", stderr, status))
					continue
				}
				if status != 0 {
					t.Errorf("-o %s: exit status %d\n%s", format, status, stderr)
				}
				golden(t, filepath.Join(dir, routesFormats[format]), stdout)
			}
			if len(failed) > 0 {
				if len(failed) != len(routes.Formats) || failed[0] != failed[1] || failed[1] != failed[2] {
					t.Fatalf("the formats fail differently:\n%s", strings.Join(failed, "---\n"))
				}
				golden(t, filepath.Join(dir, "stderr.txt"), failed[0])
			}
		})
	}
}

// TestRoutesExample is the README's command: the prd table names every
// host of the example, each route's Service and the spec that writes it.
func TestRoutesExample(t *testing.T) {
	stdout, stderr, status := runRoutes(t, repoRoot, "overlays/prd")
	if status != 0 {
		t.Fatalf("exit status %d:\n%s", status, stderr)
	}
	for _, want := range []string{
		"gateway istio-system/istio-ingressgateway port 80 (HTTP)",
		"  api.domain.shop\n    1. exact /orders → redirect 301 to https, same host, path /orders/\n",
		"    2. prefix /orders/ → shop/orders-api:8080\n",
		"    3. prefix / → shop/cb-test-api:9000\n",
		"  payments.domain.shop\n    1. POST exact /webhooks → shop/payments-api:8080\n",
		"    2. POST prefix /webhooks/ → shop/payments-api:8080\n",
		"← ServiceExposure shop/payments-api spec.routes[1]",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the table lacks %q:\n%s", want, stdout)
		}
	}
}

// TestRoutesEveryGoldenCase runs routes -o json over the specs of every
// golden case that renders, and over every example overlay: each must
// give a table (the JSON decodes strictly into the documented schema),
// whatever features the case uses.
func TestRoutesEveryGoldenCase(t *testing.T) {
	configs, _ := filepath.Glob(filepath.Join(repoRoot, "testdata", "*", "config.yaml"))
	overlays, _ := filepath.Glob(filepath.Join(repoRoot, "overlays", "*", "kustomization.yaml"))
	n := 0
	for _, c := range append(configs, overlays...) {
		dir := filepath.Dir(c)
		var args []string
		switch {
		case filepath.Base(c) == "kustomization.yaml":
			args = []string{dir}
		case exists(filepath.Join(dir, "expected.yaml")):
			args = []string{c}
			if in := filepath.Join(dir, "input.yaml"); exists(in) {
				args = append(args, in)
			}
		default:
			continue // a case that must fail
		}
		n++
		rel, _ := filepath.Rel(repoRoot, dir)
		t.Run(rel, func(t *testing.T) {
			stdout, stderr, status := runRoutes(t, repoRoot, append([]string{"-o", "json"}, args...)...)
			if status != 0 {
				t.Fatalf("exit status %d:\n%s", status, stderr)
			}
			dec := json.NewDecoder(strings.NewReader(stdout))
			dec.DisallowUnknownFields()
			var r routes.Routes
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("%v:\n%s", err, stdout)
			}
			if r.Version != routes.Version || r.API == "" {
				t.Errorf("version %d, api %q", r.Version, r.API)
			}
		})
	}
	if n < 50 {
		t.Fatalf("only %d golden cases and overlays", n)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// gitRepo makes a git repository in a new directory holding the files of
// dirs (name in the repository → directory to copy), committed.
func gitRepo(t *testing.T, dirs map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	git(t, repo, "init", "-q")
	for name, from := range dirs {
		copyDir(t, from, filepath.Join(repo, name))
	}
	git(t, repo, "add", "-A")
	git(t, repo, "-c", "user.email=test@krmfn.io", "-c", "user.name=test", "commit", "-q", "-m", "base")
	return repo
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			copyDir(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRoutesDiffRevision: --diff HEAD compares the overlay as committed
// with the work tree, reading the commit's files with git: a change of
// weights in the work tree is just that change, and nothing is written.
func TestRoutesDiffRevision(t *testing.T) {
	weights := filepath.Join(repoRoot, "testdata", "routes", "diff-weights")
	repo := gitRepo(t, map[string]string{"overlay": filepath.Join(weights, "old")})
	copyDir(t, filepath.Join(weights, "new"), filepath.Join(repo, "overlay"))
	before := git(t, repo, "status", "--porcelain", "--ignored")

	stdout, stderr, status := runRoutes(t, repo, "--diff", "HEAD", "overlay")
	if status != 0 {
		t.Fatalf("exit status %d:\n%s", status, stderr)
	}
	golden(t, filepath.Join(weights, "revision.txt"), stdout)

	stdout, _, status = runRoutes(t, repo, "--diff", "HEAD", "--exit-code", "-o", "json", "overlay")
	if status != 3 {
		t.Errorf("--exit-code: exit status %d, want 3 (the routes differ)", status)
	}
	var d routes.Diff
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Changes) != 1 || len(d.Changes[0].Fields) != 1 || d.Changes[0].Fields[0].Field != "backends" {
		t.Errorf("want one change, of the backends alone; got %s", stdout)
	}
	if after := git(t, repo, "status", "--porcelain", "--ignored"); after != before {
		t.Errorf("the repository changed:\n%s\nwas\n%s", after, before)
	}

	// The commit routes as the work tree at the commit did.
	git(t, repo, "checkout", "-q", "--", "overlay")
	stdout, stderr, status = runRoutes(t, repo, "--diff", "HEAD", "--exit-code", "overlay")
	if status != 0 || !strings.Contains(stdout, "No difference in the routes.") {
		t.Errorf("exit status %d, want 0 and no difference:\n%s%s", status, stdout, stderr)
	}
	stdout, stderr, status = runRoutes(t, repo, "--diff", "HEAD..HEAD", "overlay")
	if status != 0 || !strings.Contains(stdout, "--- HEAD:overlay") || !strings.Contains(stdout, "+++ HEAD:overlay") {
		t.Errorf("HEAD..HEAD: exit status %d:\n%s%s", status, stdout, stderr)
	}
}

// TestRoutesDiffRevisionIsConfined: a revision is built as the disk is,
// under render's policy: a symbolic link it commits that leads out of the
// repository is refused, and no file outside is read.
func TestRoutesDiffRevisionIsConfined(t *testing.T) {
	weights := filepath.Join(repoRoot, "testdata", "routes", "diff-weights")
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(outside, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: secret-token-42}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := gitRepo(t, map[string]string{"overlay": filepath.Join(weights, "old")})
	if err := os.Symlink(outside, filepath.Join(repo, "overlay", "secret.yaml")); err != nil {
		t.Fatal(err)
	}
	k := filepath.Join(repo, "overlay", "kustomization.yaml")
	b, _ := os.ReadFile(k)
	if err := os.WriteFile(k, bytes.Replace(b, []byte("- exposure.yaml"), []byte("- exposure.yaml\n- secret.yaml"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, repo, "add", "-A")
	git(t, repo, "-c", "user.email=test@krmfn.io", "-c", "user.name=test", "commit", "-q", "-m", "link out")
	// The work tree no longer has the link: only the commit does.
	git(t, repo, "rm", "-q", "overlay/secret.yaml")
	git(t, repo, "checkout", "-q", "HEAD~1", "--", "overlay/kustomization.yaml")

	stdout, stderr, status := runRoutes(t, repo, "--diff", "HEAD", "overlay")
	if status != 1 || stdout != "" {
		t.Fatalf("exit status %d, want 1 and nothing on stdout:\n%s", status, stdout)
	}
	if !strings.Contains(stderr, `"secret.yaml" is outside the repository`) || strings.Contains(stderr, "secret-token-42") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// TestRoutesArgumentErrors: each misuse says what to do.
func TestRoutesArgumentErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", "yaml", "overlays/prd"}, "-o yaml: want one of table, json, mermaid"},
		{[]string{"overlays"}, "overlays: not an overlay (no kustomization.yaml): give an overlay directory, or the function config file then the resources (krm-fn routes platform.yaml bases/); the overlays under it: overlays/dev, overlays/prd, overlays/prd-gateway-api, overlays/prd-nlb, overlays/stg"},
		{[]string{"--diff", "no-such-revision", "overlays/prd"}, "--diff no-such-revision: no commit of that name in the repository of"},
		{[]string{"--diff", "HEAD", "overlays/prd/platform.yaml", "bases"}, "--diff with a revision reads an overlay directory"},
		{[]string{"--diff", "..HEAD", "overlays/prd"}, "a range of revisions is REV..REV2, both named"},
		{[]string{"bases"}, "bases: the kustomization runs no krm-fn (no ExposurePlatform among its transformers), so krm-fn renders no routes there: give an overlay that runs it, or an ExposurePlatform's file then this directory (krm-fn routes PLATFORM.yaml bases)"},
		{[]string{"testdata/layouts/kustomize-native/overlays/dev"}, "so kustomize would run krm-fn as a program, and the routes krm-fn computes there are not at hand: krm-fn routes reads an overlay krm-fn expands in process"},
	} {
		stdout, stderr, status := runRoutes(t, repoRoot, tc.args...)
		if status != 1 || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("routes %s: exit status %d, stdout %q, stderr:\n%s\nwant it to say %q", strings.Join(tc.args, " "), status, stdout, stderr, tc.want)
		}
	}
}
