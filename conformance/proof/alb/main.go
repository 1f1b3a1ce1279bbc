// Command alb-proof runs the AWS Load Balancer Controller's own model
// builder (sigs.k8s.io/aws-load-balancer-controller/v3, pkg/ingress) over
// a cluster's Ingresses and says what ALBs it would make: per IngressGroup,
// the listeners (ports, protocols, certificates, SSL policy, default
// action), the rules in the ALB's order, the target groups and their
// health checks; the Ingresses and groups it refuses; and the answer to
// each request it is given.
//
//	alb-proof [-requests requests.json] cluster.yaml
//
// It drives the controller as the controller's own tests do: a
// controller-runtime fake client holds the objects, and the AWS calls the
// model builder makes are answered by the controller's own mocks (two
// subnets, a backend security group, no existing load balancer); any other
// AWS call is a problem, never an answer made up. It is the conformance
// suite's tool (docs/conformance.md).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	requests := flag.String("requests", "", "a JSON file of requests to answer")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: alb-proof [-requests requests.json] cluster.yaml")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *requests, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "alb-proof:", err)
		os.Exit(1)
	}
}

func run(clusterFile, requestsFile string, w io.Writer) error {
	data, err := os.ReadFile(clusterFile)
	if err != nil {
		return err
	}
	objs, err := readCluster(data)
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
	rep, err := prove(objs, reqs)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
