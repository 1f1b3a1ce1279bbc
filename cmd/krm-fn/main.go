// Command krm-fn is the exposure KRM function; see package fn.
package main

import (
	"os"
	"runtime/debug"

	"github.com/krmfn/krm-fn/fn"
)

func main() {
	// A run is short and keeps little alive: collect garbage half as
	// often as Go's default (docs/benchmarks.md). GOGC still overrides.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(200)
	}
	if err := fn.NewCommand().Execute(); err != nil {
		os.Exit(1)
	}
}
