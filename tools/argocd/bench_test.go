package argocd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// benchResult is what TestBenchmarkPlugin measured on one environment, as
// the JSON bench/run reads (bench/run/argocd.go decodes the same fields).
type benchResult struct {
	Services   int        `json:"services"`
	Namespaces int        `json:"namespaces"`
	WorkDir    string     `json:"workDir"` // what argocd-cmp-server unpacks repositories on: "disk" or "tmpfs"
	Manifests  int        `json:"manifests"`
	Runs       []benchRun `json:"runs"`
	// The medians of Runs.
	Wall      time.Duration `json:"wallNs"`
	Discovery time.Duration `json:"discoveryNs"`
	PeakKiB   int64         `json:"peakKiB"`
}

// benchRun is one manifest generation.
type benchRun struct {
	Wall      time.Duration `json:"wallNs"`      // discovery + GenerateManifest, from dialing the socket to the manifests received
	Discovery time.Duration `json:"discoveryNs"` // of which discovery (MatchRepository)
	PeakKiB   int64         `json:"peakKiB"`     // VmHWM of krm-fn argocd generate
}

// TestBenchmarkPlugin times the plugin as Argo CD's repo-server runs it
// for an Application with `plugin: {}`: discovery, then GenerateManifest,
// each with the repository streamed, through argocd-cmp-server, on
// environments written by bench/gen (the repository is the environment's
// directory, the Application's path its transformer overlay). After one
// warm-up, whose manifests must be the objects krm-fn render prints, it
// keeps the medians of KRMFN_BENCH_ARGOCD_RUNS runs, logs them and writes
// them as JSON to KRMFN_BENCH_ARGOCD_OUT. `make bench` runs it (bench/run);
// it is too slow for make test-argocd, which skips it:
//
//	KRMFN_BENCH_ARGOCD=1 KRMFN_BENCH_ARGOCD_SIZES=50,200 KRMFN_BENCH_ARGOCD_OUT=/tmp/argocd.json \
//	ARGOCD_CMP_SERVER=... KUSTOMIZE=... go test -run TestBenchmarkPlugin -v -timeout 2h .
func TestBenchmarkPlugin(t *testing.T) {
	if os.Getenv("KRMFN_BENCH_ARGOCD") != "1" {
		t.Skip("a benchmark: KRMFN_BENCH_ARGOCD=1 runs it (make bench does)")
	}
	sizes := envInts(t, "KRMFN_BENCH_ARGOCD_SIZES", "1000,3000")
	runs := envInts(t, "KRMFN_BENCH_ARGOCD_RUNS", "3")
	if len(runs) != 1 {
		t.Fatalf("KRMFN_BENCH_ARGOCD_RUNS: want one number, got %v", runs)
	}
	s := startServer(t)
	var results []benchResult
	for _, n := range sizes {
		r := benchSize(t, s, n, runs[0])
		r.WorkDir = s.workFS
		results = append(results, r)
	}
	if out := os.Getenv("KRMFN_BENCH_ARGOCD_OUT"); out != "" {
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, out, string(b)+"\n")
	}
}

// benchSize generates an environment of n services and times runs
// generations of its overlay, after a warm-up.
func benchSize(t *testing.T, s *server, n, runs int) benchResult {
	r := benchResult{Services: n, Namespaces: max(1, n/50)} // as make bench's environments
	repo := t.TempDir()
	var stderr bytes.Buffer
	gen := exec.Command("go", "run", "./bench/gen", "-services", strconv.Itoa(n), "-namespaces", strconv.Itoa(r.Namespaces), "-out", repo)
	gen.Dir, gen.Stderr = root, &stderr
	if err := gen.Run(); err != nil {
		t.Fatalf("bench/gen: %v\n%s", err, stderr.String())
	}
	app := filepath.Join(repo, "transformer")
	env := repoServerEnv("transformer")

	for i := 0; i <= runs; i++ {
		run, manifests := timeGeneration(t, s, repo, app, env)
		if i == 0 {
			// Time the overlay's rendering, not a fast failure or a
			// partial one.
			want := renderObjects(t, s, "krm-fn", "render", "--root", repo, app)
			if diff := gocmp.Diff(want, parseManifests(t, manifests), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("%d services: the plugin's manifests differ from krm-fn render (-want +got):\n%s", n, diff)
			}
			r.Manifests = len(manifests)
			t.Logf("%5d services, warm-up: %6.2fs (discovery %5.2fs), %d manifests", n, run.Wall.Seconds(), run.Discovery.Seconds(), len(manifests))
			continue
		}
		r.Runs = append(r.Runs, run)
		t.Logf("%5d services, run %d:  %6.2fs (discovery %5.2fs), krm-fn argocd generate peak RSS %d MiB", n, i, run.Wall.Seconds(), run.Discovery.Seconds(), run.PeakKiB>>10)
	}
	r.Wall = median(r.Runs, func(r benchRun) time.Duration { return r.Wall })
	r.Discovery = median(r.Runs, func(r benchRun) time.Duration { return r.Discovery })
	r.PeakKiB = median(r.Runs, func(r benchRun) int64 { return r.PeakKiB })
	return r
}

