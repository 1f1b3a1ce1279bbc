// Command run is the benchmark behind `make bench`: on the same generated
// environments (bench/workload) it times, side by side,
//
//   - krm-fn alone on a ResourceList;
//   - kustomize build of an overlay that runs krm-fn (transformer mode, and
//     generator mode where kustomize can run it);
//   - kustomize build of the same output written out by hand (the floor
//     for anything that goes through kustomize);
//   - krm-fn render of the transformer overlay;
//   - helm template of bench/chart, the same objects as a chart;
//
// checks that they render the same objects, times the Argo CD plugin
// through Argo CD's argocd-cmp-server (tools/argocd's TestBenchmarkPlugin,
// on larger environments of its own), runs the Go benchmarks of the
// expansion itself, and writes docs/benchmarks.md.
//
//	go run ./bench/run -kustomize $(hack/tools.sh kustomize)/kustomize -helm $(hack/tools.sh helm)/helm \
//		-argocd-cmp-server $(hack/tools.sh argocd)/argocd-cmp-server
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/krmfn/krm-fn/bench/workload"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

type options struct {
	sizes     []int
	runs      int
	budget    time.Duration // stop repeating a measurement after this much time
	timeout   time.Duration // give up on one run after this long
	kustomize string
	helm      string
	time      string // GNU time, for the peak memory
	out       string
	work      string
	goBench   bool
	baseline  string // a git revision of krm-fn to time alone too

	cmpServer   string // argocd-cmp-server, to time the Argo CD plugin through ("": not timed)
	argocdSizes []int
	argocdRuns  int
	argocdTmpfs string // a tmpfs to time the plugin with its work directory on too ("": disk only)
}

func main() {
	var o options
	sizes := flag.String("sizes", "100,300,1000,10000", "environment sizes (services), comma-separated")
	flag.IntVar(&o.runs, "runs", 5, "runs per measurement (the table shows medians)")
	flag.DurationVar(&o.budget, "budget", 90*time.Second, "stop repeating a measurement once its runs took this long")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up on a run after this long")
	flag.StringVar(&o.kustomize, "kustomize", "kustomize", "the kustomize binary")
	flag.StringVar(&o.helm, "helm", "helm", "the helm (v3) binary")
	flag.StringVar(&o.time, "time", "/usr/bin/time", "GNU time, which reports the peak memory of what it runs (Debian's time package)")
	flag.StringVar(&o.out, "out", "docs/benchmarks.md", "the table to write")
	flag.StringVar(&o.work, "work", "", "where to generate the environments (default: a temporary directory, removed afterwards)")
	flag.BoolVar(&o.goBench, "gobench", true, "also run the Go benchmarks of the expansion (go test -bench ./fn)")
	flag.StringVar(&o.baseline, "baseline", "", "a git revision whose krm-fn is timed alone too, to compare with; it must render the workload (before the routing features, 5c4990f rejects its routes)")
	flag.StringVar(&o.cmpServer, "argocd-cmp-server", "", "Argo CD's argocd-cmp-server (hack/tools.sh argocd builds it), to time the Argo CD plugin through (\"\": not timed)")
	argocdSizes := flag.String("argocd-sizes", "1000,3000", "environment sizes (services) for the Argo CD plugin, comma-separated")
	flag.IntVar(&o.argocdRuns, "argocd-runs", 3, "runs per size for the Argo CD plugin (the table shows medians)")
	flag.StringVar(&o.argocdTmpfs, "argocd-tmpfs", "/dev/shm", "a tmpfs on which argocd-cmp-server unpacks repositories in a second series, as the sidecar's /tmp of emptyDir medium Memory (\"\": only the disk series)")
	flag.Parse()
	o.sizes = parseSizes("-sizes", *sizes)
	o.argocdSizes = parseSizes("-argocd-sizes", *argocdSizes)
	if o.argocdRuns < 1 {
		fail("bad -argocd-runs %d", o.argocdRuns)
	}
	if err := run(o); err != nil {
		fail("%v", err)
	}
}

