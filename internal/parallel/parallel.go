// Package parallel runs work on every CPU, in parts.
package parallel

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers is how many goroutines Run runs for n items: one per CPU.
func Workers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n))
}

// PartSize is how many items Run hands a worker at a time: small enough
// that workers finish together though items differ in cost.
const PartSize = 64

// Run calls f on consecutive parts [lo, hi) of [0, n), on every CPU:
// worker (below Workers(n)) says which goroutine runs the part, so that f
// can keep state per worker. Part k starts at k*PartSize. It returns the
// parts' errors; a panic in f (in a library it calls, on input nobody
// foresaw) is one of them, not the end of the process.
func Run(n int, f func(worker, lo, hi int) error) error {
	f = recovered(f)
	var next atomic.Int64
	errs := make([]error, Workers(n))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for {
				lo := int(next.Add(PartSize)) - PartSize
				if lo >= n {
					return
				}
				if err := f(w, lo, min(lo+PartSize, n)); err != nil {
					errs[w] = errors.Join(errs[w], err)
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// recovered is f with a panic turned into its error.
func recovered(f func(worker, lo, hi int) error) func(worker, lo, hi int) error {
	return func(worker, lo, hi int) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("krm-fn: internal error on items %d to %d, please report it: %v", lo, hi-1, r)
			}
		}()
		return f(worker, lo, hi)
	}
}
