package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/krmfn/krm-fn/internal/cli"
)

// validate runs "krm-fn validate ARGS..." and returns stdout, stderr and
// whether it failed.
func validate(t *testing.T, args ...string) (string, string, bool) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := cli.NewCommand()
	cmd.SetArgs(append([]string{"validate"}, args...))
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	err := cmd.Execute()
	return stdout.String(), stderr.String(), err != nil
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	platformPrd = `apiVersion: exposure.krmfn.io/v1alpha1
kind: ExposurePlatform
metadata: {name: prd}
spec: {domain: domain.shop}
`
	platformNoDomain = `apiVersion: exposure.krmfn.io/v1alpha1
kind: ExposurePlatform
metadata: {name: bare}
spec: {}
`
	exposureAPI = `apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: api, namespace: shop}
spec:
  hosts: [api]
  service: {port: 9000}
`
)

// TestValidateExample is the README's command on the example.
func TestValidateExample(t *testing.T) {
	stdout, stderr, failed := validate(t, "../../overlays/prd/platform.yaml", "../../bases")
	if failed || stderr != "" {
		t.Fatalf("the example does not validate:\n%s", stderr)
	}
	if want := "krm-fn validate: 4 ServiceExposures and 1 ExposurePlatform valid\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
}

func TestValidateReportsEveryProblemWithFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  map[string]string
		args   []string // relative to the files' directory; default: all of it
		stderr string
	}{{
		name: "field errors, second document of a file",
		files: map[string]string{
			"platform.yaml": platformPrd,
			"specs.yaml": exposureAPI + `---
apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: broken, namespace: shop}
spec:
  hosts: [broken]
  service: {port: 8080, protocl: http}
`,
		},
		args: []string{"platform.yaml", "specs.yaml"},
		stderr: `specs.yaml:13: ServiceExposure shop/broken: spec.service.protocl: Unsupported value: unknown field, did you mean "protocol"?
krm-fn validate: 1 error
`,
	}, {
		name: "weights and subsets, all at once",
		files: map[string]string{
			"platform.yaml": platformPrd,
			"broken.yaml": `apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: broken, namespace: shop}
spec:
  hosts: [broken]
  service: {port: 8080}
  routes:
  - backends:
    - {subset: v1, weight: 50}
`,
		},
		stderr: `broken.yaml:8: ServiceExposure shop/broken: spec.routes[0].backends: Invalid value: 50: the weights must sum to 100, they sum to 50
broken.yaml:9: ServiceExposure shop/broken: spec.routes[0].backends[0].subset: Not found: "v1"
krm-fn validate: 2 errors
`,
	}, {
		name: "a host claimed by two files",
		files: map[string]string{
			"platform.yaml": platformPrd,
			"a.yaml":        exposureAPI,
			"b.yaml": `apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: other, namespace: shop}
spec:
  hosts: [api.domain.shop]
  service: {port: 9000}
`,
		},
		stderr: `b.yaml:5: ServiceExposure shop/other: spec.hosts[0]: host "api.domain.shop" is also claimed by ServiceExposure shop/api (a.yaml:1) (spec.hosts[0]): one host can route to one service only; remove it from one of them
krm-fn validate: 1 error
`,
	}, {
		name: "a gateway port taken in two files: the other's line",
		files: map[string]string{
			"platform.yaml": "apiVersion: exposure.krmfn.io/v1alpha1\nkind: ExposurePlatform\nmetadata: {name: prd}\nspec: {domain: domain.shop, loadBalancer: nlb}\n",
			"a.yaml": exposureAPI + `---
apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: db, namespace: team-a}
spec:
  service: {port: 5432, protocol: tcp}
  tcp: [{port: 5432}]
`,
			"b.yaml": `apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: db, namespace: team-b}
spec:
  service: {port: 5432, protocol: tcp}
  tcp: [{port: 5432}]
`,
		},
		stderr: `b.yaml:6: ServiceExposure team-b/db: spec.tcp[0].port: gateway port 5432 serves a TCP route of ServiceExposure team-a/db (a.yaml:8) (spec.tcp[0].port): one gateway port serves either HTTP(S), TLS passthrough or one TCP route; choose another port for one of them
krm-fn validate: 1 error
`,
	}, {
		name: "a problem under one platform only says which",
		files: map[string]string{
			"prd.yaml":  platformPrd,
			"bare.yaml": platformNoDomain,
			"api.yaml":  exposureAPI,
		},
		args: []string{"prd.yaml", "bare.yaml", "api.yaml"},
		stderr: `api.yaml:5: ServiceExposure shop/api: spec.hosts[0]: Invalid value: "api": has no dot and the platform sets no domain: write the full host name or set spec.domain in the ExposurePlatform (with ExposurePlatform bare)
krm-fn validate: 1 error
`,
	}, {
		name:  "a platform that is wrong",
		files: map[string]string{"platform.yaml": "apiVersion: exposure.krmfn.io/v1alpha1\nkind: ExposurePlatform\nmetadata: {name: prd}\nspec: {alb: {scheme: public}}\n"},
		stderr: `platform.yaml:4: ExposurePlatform prd: spec.alb.scheme: Unsupported value: "public": supported values: "internet-facing", "internal"
krm-fn validate: 1 error
`,
	}, {
		name:  "without a platform, the built-in defaults",
		files: map[string]string{"api.yaml": exposureAPI},
		stderr: `api.yaml:5: ServiceExposure shop/api: spec.hosts[0]: Invalid value: "api": has no dot and the platform sets no domain: write the full host name or set spec.domain in the ExposurePlatform
krm-fn validate: 1 error (no ExposurePlatform among the files: checked with the built-in defaults, which set no domain)
`,
	}, {
		name:   "no specs in the files",
		files:  map[string]string{"deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"},
		args:   []string{"deploy.yaml"},
		stderr: "krm-fn validate: no exposure.krmfn.io ServiceExposure or ExposurePlatform in deploy.yaml\n",
	}, {
		name:   "not YAML",
		files:  map[string]string{"bad.yaml": "kind: [\n"},
		args:   []string{"bad.yaml"},
		stderr: "bad.yaml: not valid YAML: MalformedYAMLError: yaml: line 1: did not find expected node content\nkrm-fn validate: 1 error\n",
	}, {
		name:  "a file that does not parse, and the others still judged",
		files: map[string]string{"bad.yaml": "apiVersion: exposure.krmfn.io/v1alpha1\nkind: [\n", "platform.yaml": platformPrd, "api.yaml": exposureAPI + "  mesh: maybe\n"},
		args:  []string{"bad.yaml", "platform.yaml", "api.yaml"},
		stderr: `bad.yaml: not valid YAML: MalformedYAMLError: yaml: line 2: did not find expected node content
api.yaml:7: ServiceExposure shop/api: spec.mesh: Invalid value: must be true or false, not a string
krm-fn validate: 2 errors
`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			t.Chdir(dir)
			args := tc.args
			if args == nil {
				args = []string{"."}
			}
			stdout, stderr, failed := validate(t, args...)
			if !failed {
				t.Errorf("validate succeeded, want it to fail")
			}
			if stdout != "" {
				t.Errorf("a failed validation printed on stdout: %q", stdout)
			}
			if stderr != tc.stderr {
				t.Errorf("stderr:\n%s--- want:\n%s", stderr, tc.stderr)
			}
		})
	}
}

