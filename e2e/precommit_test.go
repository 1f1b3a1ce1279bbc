package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// preCommit is a repository using the project's pre-commit hooks, run by
// Debian's pre-commit (hack/tools.sh pre-commit), which builds krm-fn from
// the hooks' repository itself (language: golang).
type preCommit struct {
	t     *testing.T
	bin   string // pre-commit
	repo  string
	hooks string // the hooks' repository
	env   []string
}

func newPreCommit(t *testing.T) *preCommit {
	t.Helper()
	bin, err := exec.LookPath("pre-commit")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must have pre-commit: .ci/run installs Debian's with hack/tools.sh pre-commit")
		}
		t.Skip("no pre-commit (hack/tools.sh pre-commit installs Debian's)")
	}
	dir := t.TempDir()
	p := &preCommit{t: t, bin: bin, repo: filepath.Join(dir, "shop")}
	modcache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	p.env = append(os.Environ(),
		"PRE_COMMIT_HOME="+filepath.Join(dir, "pre-commit-cache"),
		// pre-commit builds the hooks with GOPATH in its cache; the
		// module cache is shared, as a user's would be once warm.
		"GOMODCACHE="+strings.TrimSpace(string(modcache)),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com",
	)

	// The hooks as a user gets them: this repository at a commit (its
	// tracked files), which pre-commit clones and builds with go install.
	hooks := filepath.Join(dir, "krm-fn")
	p.hooks = hooks
	files, err := exec.Command("git", "-C", "..", "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Split(strings.TrimSpace(string(files)), "\n") {
		if _, err := os.Lstat(filepath.Join("..", f)); err == nil { // not deleted in the work tree
			if err := os.MkdirAll(filepath.Dir(filepath.Join(hooks, f)), 0o755); err != nil {
				t.Fatal(err)
			}
			copyFile(t, filepath.Join("..", f), filepath.Join(hooks, f))
		}
	}
	p.git(hooks, "init", "-q")
	p.git(hooks, "add", ".")
	p.git(hooks, "commit", "-qm", "hooks")
	rev := strings.TrimSpace(p.git(hooks, "rev-parse", "HEAD"))

	// The user's repository: the example, and the hooks configured as the
	// docs say, with their default arguments (rendered manifests under
	// rendered/).
	copyDir(t, "../bases", filepath.Join(p.repo, "bases"))
	copyDir(t, "../overlays", filepath.Join(p.repo, "overlays"))
	write(t, filepath.Join(p.repo, ".pre-commit-config.yaml"), `repos:
- repo: `+hooks+`
  rev: `+rev+`
  hooks:
  - id: krm-fn-check
  - id: krm-fn-render
`)
	p.git(p.repo, "init", "-q")
	p.git(p.repo, "add", ".")
	p.git(p.repo, "commit", "-qm", "the example")
	return p
}

func (p *preCommit) git(dir string, args ...string) string {
	p.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// run runs pre-commit in the user's repository; it reports whether the
// hooks passed, and what they printed.
func (p *preCommit) run(args ...string) (bool, string) {
	p.t.Helper()
	cmd := exec.Command(p.bin, args...)
	cmd.Dir, cmd.Env = p.repo, p.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		p.t.Fatal(err)
	}
	return err == nil, out.String()
}

// hookResult is what pre-commit printed for a hook: Passed, Failed, ...
func hookResult(out, hook string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, hook+".") {
			return line[strings.LastIndex(line, ".")+1:]
		}
	}
	return "(not run)"
}

