// Command gen writes a benchmark environment: N services across M
// namespaces, laid out for every renderer the benchmark compares (see
// package workload).
//
//	go run ./bench/gen -services 1000 -namespaces 20 -out /tmp/bench-1000
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/krmfn/krm-fn/bench/workload"
)

func main() {
	var o workload.Options
	flag.IntVar(&o.Services, "services", 100, "how many services")
	flag.IntVar(&o.Namespaces, "namespaces", 10, "how many namespaces they are spread across")
	out := flag.String("out", "", "the directory to write (required)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	if err := workload.Write(*out, o); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