func parseSizes(name, list string) []int {
	var sizes []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fail("bad %s %q", name, list)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// A renderer is one way of rendering an environment.
type renderer struct {
	name    string
	maxSize int // not run above this many services (it would take too long)
	why     string
	cmd     func(env string) []string // the command line, run in env
	check   string                    // what its output is compared with: "bytes" or "objects"
}

// A measurement is the medians of a renderer's runs on one environment.
type measurement struct {
	runs       int
	wall, cpu  time.Duration
	rss        int64 // KiB
	output     []byte
	skipped    string
	checkError string
}

func run(o options) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	work := o.work
	if work == "" {
		if work, err = os.MkdirTemp("", "krm-fn-bench"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
		interrupted := make(chan os.Signal, 1)
		signal.Notify(interrupted, os.Interrupt, syscall.SIGTERM)
		go func() {
			<-interrupted
			os.RemoveAll(work)
			os.Exit(1)
		}()
	}
	bin := filepath.Join(work, "bin")
	logf("building krm-fn into %s", bin)
	if err := sh(root, nil, "go", "build", "-o", filepath.Join(bin, "krm-fn"), "./cmd/krm-fn"); err != nil {
		return err
	}
	krmfn := filepath.Join(bin, "krm-fn")
	for _, tool := range []*string{&o.kustomize, &o.helm, &o.time} {
		p, err := exec.LookPath(*tool)
		if err != nil {
			return fmt.Errorf("%s: %v (hack/tools.sh kustomize helm time installs them)", *tool, err)
		}
		*tool = p
	}
	if o.cmpServer != "" {
		p, err := exec.LookPath(o.cmpServer)
		if err != nil {
			return fmt.Errorf("%s: %v (hack/tools.sh argocd builds it)", o.cmpServer, err)
		}
		o.cmpServer = p
	} else {
		logf("no -argocd-cmp-server: the Argo CD plugin is not timed")
	}
	chart := filepath.Join(root, "bench", "chart")
	var baseline string
	if o.baseline != "" {
		src := filepath.Join(work, "baseline")
		logf("building krm-fn %s into %s", o.baseline, src)
		if err := os.MkdirAll(src, 0o755); err != nil {
			return err
		}
		if err := sh(root, nil, "bash", "-c", fmt.Sprintf("git archive %q | tar -x -C %q", o.baseline, src)); err != nil {
			return fmt.Errorf("git archive %s: %w", o.baseline, err)
		}
		baseline = filepath.Join(src, "krm-fn")
		if err := sh(src, nil, "go", "build", "-o", baseline, "./cmd/krm-fn"); err != nil {
			return err
		}
	}

	renderers := []renderer{
		{name: "krm-fn alone (ResourceList in, ResourceList out)", maxSize: 1 << 30, check: "objects",
			cmd: func(env string) []string { return []string{krmfn} }},
		{name: "helm template (bench/chart)", maxSize: 1 << 30, check: "objects",
			cmd: func(env string) []string {
				return []string{o.helm, "template", "bench", chart, "-f", filepath.Join(env, workload.HelmValues)}
			}},
		{name: "kustomize build, hand-written output", maxSize: 1000, why: "quadratic: minutes", check: "bytes",
			cmd: func(env string) []string {
				return []string{o.kustomize, "build", filepath.Join(env, workload.HandwrittenDir)}
			}},
		{name: "kustomize build + krm-fn (transformer)", maxSize: 1000, why: "quadratic: minutes", check: "bytes",
			cmd: func(env string) []string {
				return []string{o.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", filepath.Join(env, workload.TransformerDir)}
			}},
		{name: "kustomize build + krm-fn (generator, one per service)", maxSize: 300, why: "a process per service, and quadratic", check: "",
			cmd: func(env string) []string {
				return []string{o.kustomize, "build", "--enable-alpha-plugins", "--enable-exec", filepath.Join(env, workload.GeneratorDir)}
			}},
		{name: "krm-fn render (the transformer overlay)", maxSize: 1000, why: "kustomize still loads the exposures quadratically", check: "bytes",
			cmd: func(env string) []string {
				return []string{krmfn, "render", filepath.Join(env, workload.TransformerDir)}
			}},
	}
	if baseline != "" {
		renderers = append(renderers, renderer{name: "krm-fn alone, before the optimisations (" + o.baseline + ")", maxSize: 1000, why: "minutes", check: "objects",
			cmd: func(env string) []string { return []string{baseline} }})
	}

	report := &report{started: time.Now(), loadBefore: loadavg(), cpuBefore: cpuTimes(), sizes: o.sizes, renderers: renderers, results: map[int][]measurement{}, baseline: o.baseline}
	report.machine = machine(o)
	for _, n := range o.sizes {
		env := filepath.Join(work, fmt.Sprintf("env-%d", n))
		opts := workload.Options{Services: n, Namespaces: max(1, n/50), KrmFn: krmfn}
		logf("generating %d services across %d namespaces in %s", opts.Services, opts.Namespaces, env)
		if err := workload.Write(env, opts); err != nil {
			return err
		}
		rl, err := os.ReadFile(filepath.Join(env, workload.ResourceList))
		if err != nil {
			return err
		}
		var ms []measurement
		for _, r := range renderers {
			if n > r.maxSize {
				ms = append(ms, measurement{skipped: r.why})
				continue
			}
			var stdin []byte
			if argv := r.cmd(env); len(argv) == 1 { // krm-fn alone
				stdin = rl
			}
			m, err := measure(o, r, env, bin, stdin)
			if err != nil {
				return fmt.Errorf("%d services, %s: %w", n, r.name, err)
			}
			ms = append(ms, m)
		}
		check(renderers, ms)
		for i := range ms {
			ms[i].output = nil // keep the memory for the next size
		}
		report.results[n] = ms
	}
	if o.cmpServer != "" {
		if report.argocd, err = argocdBench(o, root, work); err != nil {
			return err
		}
	}
	if o.goBench {
		logf("go test -bench BenchmarkProcess ./fn")
		var out bytes.Buffer
		cmd := exec.Command("go", "test", "./fn", "-run", "^$", "-bench", "^BenchmarkProcess$", "-benchtime", "3x", "-timeout", "60m")
		cmd.Dir, cmd.Stdout, cmd.Stderr = root, &out, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go test -bench: %v\n%s", err, out.String())
		}
		report.goBench = parseGoBench(out.String())
	}
	report.loadAfter = loadavg()
	report.steal = stealShare(report.cpuBefore, cpuTimes())
	report.finished = time.Now()
	if !filepath.IsAbs(o.out) {
		o.out = filepath.Join(root, o.out)
	}
	if err := os.WriteFile(o.out, []byte(report.markdown()), 0o644); err != nil {
		return err
	}
	logf("wrote %s", o.out)
	return nil
}

// measure runs r on env up to o.runs times (fewer once o.budget is spent)
// and keeps the medians.
func measure(o options, r renderer, env, bin string, stdin []byte) (measurement, error) {
	var walls, cpus []time.Duration
	var rsss []int64
	var output []byte
	// The renderer reads and writes files, as a shell redirection would:
	// through pipes, this process would copy every byte while it runs, on
	// a machine with as few as two CPUs.
	inFile, outFile := filepath.Join(bin, "stdin"), filepath.Join(bin, "stdout")
	if err := os.WriteFile(inFile, stdin, 0o644); err != nil {
		return measurement{}, err
	}
	start := time.Now()
	// One run first that does not count (caches, the first start of a
	// binary), as hyperfine's --warmup, unless it is slow.
	for i := -1; i < o.runs; i++ {
		if i > 0 && time.Since(start) > o.budget {
			break
		}
		// The peak memory comes from GNU time: the kernel's figure for a
		// child of this process would count this process's memory too (Go
		// starts children sharing its address space until they exec).
		rssFile := filepath.Join(bin, "rss")
		argv := append([]string{o.time, "-f", "%M", "-o", rssFile}, r.cmd(env)...)
		ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir = env
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		in, err := os.Open(inFile)
		if err != nil {
			cancel()
			return measurement{}, err
		}
		out, err := os.Create(outFile)
		if err != nil {
			in.Close()
			cancel()
			return measurement{}, err
		}
		var stderr bytes.Buffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, &stderr
		t := time.Now()
		err = cmd.Run()
		wall := time.Since(t)
		cancel()
		in.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return measurement{}, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, tail(stderr.String()))
		}
		// A renderer that takes long gains nothing from a warm-up: its
		// first run is its only one.
		slow := i < 0 && wall > o.budget/2
		if i < 0 && !slow {
			continue
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		rss, err := readRSS(rssFile)
		if err != nil {
			return measurement{}, err
		}
		walls = append(walls, wall)
		cpus = append(cpus, time.Duration(ru.Utime.Nano()+ru.Stime.Nano()))
		rsss = append(rsss, rss)
		if output, err = os.ReadFile(outFile); err != nil {
			return measurement{}, err
		}
		if slow {
			logf("  %-55s run 1: %6.2fs wall %6.2fs CPU %5d MiB (no warm-up: too slow)", r.name, wall.Seconds(), cpus[0].Seconds(), rss>>10)
			break
		}
		logf("  %-55s run %d: %6.2fs wall %6.2fs CPU %5d MiB", r.name, i+1, wall.Seconds(), cpus[len(cpus)-1].Seconds(), rss>>10)
	}
	return measurement{runs: len(walls), wall: median(walls), cpu: median(cpus), rss: median(rsss), output: output}, nil
}

