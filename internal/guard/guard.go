// Package guard bounds the memory and the time of a krm-fn process that
// builds repositories nobody reviewed (render, the Argo CD plugin, the
// hooks, validate). The checks before and during a build (internal/render)
// refuse every shape of input known to cost more than its size, with a
// message naming the file; the guard is what holds when one is not known:
// a build whose memory passes its bound, or that runs past its time, ends
// the process with a message naming the build, and nothing is rendered.
package guard

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// The memory a build may take: Base for krm-fn and kustomize themselves,
// PerInputByte for every byte of the repository's files the build reads
// (each counted once), PerExposure for every exposure it expands (the
// objects it renders, held by kustomize). docs/security.md.
const (
	Base         = 256 << 20
	PerInputByte = 100
	PerExposure  = 256 << 10
)

// interval is how often the guard looks.
const interval = 10 * time.Millisecond

// Guard watches the process for the builds it runs, one at a time.
type Guard struct {
	out  io.Writer
	exit func(code int)
	base int64 // Base, but in tests

	mu        sync.Mutex
	what      string // the build running; "" between builds
	timeout   time.Duration
	started   time.Time
	input     int64
	exposures int64

	stop chan struct{}
	done chan struct{}
}

// Start starts a guard that reports on out and ends the process (exit
// status 1) when a build passes its memory bound or its time.
func Start(out io.Writer) *Guard {
	return start(out, os.Exit)
}

func start(out io.Writer, exit func(int)) *Guard {
	g := &Guard{out: out, exit: exit, base: Base, stop: make(chan struct{}), done: make(chan struct{})}
	go g.watch()
	return g
}

// Stop stops watching.
func (g *Guard) Stop() {
	close(g.stop)
	<-g.done
}

// Building says that the build of what starts now and may take timeout
// (0: no limit); every count of the one before is dropped.
func (g *Guard) Building(what string, timeout time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.what, g.timeout, g.started, g.input, g.exposures = what, timeout, time.Now(), 0, 0
	g.bound()
}

// Done says that the build running has ended.
func (g *Guard) Done() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.what = ""
	debug.SetMemoryLimit(math.MaxInt64)
}

// bound has the garbage collector keep the process's memory within the
// build's bound while it can (a soft limit: it collects more often as the
// heap nears it), so that what the guard sees past it is live. The caller
// holds g.mu.
func (g *Guard) bound() {
	debug.SetMemoryLimit(g.limit())
}

// Input says that the build has read n bytes of files, each counted once.
func (g *Guard) Input(n int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.input = max(g.input, n)
	g.bound()
}

// Exposures says that the build expands n exposures.
func (g *Guard) Exposures(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.exposures += int64(n)
	g.bound()
}

// Limit is the memory the build running may take.
func (g *Guard) Limit() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limit()
}

func (g *Guard) limit() int64 {
	return g.base + PerInputByte*g.input + PerExposure*g.exposures
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}

// heap is the memory the Go heap's objects hold, live or not yet freed,
// and the goroutines' stacks (a recursion without end grows one).
func heap() int64 {
	metrics.Read(heapSample)
	return int64(heapSample[0].Value.Uint64() + heapSample[1].Value.Uint64())
}

func (g *Guard) watch() {
	defer close(g.done)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-tick.C:
		}
		if msg := g.check(); msg != "" {
			fmt.Fprintln(g.out, msg)
			g.exit(1)
			return
		}
	}
}

// check says why the build running must stop, if it must.
func (g *Guard) check() string {
	g.mu.Lock()
	what, timeout, started, limit := g.what, g.timeout, g.started, g.limit()
	g.mu.Unlock()
	if what == "" {
		return ""
	}
	if timeout > 0 && time.Since(started) > timeout {
		return fmt.Sprintf("krm-fn: building %s took longer than %s, the most it may take here (--timeout); stopped, nothing was rendered (docs/security.md)", what, timeout)
	}
	used := heap()
	if used <= limit {
		return ""
	}
	if used < limit+limit/4 {
		runtime.GC() // what is left is live
		used = heap()
	}
	if used > limit {
		g.mu.Lock()
		input, exposures := g.input, g.exposures
		g.mu.Unlock()
		return fmt.Sprintf("krm-fn: building %s took %d MiB of memory, more than the %d MiB it may take (%d MiB, %d times the %d bytes of files it read, and %d KiB for each of its %d exposures); stopped, nothing was rendered (docs/security.md)",
			what, used>>20, limit>>20, g.base>>20, PerInputByte, input, PerExposure>>10, exposures)
	}
	return ""
}
