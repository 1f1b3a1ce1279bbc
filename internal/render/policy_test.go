package render

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/openapi"
)

// repo writes files (relative paths; "@link:" + target makes a symbolic
// link) into a new directory and returns it.
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for path, content := range files {
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "@link:"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
	platform  = "apiVersion: exposure.krmfn.io/v1alpha1\nkind: ExposurePlatform\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/function: |\n      exec: {path: krm-fn}\nspec: {}\n"
)

// TestPolicyRefuses checks each way a repository could make a build read
// outside it, fetch or run something: the walk reports it, naming the
// file, before kustomize is asked to build.
func TestPolicyRefuses(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte(configMap), 0o644); err != nil {
		t.Fatal(err)
	}
	up := strings.Repeat("../", 30) + strings.TrimPrefix(outside, "/")
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"relative file", map[string]string{"app/kustomization.yaml": "resources: [" + up + "/secret.yaml]\n"}, "is outside the repository"},
		{"relative base", map[string]string{"app/kustomization.yaml": "resources: [" + up + "]\n"}, "is outside the repository"},
		{"absolute file", map[string]string{"app/kustomization.yaml": "resources: [" + outside + "/secret.yaml]\n"}, "is outside the repository"},
		{"symbolic link to a file", map[string]string{"app/kustomization.yaml": "resources: [leak.yaml]\n", "app/leak.yaml": "@link:" + outside + "/secret.yaml"}, "is outside the repository"},
		{"symbolic link to a directory", map[string]string{"app/kustomization.yaml": "resources: [leak/secret.yaml]\n", "app/leak": "@link:" + outside}, "is outside the repository"},
		{"patch", map[string]string{"app/kustomization.yaml": "patches:\n- path: " + up + "/secret.yaml\n"}, "is outside the repository"},
		{"configMapGenerator file", map[string]string{"app/kustomization.yaml": "configMapGenerator:\n- name: x\n  files: [key=" + up + "/secret.yaml]\n"}, "is outside the repository"},
		{"component", map[string]string{"app/kustomization.yaml": "components: [" + up + "]\n"}, "is outside the repository"},
		{"transformer", map[string]string{"app/kustomization.yaml": "transformers: [" + up + "/secret.yaml]\n"}, "is outside the repository"},
		{"https resource", map[string]string{"app/kustomization.yaml": "resources: [https://example.com/x.yaml]\n"}, `"https://example.com/x.yaml" is remote`},
		{"git base", map[string]string{"app/kustomization.yaml": "resources:\n- github.com/org/repo//base?ref=v1\n"}, "is remote"},
		{"scp-style git base", map[string]string{"app/kustomization.yaml": "resources: [git@gitlab.example.com:org/repo.git]\n"}, "is remote"},
		{"ssh git base", map[string]string{"app/kustomization.yaml": "components: [ssh://git@example.com/org/repo]\n"}, "is remote"},
		{"forced git protocol", map[string]string{"app/kustomization.yaml": "resources: [git::https://example.com/org/repo]\n"}, "is remote"},
		{"file URL", map[string]string{"app/kustomization.yaml": "resources: [file:///etc]\n"}, "is remote"},
		{"remote patch", map[string]string{"app/kustomization.yaml": "patches:\n- path: https://example.com/p.yaml\n"}, "is remote"},
		{"remote openapi", map[string]string{"app/kustomization.yaml": "openapi: {path: https://example.com/schema.json}\n"}, "is remote"},
		{"helm", map[string]string{"app/kustomization.yaml": "helmCharts:\n- {name: x, repo: https://example.com, version: 1.0.0}\n"}, "helmCharts needs Helm"},
		{"exec function", map[string]string{"app/kustomization.yaml": "transformers: [t.yaml]\n",
			"app/t.yaml": "apiVersion: x/v1\nkind: T\nmetadata:\n  name: t\n  annotations:\n    config.kubernetes.io/function: |\n      exec: {path: /bin/sh, args: [-c, id]}\n"},
			`app/t.yaml: T t: the annotation config.kubernetes.io/function asks to run the program "/bin/sh"`},
		{"legacy function annotation", map[string]string{"app/kustomization.yaml": "generators: [t.yaml]\n",
			"app/t.yaml": "apiVersion: x/v1\nkind: T\nmetadata:\n  name: t\n  annotations:\n    config.k8s.io/function: |\n      container: {image: evil}\n"},
			`the annotation config.k8s.io/function asks to run the container image "evil"`},
		{"inline function", map[string]string{"app/kustomization.yaml": "validators:\n- |\n  apiVersion: x/v1\n  kind: T\n  metadata:\n    name: t\n    annotations:\n      config.kubernetes.io/function: 'exec: {path: kustomize}'\n"},
			`asks to run the program "kustomize"`},
		{"function in a transformer directory", map[string]string{"app/kustomization.yaml": "transformers: [fns]\n", "app/fns/kustomization.yaml": "resources: [t.yaml]\n",
			"app/fns/t.yaml": "apiVersion: x/v1\nkind: T\nmetadata:\n  name: t\n  annotations:\n    config.kubernetes.io/function: 'exec: {path: x}'\n"},
			`asks to run the program "x"`},
		{"legacy exec plugin", map[string]string{"app/kustomization.yaml": "transformers: [t.yaml]\n", "app/t.yaml": "apiVersion: someteam.example.com/v1\nkind: Plugin\nmetadata: {name: p}\n"},
			"not a kustomize builtin, so kustomize would run a plugin program for it"},
		{"function in a base", map[string]string{"app/kustomization.yaml": "resources: [../base]\n", "base/kustomization.yaml": "transformers: [t.yaml]\n",
			"base/t.yaml": "apiVersion: x/v1\nkind: T\nmetadata:\n  name: t\n  annotations:\n    config.kubernetes.io/function: 'exec: {path: x}'\n"},
			`base/t.yaml: T t:`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := repo(t, tc.files)
			_, err := Render(filepath.Join(dir, "app"), Options{Policy: Policy{Root: dir}})
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("want the policy to refuse the build, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("the problems lack %q:\n%v", tc.want, err)
			}
			if !strings.HasSuffix(err.Error(), "nothing was rendered") {
				t.Errorf("the message does not end saying nothing was rendered:\n%v", err)
			}
		})
	}
}