// readRSS reads the peak resident set size (KiB) GNU time wrote.
func readRSS(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	lines := strings.Fields(string(b))
	if len(lines) == 0 {
		return 0, fmt.Errorf("%s: no peak memory from GNU time", path)
	}
	return strconv.ParseInt(lines[len(lines)-1], 10, 64)
}

func median[T int64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

func sh(dir string, env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stderr, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	return cmd.Run()
}

// check compares what the renderers printed: those that go through
// kustomize must print the very bytes of kustomize with krm-fn; krm-fn
// alone and helm must render the same objects.
func check(rs []renderer, ms []measurement) {
	var bytesRef, objectsRef []byte
	for i, r := range rs {
		switch {
		case ms[i].skipped != "":
		case r.check == "bytes" && strings.Contains(r.name, "transformer"):
			bytesRef = ms[i].output
		case r.check == "objects" && strings.HasPrefix(r.name, "krm-fn alone"):
			objectsRef = ms[i].output
		}
	}
	for i, r := range rs {
		m := &ms[i]
		if m.skipped != "" {
			continue
		}
		switch r.check {
		case "bytes":
			if bytesRef != nil && !bytes.Equal(m.output, bytesRef) {
				m.checkError = "output differs from kustomize build + krm-fn"
			}
		case "objects":
			if err := sameObjects(m.output, objectsRef); err != nil {
				m.checkError = err.Error()
			}
		}
	}
}

// sameObjects says whether two renderings hold the same objects (as
// data: key order, quoting and comments aside).
func sameObjects(a, b []byte) error {
	oa, err := objects(a)
	if err != nil {
		return err
	}
	ob, err := objects(b)
	if err != nil {
		return err
	}
	if len(oa) != len(ob) {
		return fmt.Errorf("%d objects, krm-fn renders %d", len(oa), len(ob))
	}
	for k, v := range ob {
		if oa[k] != v {
			return fmt.Errorf("%s differs from krm-fn's", k)
		}
	}
	return nil
}

func objects(out []byte) (map[string]string, error) {
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(out), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, it := range items {
		if it.IsNilOrEmpty() {
			continue
		}
		j, err := it.MarshalJSON()
		if err != nil {
			return nil, err
		}
		m[it.GetApiVersion()+" "+it.GetKind()+" "+it.GetNamespace()+"/"+it.GetName()] = string(j)
	}
	return m, nil
}

// goBench is one line of go test -bench output.
type goBench struct {
	name                                  string
	iterations                            int
	nsPerOp, nsPerExposure, bytes, allocs float64
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)

func parseGoBench(out string) []goBench {
	var bs []goBench
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		b := goBench{name: m[1]}
		b.iterations, _ = strconv.Atoi(m[2])
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, _ := strconv.ParseFloat(f[i], 64)
			switch f[i+1] {
			case "ns/op":
				b.nsPerOp = v
			case "ns/exposure":
				b.nsPerExposure = v
			case "B/op":
				b.bytes = v
			case "allocs/op":
				b.allocs = v
			}
		}
		bs = append(bs, b)
	}
	return bs
}

