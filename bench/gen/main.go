// Command gen writes a benchmark environment: N services across M
// namespaces, laid out for every renderer the benchmark compares (see
// package workload). The hand-written layout is what a krm-fn program
// renders: -krm-fn names one, else gen builds ./cmd/krm-fn (run it from
// the repository's root).
//
//	go run ./bench/gen -services 1000 -namespaces 20 -out /tmp/bench-1000
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/krmfn/krm-fn/bench/workload"
)

func main() {
	var o workload.Options
	flag.IntVar(&o.Services, "services", 100, "how many services")
	flag.IntVar(&o.Namespaces, "namespaces", 10, "how many namespaces they are spread across")
	out := flag.String("out", "", "the directory to write (required)")
	flag.StringVar(&o.KrmFn, "krm-fn", "", "the krm-fn program that renders the hand-written layout (default: ./cmd/krm-fn, built)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	if err := run(*out, o); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// run writes the environment o into out, with a krm-fn built from
// ./cmd/krm-fn unless o names one.
func run(out string, o workload.Options) error {
	if o.KrmFn == "" {
		bin, err := os.MkdirTemp("", "krm-fn-gen")
		if err != nil {
			return err
		}
		defer os.RemoveAll(bin)
		o.KrmFn = filepath.Join(bin, "krm-fn")
		build := exec.Command("go", "build", "-o", o.KrmFn, "./cmd/krm-fn")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building ./cmd/krm-fn: %w", err)
		}
	}
	return workload.Write(out, o)
}