// TestPolicyAllows checks that what stays inside the repository builds:
// symbolic links within it, builtin transformers, krm-fn's own configs.
func TestPolicyAllows(t *testing.T) {
	dir := repo(t, map[string]string{
		"shared/cm.yaml":            configMap,
		"shared/kustomization.yaml": "resources: [cm.yaml]\n",
		"app/kustomization.yaml":    "resources: [linked]\ntransformers: [labels.yaml]\n",
		"app/linked":                "@link:../shared",
		"app/labels.yaml":           "apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: l}\nlabels: {a: b}\nfieldSpecs: [{path: metadata/labels, create: true}]\n",
	})
	out, err := Render(filepath.Join(dir, "app"), Options{Policy: Policy{Root: dir}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "a: b") || !strings.Contains(string(out), "name: c") {
		t.Errorf("the build lacks the linked ConfigMap with its label:\n%s", out)
	}
}

// TestPolicyWalkIsBounded: directories that link back to themselves, with
// a fan-out of two at every level, are walked once each.
func TestPolicyWalkIsBounded(t *testing.T) {
	dir := repo(t, map[string]string{
		"app/kustomization.yaml": "resources: [a, b, a/b, b/a/b/a]\ntransformers: [platform.yaml]\n",
		"app/platform.yaml":      platform,
		"app/a":                  "@link:.",
		"app/b":                  "@link:.",
	})
	start := time.Now()
	files, err := Functions(filepath.Join(dir, "app"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the walk took %s", d)
	}
	if len(files) != 1 || filepath.Base(files[0]) != "platform.yaml" {
		t.Errorf("found %v, want the one platform.yaml", files)
	}
}

// TestRemotePatternCoversKustomize: every form kustomize fetches is taken
// for remote; plain local paths are not.
func TestRemotePatternCoversKustomize(t *testing.T) {
	for _, s := range []string{
		"https://github.com/org/repo//dir?ref=v1", "http://example.com/x.yaml", "HTTPS://example.com/x",
		"github.com/org/repo", "GitHub.com/org/repo/dir", "github.com:org/repo.git", "git@github.com:org/repo",
		"git@gitlab.com:org/repo.git//dir", "ssh://git@example.com/org/repo.git", "git::https://example.com/org/repo",
		"file:///tmp/repo", "user-1@host:path",
	} {
		if !remote.MatchString(s) {
			t.Errorf("%q is fetched by kustomize but not taken for remote", s)
		}
	}
	for _, s := range []string{"../base", "base", "gitlab.com/org/repo", "a/b/c.yaml", "overlays/prd", "../github.com/x"} {
		if remote.MatchString(s) {
			t.Errorf("%q is local but taken for remote", s)
		}
	}
}

// evilConfig is a function config of no krm-fn kind naming a shell.
const evilConfig = "apiVersion: evil.example.com/v1\nkind: Reader\nmetadata:\n  name: evil\n"

// TestBuildsRunNoFunctionTheyMake: a generators, transformers or validators
// entry that is a directory is built by kustomize, and whatever function
// config that build makes, however it came to exist, is refused before
// kustomize could load it, naming the kustomization, the entry and the
// object.
func TestBuildsRunNoFunctionTheyMake(t *testing.T) {
	annotation := "config.kubernetes.io/function: 'exec: {path: /bin/sh, args: [-c, id]}'"
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"a configMapGenerator", map[string]string{
			"app/kustomization.yaml":     "resources: [cm.yaml]\ntransformers: [fns]\n",
			"app/fns/kustomization.yaml": "configMapGenerator:\n- name: evil\n  options:\n    annotations:\n      " + annotation + "\n",
		}, `app/kustomization.yaml: transformers[0] "fns", as kustomize builds that directory: ConfigMap evil-`},
		{"commonAnnotations", map[string]string{
			"app/kustomization.yaml":     "resources: [cm.yaml]\ngenerators: [fns]\n",
			"app/fns/kustomization.yaml": "resources: [t.yaml]\ncommonAnnotations:\n  " + annotation + "\n",
			"app/fns/t.yaml":             evilConfig,
		}, `generators[0] "fns", as kustomize builds that directory: Reader evil: the annotation config.kubernetes.io/function asks to run the program "/bin/sh"`},
		{"a patch", map[string]string{
			"app/kustomization.yaml":     "resources: [cm.yaml]\nvalidators: [fns]\n",
			"app/fns/kustomization.yaml": "resources: [t.yaml]\npatches:\n- target: {kind: Reader}\n  patch: |\n    - {op: add, path: /metadata/annotations, value: {config.kubernetes.io/function: 'exec: {path: /bin/sh}'}}\n",
			"app/fns/t.yaml":             evilConfig,
		}, `validators[0] "fns", as kustomize builds that directory: Reader evil: the annotation config.kubernetes.io/function asks to run the program "/bin/sh"`},
		{"replacements", map[string]string{
			"app/kustomization.yaml": "resources: [cm.yaml]\ntransformers: [fns]\n",
			"app/fns/kustomization.yaml": "resources: [t.yaml, src.yaml]\nreplacements:\n- source: {kind: ConfigMap, name: src, fieldPath: data.fn}\n" +
				"  targets:\n  - select: {kind: Reader}\n    fieldPaths: ['metadata.annotations.[config.kubernetes.io/function]']\n    options: {create: true}\n",
			"app/fns/t.yaml":   evilConfig,
			"app/fns/src.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: src}\ndata: {fn: 'exec: {path: /bin/sh}'}\n",
		}, `Reader evil: the annotation config.kubernetes.io/function asks to run the program "/bin/sh"`},
		{"a component", map[string]string{
			"app/kustomization.yaml":      "resources: [cm.yaml]\ntransformers: [fns]\n",
			"app/fns/kustomization.yaml":  "resources: [t.yaml]\ncomponents: [../comp]\n",
			"app/fns/t.yaml":              evilConfig,
			"app/comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  " + annotation + "\n",
		}, `Reader evil: the annotation config.kubernetes.io/function asks to run the program "/bin/sh"`},
		{"a base's generator", map[string]string{
			"app/kustomization.yaml":      "resources: [cm.yaml, ../base]\n",
			"base/kustomization.yaml":     "generators: [gen]\n",
			"base/gen/kustomization.yaml": "configMapGenerator:\n- name: evil\n  options:\n    annotations:\n      " + annotation + "\n",
		}, `base/kustomization.yaml: generators[0] "gen", as kustomize builds that directory: ConfigMap evil-`},
		{"a generated config of no builtin kind", map[string]string{
			"app/kustomization.yaml":     "resources: [cm.yaml]\ntransformers: [fns]\n",
			"app/fns/kustomization.yaml": "resources: [t.yaml]\n",
			"app/fns/t.yaml":             "apiVersion: someteam.example.com/v1\nkind: Plugin\nmetadata: {name: p}\n",
		}, "Plugin p: not a kustomize builtin, so kustomize would run a plugin program for it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.files["app/cm.yaml"] = configMap
			dir := repo(t, tc.files)
			_, err := Render(filepath.Join(dir, "app"), Options{Policy: Policy{Root: dir}, Self: "/nonexistent/krm-fn"})
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("want the build refused, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("the problems lack %q:\n%v", tc.want, err)
			}
		})
	}
}

