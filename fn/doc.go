// Package fn is the krm-fn KRM function: it expands ServiceExposure specs
// (exposure.krmfn.io/v1alpha1, package api/v1alpha1) into the Service,
// Istio Gateway, VirtualService and DestinationRule, and the AWS ALB
// Ingress that expose a service through an ALB into an Istio mesh.
//
// The processor (processor.go) runs, in order:
//
//	read     sort the input into specs and everything else (input.go)
//	decode   strictly, with field paths and suggestions (decode.go)
//	default  v1alpha1's Default methods
//	validate v1alpha1's Validate methods: every problem, with its path
//	resolve  one model.Exposure per spec: hosts, names, ports computed once
//	check    the problems that span exposures (conflicts.go, warnings.go)
//	build    one pure builder per output kind (package emit), called from
//	         generated.go; sidecar injection (injection.go)
//	collide  generated objects that would overwrite input (collisions.go)
//	output   the ResourceList, encoded and written item by item
//	         (execute.go, with internal/fastyaml)
//
// Every problem is collected with its field path before anything is
// emitted; a run with any error emits no items.
package fn
