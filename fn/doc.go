// Package fn is the krm-fn KRM function: it expands ServiceExposure specs
// (exposure.krmfn.io/v1alpha1) into the Service, Istio Gateway,
// VirtualService and DestinationRule, and the AWS ALB Ingress that expose a
// service through an ALB into an Istio mesh.
//
// The pipeline is: decode (strict) → default → validate → resolve (one
// model with every host, name and port computed once) → build (one pure
// builder per output kind) → assemble the ResourceList. Every problem is
// collected with its field path before anything is emitted; a run with any
// error emits no items.
package fn
