// Package conformance checks what krm-fn renders against the components
// that receive it: every object is applied with a server-side dry run to a
// real kube-apiserver (with Istio's and the Gateway API's CRDs), validated by istioctl, analyzed
// by istioctl across its environment, and its ALB annotations are checked
// against the AWS Load Balancer Controller's documented formats.
//
// A Source is one environment's objects: a rendered overlay or a golden
// case's expected.yaml. A Checker runs every check on a Source and returns
// Findings, each naming the source, the object, the component that
// objected and that component's own words. docs/conformance.md says how to
// run it and how a case declares a warning it expects.
package conformance