// TestPreCommitHooks follows a user of the hooks: the first run writes the
// rendered manifests, a run after adding them passes, a broken spec stops
// the commit with the field path, and a change to a spec without its
// rendering fails until the new rendering is added.
func TestPreCommitHooks(t *testing.T) {
	p := newPreCommit(t)

	ok, out := p.run("run", "--all-files")
	if ok {
		t.Fatalf("the first run passed, but it had to write rendered/:\n%s", out)
	}
	for _, env := range []string{"dev", "prd", "stg"} {
		rendered := filepath.Join(p.repo, "rendered", "overlays", env+".yaml")
		got, err := os.ReadFile(rendered)
		if err != nil {
			t.Fatalf("the render hook wrote no %s: %v\n%s", rendered, err, out)
		}
		want, _ := os.ReadFile(filepath.Join("..", "rendered", "overlays", env+".yaml"))
		if !bytes.Equal(got, want) {
			t.Errorf("rendered/overlays/%s.yaml is not kustomize build overlays/%s:\n%s", env, env, got)
		}
	}
	if !strings.Contains(out, "krm-fn hook render: rendered/overlays/prd.yaml was not the rendering of overlays/prd: rewrote it; review and git add it") {
		t.Errorf("the render hook did not say what it wrote:\n%s", out)
	}

	p.git(p.repo, "add", "rendered")
	if ok, out := p.run("run", "--all-files"); !ok {
		t.Fatalf("the example with its rendering fails the hooks:\n%s", out)
	}
	for _, hook := range []string{"krm-fn-check", "krm-fn-render"} {
		if ok, out := p.run("try-repo", p.hooks, hook, "--all-files"); !ok {
			t.Errorf("pre-commit try-repo %s fails on the example with its rendering:\n%s", hook, out)
		}
	}

	t.Run("broken spec stops the commit", func(t *testing.T) {
		p.run("install")
		spec := filepath.Join(p.repo, "bases", "cb-test-api", "exposure.yaml")
		good, _ := os.ReadFile(spec)
		defer func() {
			write(t, spec, string(good))
			p.git(p.repo, "add", "-A")
		}()
		write(t, spec, strings.Replace(string(good), "port: 9000", "port: 9000\n    protocl: http", 1))
		p.git(p.repo, "add", "-A")
		cmd := exec.Command("git", "commit", "-m", "typo")
		cmd.Dir, cmd.Env = p.repo, p.env
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("the commit went through:\n%s", out)
		}
		if r := hookResult(string(out), "krm-fn check"); r != "Failed" {
			t.Errorf("krm-fn check: %s, want Failed:\n%s", r, out)
		}
		// The base's typo, with its file and line, once per hook (not once
		// per overlay), naming the overlays that build it.
		want := `bases/cb-test-api/exposure.yaml:12: ServiceExposure shop/cb-test-api: spec.service.protocl: Unsupported value: unknown field, did you mean "protocol"? (in overlays/dev, overlays/prd, overlays/prd-gateway-api, overlays/prd-nlb, overlays/stg)`
		if n := strings.Count(string(out), "spec.service.protocl"); !strings.Contains(string(out), want) || n != 2 {
			t.Errorf("the output has %d lines about the typo, want 2 (one per hook), each %q:\n%s", n, want, out)
		}
		// The spec was checked with the repository's platforms: its short
		// host takes their domain.
		if strings.Contains(string(out), "has no dot") {
			t.Errorf("the check hook validated the spec without the platforms:\n%s", out)
		}
		if log := p.git(p.repo, "log", "--oneline"); strings.Count(log, "\n") != 1 {
			t.Errorf("a commit was made:\n%s", log)
		}
		rendered, _ := os.ReadFile(filepath.Join(p.repo, "rendered", "overlays", "prd.yaml"))
		if want, _ := os.ReadFile("../rendered/overlays/prd.yaml"); !bytes.Equal(rendered, want) {
			t.Error("a failed render changed rendered/overlays/prd.yaml")
		}
	})

	t.Run("stale rendered file", func(t *testing.T) {
		spec := filepath.Join(p.repo, "bases", "cb-test-api", "exposure.yaml")
		good, _ := os.ReadFile(spec)
		write(t, spec, strings.Replace(string(good), "port: 9000", "port: 9001", 1))
		p.git(p.repo, "add", "-A")
		ok, out := p.run("run", "--all-files")
		if ok {
			t.Fatalf("the hooks passed with a stale rendering:\n%s", out)
		}
		for _, env := range []string{"dev", "prd", "stg"} {
			want := "krm-fn hook render: rendered/overlays/" + env + ".yaml was not the rendering of overlays/" + env + ": rewrote it; review and git add it"
			if !strings.Contains(out, want) {
				t.Errorf("the output lacks %q:\n%s", want, out)
			}
		}
		if r := hookResult(out, "krm-fn check"); r != "Passed" {
			t.Errorf("the check hook did not pass on a valid change:\n%s", out)
		}
		rendered, _ := os.ReadFile(filepath.Join(p.repo, "rendered", "overlays", "prd.yaml"))
		if !strings.Contains(string(rendered), "port: 9001") {
			t.Errorf("the rewritten rendering lacks the new port:\n%s", rendered)
		}
		p.git(p.repo, "add", "-A")
		if ok, out := p.run("run", "--all-files"); !ok {
			t.Fatalf("the hooks fail after adding the new rendering:\n%s", out)
		}
	})

	// A layout that renames and moves everything (namePrefix, namespace,
	// labels, a patch holding part of a spec, the platform a directory):
	// both hooks pass on it, and a broken patch fails the check, naming
	// the overlay and the field.
	t.Run("renaming layout", func(t *testing.T) {
		repo := filepath.Join(filepath.Dir(p.repo), "layout")
		copyDir(t, layout, repo)
		if err := os.RemoveAll(filepath.Join(repo, "refused")); err != nil {
			t.Fatal(err)
		}
		p.git(p.repo, "init", "-q", repo)
		p.git(repo, "add", ".")
		p.git(repo, "commit", "-qm", "the layout")
		q := *p
		q.repo = repo
		if ok, out := q.run("try-repo", p.hooks, "krm-fn-check", "--all-files"); !ok {
			t.Errorf("pre-commit try-repo krm-fn-check fails on a layout kustomize builds:\n%s", out)
		}
		if ok, out := q.run("try-repo", p.hooks, "krm-fn-render", "--all-files"); ok || !strings.Contains(out, "rendered/overlays/dev.yaml") {
			t.Errorf("the first krm-fn-render did not write rendered/overlays/dev.yaml:\n%s", out)
		}
		// Then configured, as the main repository is (pre-commit builds the
		// hooks once for both).
		config, _ := os.ReadFile(filepath.Join(p.repo, ".pre-commit-config.yaml"))
		write(t, filepath.Join(repo, ".pre-commit-config.yaml"), string(config))
		p.git(repo, "add", ".")
		if ok, out := q.run("run", "--all-files"); !ok {
			t.Errorf("the hooks fail on the layout with its rendering:\n%s", out)
		}
		patch := filepath.Join(repo, "overlays", "dev", "exposure-timeout.yaml")
		good, _ := os.ReadFile(patch)
		write(t, patch, strings.Replace(string(good), "timeout: 5s", "timeout: 5 seconds", 1))
		p.git(repo, "add", "-A")
		ok, out := q.run("run", "--all-files")
		if ok {
			t.Fatalf("krm-fn-check passed a broken patch:\n%s", out)
		}
		for _, want := range []string{"ServiceExposure dev/dev-payments: spec.routes[0].timeout: Invalid value: \"5 seconds\"", "(in overlays/dev)"} {
			if !strings.Contains(out, want) {
				t.Errorf("the output lacks %q:\n%s", want, out)
			}
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	write(t, to, string(b))
}
