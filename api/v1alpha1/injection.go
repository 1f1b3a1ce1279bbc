package v1alpha1

import "istio.io/api/label"

// The labels by which Istio decides how a pod joins the mesh. Istio reads
// them in an order of its own, silently: istio-injection on a namespace
// wins over istio.io/rev, and a sidecar wins over ztunnel.
var (
	LabelRevision      = label.IoIstioRev.Name           // istio.io/rev
	LabelDataplane     = label.IoIstioDataplaneMode.Name // istio.io/dataplane-mode
	LabelSidecarInject = label.SidecarInject.Name        // sidecar.istio.io/inject
	// With the Gateway API and ambient injection, the waypoint a
	// namespace's Services use for their mesh routing.
	LabelUseWaypoint = label.IoIstioUseWaypoint.Name // istio.io/use-waypoint
	LabelWaypointFor = label.IoIstioWaypointFor.Name // istio.io/waypoint-for

	// NamespaceMeshLabels are the labels of a namespace that say how its
	// pods join the mesh, in the order Istio lets them win.
	NamespaceMeshLabels = []string{LabelIstioInjection, LabelRevision, LabelDataplane}
)

// The waypoint krm-fn renders for mesh routing in an ambient namespace
// (api: gateway-api, injection: ambient): a Gateway of class
// istio-waypoint named waypoint, for the namespace's Services.
const (
	WaypointName         = "waypoint"
	GatewayClassWaypoint = "istio-waypoint"
	WaypointForService   = "service"
)

// Waypoints says whether mesh routing goes through a waypoint: with the
// Gateway API in the ambient mesh.
func (s *ExposurePlatformSpec) Waypoints() bool {
	return s.API == APIGatewayAPI && s.Injection == InjectionAmbient
}

// The values krm-fn gives those labels.
const (
	InjectionEnabled     = "enabled" // istio-injection
	SidecarInjectEnabled = "true"    // sidecar.istio.io/inject
	DataplaneAmbient     = "ambient" // istio.io/dataplane-mode
)

// NamespaceLabel is the label (key and value) the platform puts on the
// namespaces of the Services krm-fn creates; ok is false when its
// injection labels no namespace.
func (s *ExposurePlatformSpec) NamespaceLabel() (key, value string, ok bool) {
	switch s.Injection {
	case InjectionNamespace:
		if s.Revision != "" {
			return LabelRevision, s.Revision, true
		}
		return LabelIstioInjection, InjectionEnabled, true
	case InjectionAmbient:
		return LabelDataplane, DataplaneAmbient, true
	}
	return "", "", false
}

// PodLabel is the label (key and value) the platform puts on the pod
// templates of the workloads whose pods the Services krm-fn creates
// select; ok is false when its injection labels no pods.
func (s *ExposurePlatformSpec) PodLabel() (key, value string, ok bool) {
	if s.Injection != InjectionWorkload {
		return "", "", false
	}
	if s.Revision != "" {
		return LabelRevision, s.Revision, true
	}
	return LabelSidecarInject, SidecarInjectEnabled, true
}
