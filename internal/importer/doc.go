// Package importer turns hand-written exposure manifests (ALB Ingresses,
// Istio Gateways, VirtualServices and DestinationRules, Services,
// Namespaces) into the ExposurePlatform and ServiceExposures that render
// the same routing, naming every setting it cannot carry over, and checks
// the result by rendering it (Verify) and comparing the routing of both.
//
// Three layers: read the manifests into typed objects (read.go, ingress.go),
// build the specs from them (platform.go, exposures.go, routes.go), and
// compare what two sets of objects route (routing.go, verify.go).
package importer
