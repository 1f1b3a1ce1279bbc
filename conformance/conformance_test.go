package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// root is the repository, as an absolute path: this module lives in its
// conformance/ directory.
var root = func() string {
	dir, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return dir
}()

// shared is what the tests that talk to the cluster share: the pinned tools,
// one cluster and a freshly built krm-fn (in the cluster's directory), made
// on first use and torn down by TestMain (or, if this process dies, by
// hack/cluster.sh's watchdog).
var shared struct {
	once    sync.Once
	err     error
	fnDir   string
	cluster *Cluster
	checker *Checker
}

func TestMain(m *testing.M) {
	code := m.Run()
	if proofTeardown() {
		code = 1
	}
	if shared.cluster != nil {
		if err := shared.cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func setup(t *testing.T) *Checker {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		start := time.Now()
		tools, err := InstallTools(ctx, root)
		if err != nil {
			shared.err = err
			return
		}
		if shared.cluster, shared.err = StartCluster(ctx, root); shared.err != nil {
			return
		}
		if shared.fnDir, err = shared.cluster.TempDir("bin"); err != nil {
			shared.err = err
			return
		}
		if err := BuildFunction(ctx, root, shared.fnDir); err != nil {
			shared.err = err
			return
		}
		shared.checker = &Checker{Tools: tools, Kubeconfig: shared.cluster.Kubeconfig}
		fmt.Printf("conformance: tools, krm-fn and the cluster ready in %s\n", time.Since(start).Round(time.Second))
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.checker
}

// TestOverlays renders every example overlay, and every overlay of the
// layouts under testdata/layouts, with kustomize and krm-fn and checks
// every object it emits.
func TestOverlays(t *testing.T) {
	c := setup(t)
	out := t.TempDir()
	for _, dir := range overlayDirs(t) {
		rel, _ := filepath.Rel(root, dir)
		name := strings.ReplaceAll(rel, string(filepath.Separator), "-")
		t.Run(rel, func(t *testing.T) {
			file := filepath.Join(out, name+".yaml")
			if err := Render(t.Context(), c.Tools.Kustomize, shared.fnDir, dir, file); err != nil {
				t.Fatal(err)
			}
			src, err := LoadSource(rel, file, dir)
			if err != nil {
				t.Fatal(err)
			}
			check(t, c, src)
		})
	}
}

// overlayDirs lists the example overlays and the overlays of the layouts
// under testdata/layouts.
func overlayDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(root, "overlays", "*", "kustomization.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no overlays found under %s/overlays: %v", root, err)
	}
	layouts, err := filepath.Glob(filepath.Join(root, "testdata", "layouts", "*", "overlays", "*", "kustomization.yaml"))
	if err != nil || len(layouts) == 0 {
		t.Fatalf("no overlays found under %s/testdata/layouts: %v", root, err)
	}
	var out []string
	for _, k := range append(dirs, layouts...) {
		out = append(out, filepath.Dir(k))
	}
	return out
}

// goldenCases runs f on every golden case that renders
// (testdata/<case>/expected.yaml), in a subtest named for the case.
func goldenCases(t *testing.T, f func(t *testing.T, src *Source)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "testdata", "*", "expected.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases found under %s/testdata: %v", root, err)
	}
	for _, file := range files {
		dir := filepath.Dir(file)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			src, err := LoadSource(filepath.Join("testdata", filepath.Base(dir), "expected.yaml"), file, dir)
			if err != nil {
				t.Fatal(err)
			}
			f(t, src)
		})
	}
}

// TestGoldenCases checks the expected output of every golden case that
// renders (testdata/<case>/expected.yaml).
func TestGoldenCases(t *testing.T) {
	c := setup(t)
	goldenCases(t, func(t *testing.T, src *Source) { check(t, c, src) })
}

// check fails t with every finding on src.
func check(t *testing.T, c *Checker, src *Source) {
	t.Helper()
	start := time.Now()
	findings, err := c.Check(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
	t.Logf("%s: %d objects checked in %s", src.Name, len(src.Objects), time.Since(start).Round(time.Millisecond))
}
