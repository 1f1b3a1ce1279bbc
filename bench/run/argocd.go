package main

import (
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// argocdResult is one environment's line of the JSON that
// tools/argocd's TestBenchmarkPlugin writes (its benchResult): the medians
// of its runs.
type argocdResult struct {
	Services  int           `json:"services"`
	WorkDir   string        `json:"workDir"` // what argocd-cmp-server unpacked the repository on: disk or tmpfs
	Manifests int           `json:"manifests"`
	Runs      []struct{}    `json:"runs"` // only counted here
	Wall      time.Duration `json:"wallNs"`
	Discovery time.Duration `json:"discoveryNs"`
	PeakKiB   int64         `json:"peakKiB"`
}

// argocdTargets are the plugin's targets: what Argo CD may take to
// generate an Application's manifests, by services.
var argocdTargets = map[int]time.Duration{1000: 10 * time.Second, 3000: 30 * time.Second}

// argocdBench times the Argo CD plugin through o.cmpServer: with
// argocd-cmp-server's work directory (where it unpacks each request's
// repository, the sidecar's /tmp) on disk, then on o.argocdTmpfs. The test
// lives in tools/argocd, a module of its own (it builds against Argo CD's
// dependency graph, which the main module does not share), so it runs as
// go test there and hands its medians back as JSON.
func argocdBench(o options, root, work string) ([]argocdResult, error) {
	rs, err := argocdSeries(o, root, work, "")
	if err != nil || o.argocdTmpfs == "" {
		return rs, err
	}
	tmpfs, err := argocdSeries(o, root, work, o.argocdTmpfs)
	if err != nil {
		return nil, err
	}
	return append(rs, tmpfs...), nil
}

// argocdSeries is one series of argocdBench, with the work directory on
// workDir ("": the test's temporary directory).
func argocdSeries(o options, root, work, workDir string) ([]argocdResult, error) {
	sizes := make([]string, len(o.argocdSizes))
	for i, n := range o.argocdSizes {
		sizes[i] = strconv.Itoa(n)
	}
	out := filepath.Join(work, "argocd.json")
	on := "its temporary directory"
	if workDir != "" {
		on = workDir
	}
	logf("the Argo CD plugin through argocd-cmp-server, unpacking on %s: %s services (go test -run TestBenchmarkPlugin in tools/argocd)", on, strings.Join(sizes, ", "))
	err := sh(filepath.Join(root, "tools", "argocd"), []string{
		"CGO_ENABLED=0", // as make test-argocd
		"KRMFN_BENCH_ARGOCD=1",
		"KRMFN_BENCH_ARGOCD_SIZES=" + strings.Join(sizes, ","),
		"KRMFN_BENCH_ARGOCD_RUNS=" + strconv.Itoa(o.argocdRuns),
		"KRMFN_BENCH_ARGOCD_OUT=" + out,
		"KRMFN_ARGOCD_CMP_WORKDIR=" + workDir,
		"ARGOCD_CMP_SERVER=" + o.cmpServer,
		"KUSTOMIZE=" + o.kustomize, // the test's sidecar PATH holds it (unused by the plugin)
	}, "go", "test", "-count=1", "-run", "^TestBenchmarkPlugin$", "-v", "-timeout", "4h", ".")
	if err != nil {
		return nil, fmt.Errorf("the Argo CD plugin benchmark: %w", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var rs []argocdResult
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("%s: %w", out, err)
	}
	return rs, nil
}

// argoVersion is the argo-cd module argocd-cmp-server was built from (it
// reports no version of its own: hack/tools.sh builds it from tools/argocd).
func argoVersion(cmpServer string) string {
	info, err := buildinfo.ReadFile(cmpServer)
	if err != nil {
		return "unknown"
	}
	for _, d := range info.Deps {
		if d.Path == "github.com/argoproj/argo-cd/v3" {
			return "argo-cd " + d.Version
		}
	}
	return "unknown"
}
