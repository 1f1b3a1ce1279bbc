package e2e

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestPackageImports: the packages depend on each other as
// docs/design.md draws them. The API imports nothing of krm-fn, so that
// the schema generator and the benchmark's workload need nothing else;
// the KRM I/O and the YAML output know nothing of exposures; the
// function runs no kustomize build and no command line.
func TestPackageImports(t *testing.T) {
	const module = "github.com/krmfn/krm-fn/"
	for _, tc := range []struct {
		pkg     string
		allowed []string // the packages of krm-fn it may import, directly or not
		not     []string // other modules' packages it must not import
	}{
		{pkg: "api/v1alpha1"},
		{pkg: "schema", allowed: []string{"api/v1alpha1"}},
		{pkg: "bench/workload", allowed: []string{"api/v1alpha1"}},
		{pkg: "internal/krmio", allowed: []string{"internal/repofile"}},
		{pkg: "internal/yamlout", allowed: []string{"internal/parallel"}},
		{pkg: "fn/model", allowed: []string{"api/v1alpha1"}},
		{pkg: "fn/emit", allowed: []string{"api/v1alpha1", "fn/model"}},
		{pkg: "fn", allowed: []string{"api/v1alpha1", "fn/model", "fn/emit", "internal/krmio", "internal/yamlout", "internal/parallel", "internal/kustomization", "internal/repofile"},
			not: []string{"github.com/spf13/cobra", "sigs.k8s.io/kustomize/api/krusty"}},
	} {
		cmd := exec.Command("go", "list", "-deps", "./"+tc.pkg)
		cmd.Dir = ".."
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps ./%s: %v", tc.pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			ours, isOurs := strings.CutPrefix(dep, module)
			switch {
			case isOurs && ours != tc.pkg && !slices.Contains(tc.allowed, ours):
				t.Errorf("%s imports %s", tc.pkg, ours)
			case slices.Contains(tc.not, dep):
				t.Errorf("%s imports %s", tc.pkg, dep)
			}
		}
	}
}

// TestDockerfileCopiesTheBuild: the Dockerfile's build stage copies every
// directory of this module whose packages krm-fn is built from (no Docker
// engine here to build it: a package added in a new directory would
// otherwise break only the image).
func TestDockerfileCopiesTheBuild(t *testing.T) {
	const module = "github.com/krmfn/krm-fn/"
	cmd := exec.Command("go", "list", "-deps", "./cmd/krm-fn")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/krm-fn: %v", err)
	}
	dockerfile, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		pkg, ours := strings.CutPrefix(dep, module)
		if !ours {
			continue
		}
		top, _, _ := strings.Cut(pkg, "/")
		if !strings.Contains(string(dockerfile), "\nCOPY "+top+" ./"+top+"\n") {
			t.Errorf("the Dockerfile does not copy %s/, which krm-fn's package %s is in", top, pkg)
		}
	}
}