// TestBuildsAreBounded: what a build may read and make is bounded whatever
// the files are called and however the kustomizations include one
// another, with a message naming the file or kustomization.
func TestBuildsAreBounded(t *testing.T) {
	flow := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {x: [" + strings.Repeat("a,", 1<<20) + "a]}\n"
	fanOut := map[string]string{"l12/kustomization.yaml": "resources: [cm.yaml]\n", "l12/cm.yaml": configMap}
	for i := range 12 {
		next := fmt.Sprintf("../../l%d", i+1)
		fanOut[fmt.Sprintf("l%d/kustomization.yaml", i)] = "resources: [a, b]\n"
		fanOut[fmt.Sprintf("l%d/a/kustomization.yaml", i)] = "resources: [" + next + "]\nnamePrefix: a-\n"
		fanOut[fmt.Sprintf("l%d/b/kustomization.yaml", i)] = "resources: [" + next + "]\nnamePrefix: b-\n"
	}
	fanOut["app/kustomization.yaml"] = "resources: [../l0]\n"
	var cms, keys strings.Builder
	for i := range 100 {
		fmt.Fprintf(&cms, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\n", i)
	}
	for i := range 5000 {
		fmt.Fprintf(&keys, "  k%d: v\n", i)
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"a dense patch not named .yaml", map[string]string{
			"app/kustomization.yaml": "resources: [cm.yaml]\npatches:\n- path: p.txt\n", "app/cm.yaml": configMap, "app/p.txt": flow,
		}, "p.txt: about"},
		{"a dense resource not named .yaml", map[string]string{
			"app/kustomization.yaml": "resources: [cm.txt]\n", "app/cm.txt": flow,
		}, "cm.txt: about"},
		{"includes that double at every level", fanOut, "more than 8 times over: kustomizations that include the same ones through several paths multiply its work"},
		{"a patch copied into every object", map[string]string{
			"app/kustomization.yaml": "resources: [cms.yaml]\npatches:\n- path: p.yaml\n  target: {kind: ConfigMap}\n",
			"app/cms.yaml":           cms.String(),
			"app/p.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: any}\ndata:\n" + keys.String(),
		}, "app/kustomization.yaml: patches[0]: about 10010 YAML nodes, which the build may copy into each of about 100 ConfigMap objects"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := repo(t, tc.files)
			start := time.Now()
			_, err := Render(filepath.Join(dir, "app"), Options{Policy: Policy{Root: dir}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want an error containing %q, got %v", tc.want, err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("refusing took %s", d)
			}
		})
	}
}