// TestValidateBaseProblemOnce is a typo in a base that two overlays
// build: one problem, with its file and line, naming both overlays, in
// each output format.
func TestValidateBaseProblemOnce(t *testing.T) {
	const overlay = `resources: [../../bases/api]
transformers: [platform.yaml]
`
	platform := func(env string) string {
		return `apiVersion: exposure.krmfn.io/v1alpha1
kind: ExposurePlatform
metadata:
  name: ` + env + `
  annotations:
    config.kubernetes.io/function: "exec: {path: krm-fn}"
spec: {domain: ` + env + `.domain.shop}
`
	}
	dir := writeFiles(t, map[string]string{
		"bases/api/kustomization.yaml": "resources: [exposure.yaml]\n",
		"bases/api/exposure.yaml": `apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: api, namespace: shop}
spec:
  hosts: [api]
  service:
    port: 9000
    protocl: http
`,
		"overlays/dev/kustomization.yaml": overlay,
		"overlays/dev/platform.yaml":      platform("dev"),
		"overlays/prd/kustomization.yaml": overlay,
		"overlays/prd/platform.yaml":      platform("prd"),
	})
	t.Chdir(dir)
	for _, tc := range []struct {
		format, stdout, stderr string
	}{{
		format: "text",
		stderr: `bases/api/exposure.yaml:8: ServiceExposure shop/api: spec.service.protocl: Unsupported value: unknown field, did you mean "protocol"? (in overlays/dev, overlays/prd)
krm-fn validate: 2 of 2 overlays do not build; 1 error
`,
	}, {
		format: "github",
		stdout: `::error file=bases/api/exposure.yaml,line=8,title=krm-fn::ServiceExposure shop/api: spec.service.protocl: Unsupported value: unknown field, did you mean "protocol"? (in overlays/dev, overlays/prd)
`,
		stderr: "krm-fn validate: 2 of 2 overlays do not build; 1 error\n",
	}, {
		format: "json",
		stdout: `[
  {
    "severity": "error",
    "file": "bases/api/exposure.yaml",
    "line": 8,
    "kind": "ServiceExposure",
    "namespace": "shop",
    "name": "api",
    "field": "spec.service.protocl",
    "message": "Unsupported value: unknown field, did you mean \"protocol\"?",
    "overlays": [
      "overlays/dev",
      "overlays/prd"
    ]
  }
]
`,
		stderr: "krm-fn validate: 2 of 2 overlays do not build; 1 error\n",
	}} {
		t.Run(tc.format, func(t *testing.T) {
			stdout, stderr, failed := validate(t, "-o", tc.format, ".")
			if !failed {
				t.Error("validate succeeded, want it to fail")
			}
			if stdout != tc.stdout {
				t.Errorf("stdout:\n%s--- want:\n%s", stdout, tc.stdout)
			}
			if stderr != tc.stderr {
				t.Errorf("stderr:\n%s--- want:\n%s", stderr, tc.stderr)
			}
		})
	}
}

