package main

import (
	"fmt"
	"strings"
	"time"
)

type report struct {
	started, finished     time.Time
	loadBefore, loadAfter string
	cpuBefore             []uint64
	steal                 string // the share of CPU time stolen by the hypervisor during the run
	machine               []string
	sizes                 []int
	renderers             []renderer
	results               map[int][]measurement
	goBench               []goBench
	baseline              string
	argocd                []argocdResult
}

// Rows of the renderers the targets are about.
const (
	rowAlone = iota
	rowHelm
	rowHandwritten
	rowTransformer
	rowGenerator
	rowRender
	rowBaseline
)

func (r *report) get(n, row int) *measurement {
	ms, ok := r.results[n]
	if !ok || row >= len(ms) || ms[row].skipped != "" || ms[row].runs == 0 {
		return nil
	}
	return &ms[row]
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func mib(kib int64) string { return fmt.Sprintf("%d MiB", (kib+512)>>10) }

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# Benchmarks")
	p("")
	p("Written by `make bench` ([`bench/run`](../bench/run)); rerun it rather than editing this file.")
	p("Every renderer renders the same generated environment ([`bench/workload`](../bench/workload): N")
	p("services across N/50 namespaces, each exposed by a `ServiceExposure`; some with two hosts, gRPC,")
	p("retries, or an API route with a prefix rewrite, header operations and CORS) into the same objects:")
	p("a Namespace per namespace and, per service, a Service, Gateway,")
	p("VirtualService, DestinationRule and Ingress. The output column says how that was checked.")
	p("")
	p("## Machine")
	p("")
	for _, m := range r.machine {
		p("- %s", m)
	}
	p("- run: %s, %s", r.started.UTC().Format("2006-01-02 15:04 MST"), r.finished.Sub(r.started).Round(time.Second))
	p("- CPU time stolen by the hypervisor (other virtual machines on the host) during the run: %s", r.steal)
	p("- load average (1, 5, 15 min) before: %s; after: %s. The machine is shared with other builds:", r.loadBefore, r.loadAfter)
	p("  wall times include waiting for a CPU, CPU times (user + system, of the process and its children)")
	p("  are the steadier figure. Peak RSS is GNU time's (the largest of the process and of each of its")
	p("  children). Each cell is the median of its runs, after one warm-up run that does not count (none for a")
	p("  renderer that takes over half of -budget); every renderer reads its input from a file and writes to one.")
	p("")
	r.targets(p)
	for _, n := range r.sizes {
		r.sizeTable(p, n)
	}
	r.argocdTable(p)
	if len(r.goBench) > 0 {
		p("## The rendering itself")
		p("")
		p("`go test ./fn -run '^$' -bench '^BenchmarkProcess$' -benchtime 3x`: decoded items in, items out, in one")
		p("process (no YAML reading or writing, no process start).")
		p("")
		p("| exposures | time per run | per exposure | memory allocated per run | allocations per run |")
		p("|---:|---:|---:|---:|---:|")
		for _, g := range r.goBench {
			_, size, _ := strings.Cut(g.name, "=")
			p("| %s | %.3f s | %.0f µs | %.1f MiB | %.0f |", size, g.nsPerOp/1e9, g.nsPerExposure/1e3, g.bytes/(1<<20), g.allocs)
		}
		p("")
	}
	p("## Reading it")
	p("")
	p("- **krm-fn alone** is the function as kustomize, kpt or an Argo CD plugin runs it: a process reading")
	p("  a ResourceList (the platform and the exposures) on stdin and writing one on stdout.")
	p("- **kustomize build, hand-written output** is the floor for anything rendered through kustomize:")
	p("  kustomize checks every resource it adds against all it already holds, so its time grows with the")
	p("  square of the number of objects. **kustomize build + krm-fn** pays that on the generated objects too.")
	p("- **krm-fn render** prints the same bytes as `kustomize build` of the same overlay, with the")
	p("  generated objects kept off that quadratic path (see [scaling.md](scaling.md)).")
	p("- Generator mode runs one krm-fn process per service and cannot put two services in one namespace")
	p("  (each generator emits the namespace's Namespace), so its environment gives every service its own.")
	return b.String()
}