// TestBuildsReadRegularFilesOnly: a FIFO (which would block a reader) or
// a link to a device among the files a build reads is refused at once.
func TestBuildsReadRegularFilesOnly(t *testing.T) {
	dir := repo(t, map[string]string{"app/kustomization.yaml": "resources: [cm.yaml, fifo.yaml]\n", "app/cm.yaml": configMap})
	if err := syscall.Mkfifo(filepath.Join(dir, "app", "fifo.yaml"), 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Render(filepath.Join(dir, "app"), Options{Policy: Policy{Root: dir}})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("want the FIFO refused as not a regular file, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the build blocked on the FIFO")
	}
}

// TestOpenAPIIsPerBuild: an overlay's openapi schema does not outlive its
// build (kyaml keeps it in process-global state), and one that makes
// kustomize panic is an error naming the build.
func TestOpenAPIIsPerBuild(t *testing.T) {
	dir := repo(t, map[string]string{
		"bad/kustomization.yaml":    "resources: [cm.yaml]\nopenapi: {path: schema.json}\npatches:\n- patch: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: c}\n    data: {x: y}\n",
		"bad/cm.yaml":               configMap,
		"bad/schema.json":           `{"definitions": {"x": {"type": 7}}}`,
		"custom/kustomization.yaml": "resources: [cm.yaml]\nopenapi: {path: schema.json}\n",
		"custom/cm.yaml":            configMap,
		"custom/schema.json":        `{"definitions": {}}`,
	})
	_, err := Render(filepath.Join(dir, "bad"), Options{Policy: Policy{Root: dir}})
	if err == nil || !strings.Contains(err.Error(), "kustomize failed building") || !strings.Contains(err.Error(), "invalid schema") {
		t.Errorf("want the panic in kustomize as an error naming the build, got %v", err)
	}
	if v := openapi.GetSchemaVersion(); v != "" && v != openapi.DefaultOpenAPI {
		t.Errorf("after the build, kyaml's schema is %q, not the default", v)
	}
	if _, err := Render(filepath.Join(dir, "custom"), Options{Policy: Policy{Root: dir}}); err != nil {
		t.Fatal(err)
	}
	if v := openapi.GetSchemaVersion(); v != "" && v != openapi.DefaultOpenAPI {
		t.Errorf("after the build, kyaml's schema is %q, not the default", v)
	}
}

