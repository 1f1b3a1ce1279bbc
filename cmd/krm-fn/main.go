// Command krm-fn is the exposure KRM function; the command line is in
// internal/cli, the function in package fn.
package main

import (
	"os"
	"runtime/debug"

	"github.com/krmfn/krm-fn/internal/cli"
)

func main() {
	// A run is short and keeps little alive: collect garbage half as
	// often as Go's default (docs/benchmarks.md). GOGC still overrides.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(200)
	}
	os.Exit(cli.Main())
}