func (r *report) targets(p func(string, ...any)) {
	p("## Targets")
	p("")
	p("| target | measured | met |")
	p("|---|---|---|")
	if m := r.get(1000, rowAlone); m != nil {
		p("| krm-fn alone expands 1000 exposures in ≤ 0.1 s | %s wall, %s CPU | %s |", secs(m.wall), secs(m.cpu), yesNo(m.wall <= 100*time.Millisecond))
		p("| … in ≤ 100 MiB | %s peak RSS | %s |", mib(m.rss), yesNo(m.rss <= 100<<10))
		if h := r.get(1000, rowHelm); h != nil {
			p("| krm-fn alone beats `helm template` on the same objects (1000 services) | %s vs %s wall (%.1f×) | %s |", secs(m.wall), secs(h.wall), h.wall.Seconds()/m.wall.Seconds(), yesNo(m.wall < h.wall))
		}
		if t := r.get(10000, rowAlone); t != nil {
			p("| krm-fn alone expands 10000 exposures in ≤ 1 s | %s wall, %s CPU | %s |", secs(t.wall), secs(t.cpu), yesNo(t.wall <= time.Second))
			ratio := t.cpu.Seconds() / 10 / m.cpu.Seconds()
			p("| scaling stays linear (CPU per exposure at 10000 ≤ 1.5 × at 1000) | %.2f × | %s |", ratio, yesNo(ratio <= 1.5))
		}
	}
	for _, n := range r.sizes {
		t, h := r.get(n, rowTransformer), r.get(n, rowHandwritten)
		if t == nil || h == nil {
			continue
		}
		over := t.wall.Seconds()/h.wall.Seconds() - 1
		p("| inside kustomize, krm-fn adds ≤ 10%% over the hand-written output (%d services) | %+.0f%% wall (%s vs %s), %+.0f%% CPU | %s |",
			n, 100*over, secs(t.wall), secs(h.wall), 100*(t.cpu.Seconds()/h.cpu.Seconds()-1), yesNo(over <= 0.10))
	}
	for _, n := range r.sizes {
		m, h := r.get(n, rowRender), r.get(n, rowHandwritten)
		if m == nil || h == nil || n < 1000 {
			continue
		}
		p("| … through krm-fn render instead (%d services): the same bytes, compared with kustomize over the hand-written output | %+.0f%% wall (%s vs %s), %+.0f%% CPU | %s |",
			n, 100*(m.wall.Seconds()/h.wall.Seconds()-1), secs(m.wall), secs(h.wall), 100*(m.cpu.Seconds()/h.cpu.Seconds()-1), yesNo(m.wall.Seconds() <= 1.1*h.wall.Seconds()))
	}
	if m := r.get(1000, rowRender); m != nil {
		p("| a 1000-service environment renders end to end (krm-fn render) well under 60 s | %s wall, %s CPU | %s |", secs(m.wall), secs(m.cpu), yesNo(m.wall < 30*time.Second))
	}
	for _, a := range r.argocd {
		if target, ok := argocdTargets[a.Services]; ok {
			p("| the Argo CD plugin generates a %d-service Application's manifests (discovery + generation, through argocd-cmp-server) in ≤ %g s; the sidecar's /tmp %s | %s wall, %s peak RSS | %s |",
				a.Services, target.Seconds(), workDirOf(a), secs(a.Wall), mib(a.PeakKiB), yesNo(a.Wall <= target))
		}
	}
	p("")
}

