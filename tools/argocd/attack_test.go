package argocd

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/status"
	"sigs.k8s.io/yaml"
)

// secret is what a hostile repository must not get out of the sidecar.
const secret = "krm-fn-attack-secret-5f3a"

// attack is a repository of testdata/attacks (its README says the format;
// e2e/attacks_test.go reads the same corpus for krm-fn render and the
// hooks).
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

func attacks(t *testing.T) []attack {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "testdata/attacks/*/attack.yaml"))
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
		if err := yaml.UnmarshalStrict(b, &a); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(a.Paths) == 0 || slices.Contains(a.Paths, "plugin") {
			out = append(out, a)
		}
	}
	return out
}

// setUp lays the attack over repo (a copy of the example), with subst for
// its placeholders.
func (a attack) setUp(t *testing.T, repo string, subst *strings.Replacer) {
	t.Helper()
	src := filepath.Join(root, "testdata/attacks", a.name, "repo")
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
		writeFile(t, filepath.Join(repo, rel), subst.Replace(string(b)))
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
				writeFile(t, filepath.Join(repo, n.Replace(g.Path)), n.Replace(g.Head+g.Body+g.Tail))
			}
			continue
		}
		var b strings.Builder
		b.WriteString(g.Head)
		for i := 0; g.Count > 0 && i < g.Count || g.Bytes > 0 && b.Len() < g.Bytes; i++ {
			b.WriteString(strings.ReplaceAll(g.Body, "{i}", fmt.Sprint(i)))
		}
		b.WriteString(g.Tail)
		writeFile(t, filepath.Join(repo, g.Path), b.String())
	}
}

// TestPluginResistsHostileRepositories streams every repository of
// testdata/attacks through argocd-cmp-server with the project's
// plugin.yaml. Each must fail with its message (or render, where it
// must), and afterwards nothing outside the repository was read (the
// secret is in no answer), written (the outside directory is unchanged),
// fetched (the loopback server saw no request) or run (no program left its
// mark). The example's own overlay still renders (TestPluginRendersOverlay).
func TestPluginResistsHostileRepositories(t *testing.T) {
	s := startServer(t)
	outside := t.TempDir() // the sidecar's files that are not the repository's
	writeFile(t, filepath.Join(outside, "secret.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: secret, namespace: prd-api}\ndata: {token: "+secret+"}\n")
	writeFile(t, filepath.Join(outside, "kustomization.yaml"), "resources: [secret.yaml]\n")
	var fetched atomic.Int64
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		fmt.Fprint(w, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}\n")
	}))
	defer web.Close()
	subst := strings.NewReplacer("@OUTSIDE@", outside, "@MARK@", filepath.Join(outside, "ran"), "@WEB@", web.URL,
		"@ESCAPE@", strings.Repeat("../", 40)+strings.TrimPrefix(outside, "/"))

	for _, a := range attacks(t) {
		t.Run(a.name, func(t *testing.T) {
			repo := example(t)
			a.setUp(t, repo, subst)
			want := subst.Replace(a.Want)
			start := time.Now()
			manifests, err := generate(t, repo, filepath.Join(repo, "overlays", "prd"), "krm-fn", repoServerEnv("overlays/prd"))
			msg := ""
			if err != nil {
				msg = status.Convert(err).Message()
			}
			switch { // Errorf: what ran or leaked is checked below whatever happened
			case want == "" && err != nil:
				t.Errorf("want the overlay rendered, got: %s", msg)
			case want != "" && err == nil:
				t.Errorf("the plugin rendered %d manifests, want an error containing %q", len(manifests), want)
			case want != "" && a.Argo == "not streamed":
				// The plugin never sees the attack; the build fails
				// without the file, which is all this test asks.
			case want != "" && !strings.Contains(msg, want) && (a.Argo == "" || !strings.Contains(s.log.String(), a.Argo)):
				t.Errorf("the error lacks %q:\n%s", want, msg)
			}
			if want != "" && len(manifests) > 0 {
				t.Errorf("an error came with %d manifests", len(manifests))
			}
			if d := time.Since(start); d > time.Minute {
				t.Errorf("the plugin took %s", d)
			}
			if strings.Contains(msg+strings.Join(manifests, "\n"), secret) {
				t.Errorf("the secret outside the repository reached the answer:\n%s%s", msg, strings.Join(manifests, "\n"))
			}
			if n := fetched.Load(); n > 0 {
				t.Errorf("the plugin fetched %d times from the loopback server", n)
			}
			if entries, _ := os.ReadDir(outside); len(entries) != 2 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("the directory outside the repository changed: %v (a program ran, or a file was written)", names)
			}
		})
	}
}

// TestPluginDiscoveryEndsOnLinkLoops: a tree whose directories link back
// to themselves (a -> ., b -> .), which a naive walk follows forever
// (2^depth paths), is walked once; the plugin claims it only if it holds
// a krm-fn function config.
func TestPluginDiscoveryEndsOnLinkLoops(t *testing.T) {
	startServer(t)
	for _, tc := range []struct {
		name    string
		claimed bool
	}{{"with a platform", true}, {"without one", false}} {
		t.Run(tc.name, func(t *testing.T) {
			repo := example(t)
			app := filepath.Join(repo, "loop")
			if err := os.MkdirAll(app, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, l := range []string{"a", "b"} {
				if err := os.Symlink(".", filepath.Join(app, l)); err != nil {
					t.Fatal(err)
				}
			}
			k := "resources:\n- a\n- b\n- ../bases\n"
			if tc.claimed {
				copyFile(t, filepath.Join(repo, "overlays", "prd", "platform.yaml"), filepath.Join(app, "platform.yaml"), 0o644)
				k += "transformers:\n- platform.yaml\n"
			}
			writeFile(t, filepath.Join(app, "kustomization.yaml"), k)
			start := time.Now()
			_, err := generate(t, repo, app, "", repoServerEnv("loop"))
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("discovery and generation took %s", d)
			}
			notClaimed := err != nil && strings.Contains(err.Error(), "could not find plugin supporting the given repository")
			if notClaimed == tc.claimed {
				t.Errorf("claimed %v, want %v (err %v)", !notClaimed, tc.claimed, err)
			}
		})
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}
