// Command istio-proof runs istiod's own configuration generation over a
// cluster's objects and says how Envoy would route: the routing table of
// every port of every ingress gateway and of the mesh's sidecars, the
// problems istiod meets (objects it refuses or ignores, conflicts, routes
// to clusters that do not exist or have no endpoints, Gateway API status),
// and the answer to each request it is given.
//
//	istio-proof [-requests requests.json] [-o json|table] cluster.yaml
//
// cluster.yaml holds every object of the cluster (the rendering, and the
// workloads, Services and gateway pods that stand in for the rest of the
// cluster: conformance/synth.go). It is the conformance suite's tool
// (docs/conformance.md); it runs Istio's FakeDiscoveryServer, what
// Istio's own tests use, and needs no cluster.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	istiolog "istio.io/istio/pkg/log"
	"istio.io/istio/pkg/test"
)

func main() {
	requests := flag.String("requests", "", "a JSON file of requests to answer")
	format := flag.String("o", "json", "json or table")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: istio-proof [-requests requests.json] [-o json|table] cluster.yaml")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || (*format != "json" && *format != "table") {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *requests, *format, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "istio-proof:", err)
		os.Exit(1)
	}
}

func run(clusterFile, requestsFile, format string, w io.Writer) error {
	opts := istiolog.DefaultOptions()
	opts.SetDefaultOutputLevel(istiolog.OverrideScopeName, istiolog.ErrorLevel)
	opts.OutputPaths = []string{"stderr"}
	opts.ErrorOutputPaths = []string{"stderr"}
	if err := istiolog.Configure(opts); err != nil {
		return err
	}
	data, err := os.ReadFile(clusterFile)
	if err != nil {
		return err
	}
	c, err := readCluster(data)
	if err != nil {
		return fmt.Errorf("%s: %w", clusterFile, err)
	}
	var reqs []Request
	if requestsFile != "" {
		b, err := os.ReadFile(requestsFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &reqs); err != nil {
			return fmt.Errorf("%s: %w", requestsFile, err)
		}
	}
	var rep *Report
	if err := test.Wrap(func(t test.Failer) { rep = prove(t, c, reqs) }); err != nil {
		return fmt.Errorf("istiod: %w", err)
	}
	if format == "table" {
		return printTables(w, rep)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