// TestValidateFromElsewhere: validate judges a repository named by its
// path from any directory, the repository being the path named (no git
// work tree holds it here), so an overlay's ../../bases is inside it.
func TestValidateFromElsewhere(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bases/api/kustomization.yaml": "resources: [exposure.yaml]\n",
		"bases/api/exposure.yaml":      exposureAPI,
		"overlays/prd/kustomization.yaml": `resources: [../../bases/api]
transformers: [platform.yaml]
`,
		"overlays/prd/platform.yaml": `apiVersion: exposure.krmfn.io/v1alpha1
kind: ExposurePlatform
metadata:
  name: prd
  annotations:
    config.kubernetes.io/function: "exec: {path: krm-fn}"
spec: {domain: domain.shop}
`,
	})
	t.Chdir(t.TempDir())
	stdout, stderr, failed := validate(t, dir)
	if failed || stdout != "krm-fn validate: 1 overlay built\n" {
		t.Errorf("validate %s from elsewhere: stdout %q, stderr:\n%s", dir, stdout, stderr)
	}
}

// TestValidateHostileNamesInjectNothing: file names (and what a symbolic
// link points to) are the repository's, which anyone who opens a pull
// request writes; with a line break in one, a line of validate's output
// could start with "::" and be read by GitHub Actions as a workflow
// command of its own (an annotation on any file, ::stop-commands::). In
// every format, every line validate prints is one problem or one line of
// its own, and no annotation but its own.
func TestValidateHostileNamesInjectNothing(t *testing.T) {
	inject := func(what string) string { return "\n::error file=README.md,line=1::" + what + "\n" }
	dir := writeFiles(t, map[string]string{
		"platform.yaml": platformPrd,
		"evil" + inject("a name") + ".yaml": `apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: a, namespace: shop}
spec:
  hosts: [a]
  service: {port: 0}
`,
	})
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"+inject("a FIFO")+".yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, format := range []string{"text", "github"} {
		t.Run(format, func(t *testing.T) {
			stdout, stderr := validateInjectsNothing(t, format)
			for _, want := range []string{"a name", "a FIFO"} {
				if !strings.Contains(stdout+stderr, want) {
					t.Errorf("the output names no file with %q in its name:\nstdout:\n%s\nstderr:\n%s", want, stdout, stderr)
				}
			}
		})
	}
	// A symbolic link to nothing, whose target is the command.
	if err := os.Remove(filepath.Join(dir, "fifo"+inject("a FIFO")+".yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/nonexistent"+inject("a link"), filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "github"} {
		t.Run(format+" link", func(t *testing.T) {
			stdout, stderr := validateInjectsNothing(t, format)
			if !strings.Contains(stdout+stderr, "link.yaml") {
				t.Errorf("the output does not name link.yaml:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
		})
	}
}

// validateInjectsNothing runs validate -o format on the directory, which
// must fail, and checks that no line of its output is a workflow command
// of the repository's (with -o text, none at all): its stdout and stderr.
func validateInjectsNothing(t *testing.T, format string) (string, string) {
	t.Helper()
	stdout, stderr, failed := validate(t, "-o", format, ".")
	if !failed {
		t.Error("validate succeeded, want it to fail")
	}
	for _, line := range strings.Split(stdout+stderr, "\n") {
		if strings.HasPrefix(line, "::error file=README.md") || format == "text" && strings.HasPrefix(line, "::") {
			t.Errorf("a line of the output is a workflow command the repository wrote: %q\nstdout:\n%s\nstderr:\n%s", line, stdout, stderr)
		}
	}
	return stdout, stderr
}
