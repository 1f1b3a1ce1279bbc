// Package emit holds what krm-fn renders: the table of output kinds
// (kinds.go), which everything that needs to know the kinds reads, and
// one pure builder per output kind (one file each), reading only the
// resolved model: typed k8s.io/api and Gateway API objects, and Istio's
// networking.istio.io/v1 types from istio.io/api in a Kubernetes envelope
// (IstioObject). Builders do no defaulting, no validation and no I/O.
package emit