func (r *report) argocdTable(p func(string, ...any)) {
	if len(r.argocd) == 0 {
		return
	}
	p("## The Argo CD plugin, through argocd-cmp-server")
	p("")
	p("What Argo CD's repo-server waits for to render an Application with `plugin: {}`, timed by")
	p("[`tools/argocd`](../tools/argocd)'s `TestBenchmarkPlugin`: Argo CD's own `argocd-cmp-server` runs")
	p("[`deploy/argocd/plugin.yaml`](../deploy/argocd/plugin.yaml) and is asked with Argo CD's own client code,")
	p("as the repo-server asks it: discovery (`MatchRepository`: the repository streamed, `krm-fn argocd")
	p("discover` run), then `GenerateManifest` (the repository streamed again, `krm-fn argocd generate` run,")
	p("its output split into manifests). The repository is a whole environment written by `bench/gen` (every")
	p("renderer's directory above, N/50 namespaces), the Application's path its `transformer` overlay. The")
	p("time runs from dialing the plugin's socket to the manifests received; each cell is the median of its")
	p("runs, after one warm-up whose manifests are checked to be the objects `krm-fn render` prints. The peak")
	p("RSS is `krm-fn argocd generate`'s own (`VmHWM`, sampled from /proc every 10 ms while it runs: it is")
	p("argocd-cmp-server's child, out of GNU time's reach).")
	p("")
	p("argocd-cmp-server unpacks the repository it is sent into its work directory, the sidecar's `/tmp`,")
	p("for discovery and again for generation, and deletes it afterwards: the thousands of files of a large")
	p("repository. Each series runs with that directory on disk (`emptyDir: {}`, as")
	p("[`deploy/argocd`](../deploy/argocd) has it) and on a tmpfs (`emptyDir: {medium: Memory}`); on disk, the")
	p("file system's work creating and deleting those files comes on top ([argocd.md](argocd.md#large-repositories)).")
	p("")
	p("| services | the sidecar's /tmp | manifests | discovery + generation | of which discovery | target | met | peak RSS of `krm-fn argocd generate` | runs |")
	p("|---:|---|---:|---:|---:|---:|---|---:|---:|")
	for _, a := range r.argocd {
		target, met := "–", "–"
		if t, ok := argocdTargets[a.Services]; ok {
			target, met = fmt.Sprintf("≤ %g s", t.Seconds()), yesNo(a.Wall <= t)
		}
		p("| %d | %s | %d | %s | %s | %s | %s | %s | %d |", a.Services, workDirOf(a), a.Manifests, secs(a.Wall), secs(a.Discovery), target, met, mib(a.PeakKiB), len(a.Runs))
	}
	p("")
}

// workDirOf says what a's work directory was, as the sidecar would have it.
func workDirOf(a argocdResult) string {
	if a.WorkDir == "tmpfs" {
		return "on a tmpfs (emptyDir medium Memory)"
	}
	return "on disk (emptyDir)"
}

func (r *report) sizeTable(p func(string, ...any), n int) {
	ms := r.results[n]
	p("## %d services", n)
	p("")
	p("| renderer | wall | CPU | peak RSS | runs | wall vs helm | wall vs hand-written kustomize | output |")
	p("|---|---:|---:|---:|---:|---:|---:|---|")
	helm, hand := r.get(n, rowHelm), r.get(n, rowHandwritten)
	for i, rd := range r.renderers {
		m := ms[i]
		if m.skipped != "" {
			p("| %s | – | – | – | – | – | – | not run: %s |", rd.name, m.skipped)
			continue
		}
		vs := func(ref *measurement) string {
			if ref == nil {
				return "–"
			}
			return fmt.Sprintf("%.2f×", m.wall.Seconds()/ref.wall.Seconds())
		}
		out := "not compared"
		switch {
		case m.checkError != "":
			out = "**" + m.checkError + "**"
		case rd.check == "bytes":
			out = "same bytes as kustomize build + krm-fn"
		case rd.check == "objects":
			out = "same objects as krm-fn alone"
		}
		p("| %s | %s | %s | %s | %d | %s | %s | %s |", rd.name, secs(m.wall), secs(m.cpu), mib(m.rss), m.runs, vs(helm), vs(hand), out)
	}
	p("")
}
