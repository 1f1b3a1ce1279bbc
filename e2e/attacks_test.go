package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/krmfn/krm-fn/internal/guard"
	sigsyaml "sigs.k8s.io/yaml"
)

// attack is a repository of testdata/attacks (its README says the format).
type attack struct {
	name     string
	What     string            `json:"what"`
	Want     string            `json:"want"`
	Argo     string            `json:"argo"`
	Paths    []string          `json:"paths"`
	Links    map[string]string `json:"links"`
	Fifos    []string          `json:"fifos"`
	Generate []struct {
		Path  string `json:"path"`
		Head  string `json:"head"`
		Body  string `json:"body"`
		Tail  string `json:"tail"`
		Count int    `json:"count"`
		Bytes int    `json:"bytes"`
	} `json:"generate"`
}

// secret is what an attack must not get out of the machine.
const secret = "krm-fn-attack-secret-5f3a"

func attacks(t *testing.T) []attack {
	t.Helper()
	files, err := filepath.Glob("../testdata/attacks/*/attack.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no attacks found: %v", err)
	}
	var out []attack
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a := attack{name: filepath.Base(filepath.Dir(f))}
		if err := sigsyaml.UnmarshalStrict(b, &a); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(a.Paths) == 0 {
			a.Paths = []string{"render", "hook-check", "hook-render", "plugin"}
		}
		out = append(out, a)
	}
	return out
}

// setUp makes the attack's repository: the example with the attack laid
// over it, in a git work tree, beside a directory outside it holding a
// secret; web is the loopback server's address. It returns the
// repository, the outside directory and the attack's want as it reads
// there.
func (a attack) setUp(t *testing.T, web string) (string, string, string) {
	t.Helper()
	dir := t.TempDir()
	repo, outside := filepath.Join(dir, "shop"), filepath.Join(dir, "outside")
	write(t, filepath.Join(outside, "secret.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: secret, namespace: prd-api}\ndata: {token: "+secret+"}\n")
	write(t, filepath.Join(outside, "kustomization.yaml"), "resources: [secret.yaml]\n")
	copyDir(t, "../bases", filepath.Join(repo, "bases"))
	copyDir(t, "../overlays", filepath.Join(repo, "overlays"))
	subst := strings.NewReplacer("@OUTSIDE@", outside, "@MARK@", filepath.Join(outside, "ran"), "@WEB@", web,
		"@ESCAPE@", strings.Repeat("../", 40)+strings.TrimPrefix(outside, "/"))
	src := filepath.Join("../testdata/attacks", a.name, "repo")
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == src {
			return nil // an attack of links alone (git keeps no empty directory)
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		write(t, filepath.Join(repo, rel), subst.Replace(string(b)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for path, target := range a.Links {
		p := filepath.Join(repo, path)
		os.RemoveAll(p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(subst.Replace(target), p); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range a.Fifos {
		if err := syscall.Mkfifo(filepath.Join(repo, path), 0o644); err != nil {
			t.Skip("no FIFOs here:", err)
		}
	}
	for _, g := range a.Generate {
		if strings.Contains(g.Path, "{i}") { // count files
			for i := range g.Count {
				n := strings.NewReplacer("{i}", fmt.Sprint(i))
				write(t, filepath.Join(repo, n.Replace(g.Path)), n.Replace(g.Head+g.Body+g.Tail))
			}
			continue
		}
		var b strings.Builder
		b.WriteString(g.Head)
		for i := 0; g.Count > 0 && i < g.Count || g.Bytes > 0 && b.Len() < g.Bytes; i++ {
			b.WriteString(strings.ReplaceAll(g.Body, "{i}", fmt.Sprint(i)))
		}
		b.WriteString(g.Tail)
		write(t, filepath.Join(repo, g.Path), b.String())
	}
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	return repo, outside, subst.Replace(a.Want)
}

// size is the bytes of the regular files under dir (.git left out).
func size(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// run runs krm-fn with args in dir, as the hooks and a developer do,
// killing it after a minute; it returns its stdout and stderr, whether it
// failed, its peak resident memory and how long it took.
func runKrmFn(t *testing.T, dir string, args ...string) (stdout, stderr string, failed bool, hwm int64, took time.Duration) {
	t.Helper()
	cmd := exec.Command("krm-fn", args...)
	cmd.Dir = dir
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	kill := time.After(time.Minute)
	for {
		select {
		case err := <-done:
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				t.Fatal(err)
			}
			return out.String(), errs.String(), err != nil, hwm, time.Since(start)
		case <-kill:
			cmd.Process.Kill()
			t.Errorf("krm-fn %s ran for a minute: killed", strings.Join(args, " "))
		case <-time.After(2 * time.Millisecond):
			hwm = max(hwm, vmHWM(status))
		}
	}
}

// TestAttacksFail builds every attack repository through krm-fn render
// and the pre-commit hooks' commands, in a git work tree: each fails with
// its message (or renders, where it must), and none runs a program,
// writes or reads outside the repository, blocks, or takes more memory
// than the guard's bound. tools/argocd runs the same repositories through
// argocd-cmp-server.
func TestAttacksFail(t *testing.T) {
	var fetched atomic.Int64
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		fmt.Fprint(w, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}\n")
	}))
	defer web.Close()
	for _, a := range attacks(t) {
		t.Run(a.name, func(t *testing.T) {
			for _, path := range []struct {
				name string
				args []string
			}{
				{"render", []string{"render", "overlays/prd"}},
				{"hook-check", []string{"hook", "check"}},
				{"hook-render", []string{"hook", "render"}},
			} {
				if !slices.Contains(a.Paths, path.name) {
					continue
				}
				t.Run(path.name, func(t *testing.T) {
					repo, outside, want := a.setUp(t, web.URL)
					input := size(t, repo)
					stdout, stderr, failed, hwm, took := runKrmFn(t, repo, path.args...)
					if path.name == "hook-render" && a.Want == "" && failed {
						// It wrote the renderings, and says so; the
						// second run finds them as it renders them.
						stdout, stderr, failed, hwm, took = runKrmFn(t, repo, path.args...)
					}
					switch { // Errorf: what ran or leaked is checked below whatever happened
					case want == "" && failed:
						t.Errorf("want it built, got:\n%s", stderr)
					case want != "" && !failed:
						t.Errorf("it succeeded, want an error containing %q:\n%s", want, stderr)
					case want != "" && !strings.Contains(stderr, want):
						t.Errorf("the error lacks %q:\n%s", want, stderr)
					}
					if n := fetched.Load(); n > 0 {
						t.Errorf("the loopback server was asked %d times", n)
					}
					if failed && stdout != "" {
						t.Errorf("an error came with %d bytes of output", len(stdout))
					}
					if strings.Contains(stdout+stderr, secret) {
						t.Errorf("the secret outside the repository reached the output")
					}
					if entries, _ := os.ReadDir(outside); len(entries) != 2 {
						var names []string
						for _, e := range entries {
							names = append(names, e.Name())
						}
						t.Errorf("the directory outside the repository changed: %v (a program ran, or a file was written)", names)
					}
					if bound := guard.Base + guard.PerInputByte*input; hwm > bound {
						t.Errorf("peaked at %d MiB, over the bound of %d MiB for %d bytes of files", hwm>>20, bound>>20, input)
					}
					t.Logf("%s in %s, %d MiB peak, %d KiB of files", map[bool]string{true: "refused", false: "built"}[failed], took.Round(time.Millisecond), hwm>>20, input>>10)
				})
			}
		})
	}
}