// cpuTimes are the machine's CPU times so far (the "cpu" line of
// /proc/stat, in clock ticks: user, nice, system, idle, iowait, irq,
// softirq, steal); nil where there is no /proc/stat.
func cpuTimes() []uint64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return nil
	}
	var t []uint64
	for _, v := range f[1:9] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil
		}
		t = append(t, n)
	}
	return t
}

// stealShare is the share of the CPU time between before and after that
// the hypervisor gave to other machines (steal): on a virtual machine
// whose host is busy, every figure of the run is slower by about that
// much. "unknown" without /proc/stat.
func stealShare(before, after []uint64) string {
	if len(before) != 8 || len(after) != 8 {
		return "unknown"
	}
	var total uint64
	for i := range after {
		total += after[i] - before[i]
	}
	if total == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(after[7]-before[7])/float64(total))
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return strings.TrimSpace(string(b))
	}
	return strings.Join(f[:3], " ")
}

func machine(o options) []string {
	var m []string
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m = append(m, "CPU: "+strings.TrimSpace(v))
				break
			}
		}
	}
	m = append(m, fmt.Sprintf("cores: %d (GOMAXPROCS %d)", runtime.NumCPU(), runtime.GOMAXPROCS(0)))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if l, _, ok := strings.Cut(string(b), "\n"); ok {
			m = append(m, "memory: "+strings.Join(strings.Fields(l)[1:], " "))
		}
	}
	m = append(m, "OS: "+runtime.GOOS+"/"+runtime.GOARCH, "Go: "+runtime.Version())
	for _, t := range [][]string{{o.kustomize, "version"}, {o.helm, "version", "--short"}} {
		out, err := exec.Command(t[0], t[1:]...).Output()
		if err == nil {
			m = append(m, filepath.Base(t[0])+": "+strings.TrimSpace(string(out)))
		}
	}
	if o.cmpServer != "" {
		m = append(m, "argocd-cmp-server: "+argoVersion(o.cmpServer))
	}
	return m
}