// TestOverlaysDoNotShareSchemas: overlay a's openapi schema (which makes a
// strategic merge patch merge a ServiceExposure's hosts) does not change
// how overlay b, built next in the same process, merges its own patch:
// b renders the same bytes as when built alone.
func TestOverlaysDoNotShareSchemas(t *testing.T) {
	exposure := "apiVersion: exposure.krmfn.io/v1alpha1\nkind: ServiceExposure\nmetadata: {name: api, namespace: shop}\nspec:\n  hosts: [api.example.com]\n  service: {port: 80}\n"
	patch := "patches:\n- patch: |\n    apiVersion: exposure.krmfn.io/v1alpha1\n    kind: ServiceExposure\n    metadata: {name: api, namespace: shop}\n    spec:\n      hosts: [%s]\n"
	schema := `{"definitions": {"io.krmfn.exposure.v1alpha1.ServiceExposure": {"type": "object",
  "x-kubernetes-group-version-kind": [{"group": "exposure.krmfn.io", "kind": "ServiceExposure", "version": "v1alpha1"}],
  "properties": {"spec": {"type": "object", "properties": {"hosts": {"type": "array", "items": {"type": "string"},
  "x-kubernetes-patch-strategy": "merge"}}}}}}}`
	dir := repo(t, map[string]string{
		"base/exposure.yaml":      exposure,
		"base/kustomization.yaml": "resources: [exposure.yaml]\n",
		"a/kustomization.yaml":    "resources: [../base]\nopenapi: {path: schema.json}\n" + fmt.Sprintf(patch, "admin.example.com") + "transformers: [platform.yaml]\n",
		"a/schema.json":           schema,
		"a/platform.yaml":         platform,
		"b/kustomization.yaml":    "resources: [../base]\n" + fmt.Sprintf(patch, "www.example.com") + "transformers: [platform.yaml]\n",
		"b/platform.yaml":         platform,
	})
	build := func(overlay string) string {
		t.Helper()
		out, err := Render(filepath.Join(dir, overlay), Options{Policy: Policy{Root: dir}})
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	alone := build("b")
	if strings.Contains(alone, "api.example.com") {
		t.Fatalf("b alone kept the base's host; the test means nothing:\n%s", alone)
	}
	if a := build("a"); !strings.Contains(a, "api.example.com") || !strings.Contains(a, "admin.example.com") {
		t.Fatalf("a's schema did not merge the hosts; the test means nothing:\n%s", a)
	}
	if after := build("b"); after != alone {
		t.Errorf("b built after a differs from b alone:\n%s\nalone:\n%s", after, alone)
	}
}
