package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/bench/workload"
	"github.com/krmfn/krm-fn/internal/render"
)

// kustomizeBuild is what a user's terminal shows for `kustomize build
// --enable-alpha-plugins --enable-exec dir` with the pinned kustomize.
func kustomizeBuild(t *testing.T, dir string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(kustomizeBinary(t), "build", "--enable-alpha-plugins", "--enable-exec", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr.String())
	}
	return stdout.Bytes()
}

// render is `krm-fn render dir`, in process; it fails the test if render
// did not take its fast path.
func renderDir(t *testing.T, dir string, fast bool) []byte {
	t.Helper()
	var stderr bytes.Buffer
	self, err := exec.LookPath("krm-fn") // TestMain's
	if err != nil {
		t.Fatal(err)
	}
	// The repository: the directory above the overlay's (which holds the
	// bases the overlays name).
	root := filepath.Dir(filepath.Dir(dir))
	out, err := render.Render(dir, render.Options{Policy: render.Policy{Root: root}, Self: self, Stderr: &stderr})
	if err != nil {
		t.Fatalf("krm-fn render %s: %v\n%s", dir, err, stderr.String())
	}
	if fell := strings.Contains(stderr.String(), "with kustomize running krm-fn"); fell == fast {
		t.Fatalf("krm-fn render %s: fast path %v, want %v; stderr:\n%s", dir, !fell, fast, stderr.String())
	}
	return out
}

func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			t.Fatalf("%s: line %d is %q, kustomize prints %q (%d and %d lines)", what, i+1, g[i], w[i], len(g), len(w))
		}
	}
	t.Fatalf("%s: %d lines, kustomize prints %d", what, len(g), len(w))
}

// TestRenderIsKustomizeBuild renders every example overlay with krm-fn
// render and checks the bytes against the kustomize binary's.
func TestRenderIsKustomizeBuild(t *testing.T) {
	for _, dir := range overlays(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			sameBytes(t, "krm-fn render "+dir, renderDir(t, dir, true), kustomizeBuild(t, dir))
		})
	}
}

// TestRenderLargeEnvironment does the same for a generated environment of
// 300 services across 10 namespaces (bench/workload), large enough for
// kustomize's ordering and merging to matter and small enough for
// kustomize to build in about a minute. It runs in CI (CI set) or with
// KRMFN_SLOW_TESTS=1, not in the everyday go test ./....
func TestRenderLargeEnvironment(t *testing.T) {
	if os.Getenv("CI") == "" && os.Getenv("KRMFN_SLOW_TESTS") == "" {
		t.Skip("slow (about a minute): set KRMFN_SLOW_TESTS=1 to run it")
	}
	dir := t.TempDir()
	if err := workload.Write(dir, workload.Options{Services: 300, Namespaces: 10, KrmFn: "krm-fn"}); err != nil { // built by TestMain
		t.Fatal(err)
	}
	overlay := filepath.Join(dir, workload.TransformerDir)
	want := kustomizeBuild(t, overlay)
	if n := bytes.Count(want, []byte("\nkind: ")); n < 1500 {
		t.Fatalf("kustomize rendered %d objects, want 5 per service", n)
	}
	sameBytes(t, "krm-fn render", renderDir(t, overlay, true), want)
}

// TestRenderKustomizeFeatures renders an overlay that uses what else
// kustomize does around the function (labels, annotations, a patch, an
// image, a hashed ConfigMap, an input Namespace, a resource with
// comments and anchors) under each sort option, and overlays render
// cannot take the fast path for.
func TestRenderKustomizeFeatures(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "../bases", filepath.Join(dir, "bases"))
	copyDir(t, "../overlays/prd", filepath.Join(dir, "prd"))
	write(t, filepath.Join(dir, "prd", "extra.yaml"), `# an input Namespace the function labels
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: api}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: anchors # a comment
  namespace: shop
  labels: &l
    app: anchors
data:
  copy: "1"
  script: |
    #!/bin/sh
    exit 0
---
apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata:
  name: web
  namespace: prd-web
spec:
  hosts: [web, www]
  service: {port: 8080, protocol: http2}
  routes:
  - {name: api, match: {prefix: /api, headers: {x-canary: "on"}}, backends: [{subset: v2, weight: 10}, {subset: v1, weight: 90}]}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  trafficPolicy: {connectionPool: {http: {http2MaxRequests: 100}}}
`)
	base := `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../bases
- extra.yaml
labels:
- pairs: {env: prd}
commonAnnotations:
  owner: platform
images:
- name: public.ecr.aws/nginx/nginx
  newTag: "1.28"
configMapGenerator:
- name: settings
  namespace: prd-api
  literals: [LOG_LEVEL=info]
patches:
- target: {kind: Deployment, name: cb-test-api}
  patch: |
    - op: replace
      path: /spec/replicas
      value: 3
`
	cases := []struct {
		name, kustomization string
		fast                bool
	}{
		{"legacy order", base + "transformers:\n- platform.yaml\n", true},
		{"fifo order", base + "sortOptions: {order: fifo}\ntransformers:\n- platform.yaml\n", true},
		{"custom legacy order", base + "sortOptions:\n  order: legacy\n  legacySortOptions:\n    orderFirst: [Ingress, Gateway]\n    orderLast: [Namespace]\ntransformers:\n- platform.yaml\n", true},
		{"platform not last", base + "transformers:\n- platform.yaml\n- labels.yaml\n", false},
		{"build metadata", base + "buildMetadata: [originAnnotations]\ntransformers:\n- platform.yaml\n", false},
	}
	write(t, filepath.Join(dir, "prd", "labels.yaml"), `apiVersion: builtin
kind: LabelTransformer
metadata: {name: tier}
labels: {tier: edge}
fieldSpecs: [{path: metadata/labels, create: true}]
`)
	outputs := map[string][]byte{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			write(t, filepath.Join(dir, "prd", "kustomization.yaml"), c.kustomization)
			overlay := filepath.Join(dir, "prd")
			want := kustomizeBuild(t, overlay)
			for _, s := range []string{"kind: Ingress", "name: settings-", "env: prd", "owner: platform", "replicas: 3", "team: api", "http2MaxRequests: 100"} {
				if !bytes.Contains(want, []byte(s)) {
					t.Fatalf("kustomize's output lacks %q: the case does not test what it says", s)
				}
			}
			outputs[c.name] = want
			sameBytes(t, "krm-fn render", renderDir(t, overlay, c.fast), want)
		})
	}
	if len(outputs) < len(cases) {
		return // some case did not run (skipped without kustomize, or failed)
	}
	if bytes.Equal(outputs["legacy order"], outputs["fifo order"]) || bytes.Equal(outputs["legacy order"], outputs["custom legacy order"]) {
		t.Error("the sort options change nothing: the cases do not test ordering")
	}
}