// timeGeneration asks for app's manifests once, as generate does, timing
// discovery and the whole, and sampling the generate process's memory.
func timeGeneration(t *testing.T, s *server, repo, app string, env []string) (benchRun, []string) {
	t.Helper()
	// Far longer than Argo CD would wait (the controller's
	// --repo-server-timeout-seconds, 60 s by default): a slow run is
	// still a measurement.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Minute)
	defer cancel()
	start := time.Now()
	conn, client, err := discover(ctx, repo, app, "", env)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	discovered := time.Now()
	// Only now: looking for the process costs CPU the plugin would use.
	peak := watchPeak(s.pid, func(argv []string) bool {
		return len(argv) >= 3 && filepath.Base(argv[0]) == "krm-fn" && argv[1] == "argocd" && argv[2] == "generate"
	})
	manifests, err := generateManifests(t, ctx, client, repo, app, env)
	run := benchRun{Wall: time.Since(start), Discovery: discovered.Sub(start), PeakKiB: peak()}
	if err != nil {
		t.Fatal(err)
	}
	if run.PeakKiB == 0 {
		t.Fatal("never saw krm-fn argocd generate run under argocd-cmp-server")
	}
	return run, manifests
}

// watchPeak looks, every 10 ms, for the child of process parent whose
// command line matches, samples its peak resident set (VmHWM in
// /proc/PID/status) every 10 ms until it exits, and returns that peak in
// KiB when the returned function is called. VmHWM is the kernel's running
// maximum, so sampling misses at most the child's growth in its last
// 10 ms. It is the figure of the program the child runs, unlike the
// kernel's maxrss of a wait (what argocd-cmp-server could see), which also
// counts argocd-cmp-server: a Go child shares its parent's memory until it
// execs.
func watchPeak(parent int, match func(argv []string) bool) (stop func() int64) {
	done, result := make(chan struct{}), make(chan int64)
	go func() {
		var peak int64
		pid, exited := 0, false // the child watched, once found
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			switch {
			case exited: // one generation runs one; scanning /proc costs milliseconds
			case pid == 0:
				pid = findChild(parent, match)
			default:
				kib, ok := vmHWM(pid)
				exited = !ok
				peak = max(peak, kib)
			}
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		return <-result
	}
}

// findChild returns the first child of parent whose command line matches,
// or 0. It scans /proc: the kernel here has no /proc/PID/task/TID/children.
func findChild(parent int, match func(argv []string) bool) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		if f := strings.Fields(string(stat[i+1:])); len(f) < 2 || f[1] != strconv.Itoa(parent) {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(cmdline) == 0 {
			continue
		}
		if match(strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")) {
			return pid
		}
	}
	return 0
}

// vmHWM reads a process's peak resident set in KiB; false once it has
// exited (a zombie has no memory to report).
func vmHWM(pid int) (int64, bool) {
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kib, err == nil
		}
	}
	return 0, false
}

// envInts reads a comma-separated list of positive integers from the
// environment variable name, def when it is unset.
func envInts(t *testing.T, name, def string) []int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		v = def
	}
	var ns []int
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want positive integers, comma-separated", name, v)
		}
		ns = append(ns, n)
	}
	return ns
}

func median[T int64 | time.Duration](runs []benchRun, field func(benchRun) T) T {
	var xs []T
	for _, r := range runs {
		xs = append(xs, field(r))
	}
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}
