// Package fn is the krm-fn KRM function: it renders ServiceExposure specs
// (exposure.krmfn.io/v1alpha1, package api/v1alpha1) into the Service,
// Istio Gateway, VirtualService and DestinationRule (or the Gateway API's
// Gateway and HTTPRoute), and the AWS ALB Ingress that expose a service
// through an ALB into an Istio mesh.
//
// A run (run and stages, processor.go) reads the way it runs, one stage a
// call:
//
//	read     sort the input into the platform, the specs and the items
//	         that pass through (read.go)
//	decode   strictly, with field paths and suggestions (decode.go)
//	resolve  each exposure on its own: the build's renames followed
//	         (kustomize.go), defaulted and validated (v1alpha1's Default
//	         and Validate), and resolved (model.Resolve) (resolve.go)
//	model    all of them together: model.NewEnvironment, complete and
//	         immutable from here on
//	check    the problems across exposures, reading the environment
//	         (conflicts.go, destinations.go, shared.go, warnings.go)
//	plan     the objects to render, each with its builder (package emit),
//	         in output order, and the labels to set on the input's
//	         Namespaces and pod templates (plan.go)
//	check    what the plan would render and label against the input
//	         (injection.go, waypoint.go, reserved.go, collisions.go)
//	output   the labels set; each object built, encoded and printed as it
//	         is written (output.go, with internal/yamlout)
//
// Every problem is collected with its field path before anything is
// built; a run with any error renders nothing.
package fn
