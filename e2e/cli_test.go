package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// kustomizeBinary is the pinned kustomize (hack/tools.sh), from $KUSTOMIZE
// or PATH. CI always has it; elsewhere the test is skipped without it.
func kustomizeBinary(t *testing.T) string {
	t.Helper()
	if k := os.Getenv("KUSTOMIZE"); k != "" {
		return k
	}
	k, err := exec.LookPath("kustomize")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must have kustomize: .ci/run installs it with hack/tools.sh")
		}
		t.Skip("no kustomize binary (run hack/tools.sh and set KUSTOMIZE)")
	}
	return k
}

// TestKustomizeShowsErrors breaks the prd overlay and runs the kustomize
// binary as a user would: it must fail, print nothing on stdout, and show
// every problem with its object and field path on stderr.
func TestKustomizeShowsErrors(t *testing.T) {
	k := kustomizeBinary(t)
	dir := t.TempDir()
	copyDir(t, "../bases", filepath.Join(dir, "bases"))
	copyDir(t, "../overlays/prd", filepath.Join(dir, "overlays", "prd"))
	broken := `apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata: {name: broken, namespace: prd-api}
spec:
  hosts: [cb-test-api]
  service: {port: 8080, protocl: http}
  routes:
  - backends:
    - {subset: v1, weight: 50}
`
	write(t, filepath.Join(dir, "overlays", "prd", "broken.yaml"), broken)
	kust := filepath.Join(dir, "overlays", "prd", "kustomization.yaml")
	b, err := os.ReadFile(kust)
	if err != nil {
		t.Fatal(err)
	}
	write(t, kust, strings.Replace(string(b), "- ../../bases\n", "- ../../bases\n- broken.yaml\n", 1))

	var stdout, stderr bytes.Buffer
	cmd := exec.Command(k, "build", "--enable-alpha-plugins", "--enable-exec", filepath.Join(dir, "overlays", "prd"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if err == nil {
		t.Fatalf("kustomize build succeeded on a broken spec:\n%s", stdout.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("a failed build printed manifests:\n%s", stdout.String())
	}
	for _, want := range []string{
		`ServiceExposure prd-api/broken: spec.service.protocl: Unsupported value: unknown field, did you mean "protocol"?`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}

	// With the typo fixed, the next layer of problems shows, all at once.
	write(t, filepath.Join(dir, "overlays", "prd", "broken.yaml"), strings.Replace(broken, "protocl", "protocol", 1))
	stdout.Reset()
	stderr.Reset()
	cmd = exec.Command(k, "build", "--enable-alpha-plugins", "--enable-exec", filepath.Join(dir, "overlays", "prd"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err == nil || stdout.Len() != 0 {
		t.Fatalf("want a failed build with no output, got err=%v stdout:\n%s", err, stdout.String())
	}
	for _, want := range []string{
		`ServiceExposure prd-api/broken: spec.routes[0].backends: Invalid value: 50: the weights must sum to 100, they sum to 50`,
		`ServiceExposure prd-api/broken: spec.routes[0].backends[0].subset: Not found: "v1"`,
		"krm-fn: 2 errors; nothing was rendered",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestKustomizeBinaryRendersGolden runs the kustomize binary over every
// overlay: what a user's terminal shows must be the reviewed rendering.
func TestKustomizeBinaryRendersGolden(t *testing.T) {
	k := kustomizeBinary(t)
	for _, dir := range overlays(t) {
		env := filepath.Base(dir)
		t.Run(env, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(k, "build", "--enable-alpha-plugins", "--enable-exec", dir)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr.String())
			}
			want, err := os.ReadFile(filepath.Join("..", "rendered", "overlays", env+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(stdout.Bytes(), want) {
				t.Errorf("kustomize build %s differs from rendered/overlays/%s.yaml:\n%s", dir, env, stdout.String())
			}
			if stderr.Len() != 0 {
				t.Errorf("a clean build printed on stderr:\n%s", stderr.String())
			}
		})
	}
}
