package emit

import (
	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"istio.io/api/annotation"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gwapiv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// The annotation of a Gateway that sets the type of the Service Istio
// deploys for it (a LoadBalancer otherwise: a cloud load balancer nobody
// uses behind the ALB).
var istioServiceTypeAnnotation = annotation.NetworkingServiceType.Name

// namespaceNameLabel is the label Kubernetes gives every Namespace, its name.
const namespaceNameLabel = corev1.LabelMetadataName

// GatewayAPIGateway builds the environment's Gateway API Gateway: class
// istio, one plain HTTP listener on the gateway port (TLS ends at the
// ALB), which takes HTTPRoutes from the namespaces of the exposures only;
// with TLS at the gateway its HTTPS listeners (checking client
// certificates on the ports of mutual exposures), and the TLS listeners
// of passthrough and the TCP listeners of tcp routes.
func GatewayAPIGateway(g *model.PlatformGateway) *gwapiv1.Gateway {
	meta := ownedMeta(g.Owner, g.Carried, g.Name, g.Namespace)
	meta.Annotations[istioServiceTypeAnnotation] = g.ServiceType
	var listeners []gwapiv1.Listener
	if !g.NoHTTP {
		from := g.Namespaces
		if g.Redirect {
			from = []string{g.Namespace} // the redirect's only
		}
		listeners = append(listeners, gwapiv1.Listener{
			Name:          gatewayServerPortName,
			Port:          g.Port,
			Protocol:      gwapiv1.HTTPProtocolType,
			AllowedRoutes: allowedFrom(from),
		})
	}
	// TLS at the gateway: an HTTPS listener per host (or one for every
	// host behind an ALB that re-encrypts), ending TLS with the Secret of
	// the host's exposure, in this namespace.
	for _, l := range g.TLSListeners {
		terminate := gwapiv1.TLSModeTerminate
		listener := gwapiv1.Listener{
			Name:     gwapiv1.SectionName(l.Name),
			Port:     l.Port,
			Protocol: gwapiv1.HTTPSProtocolType,
			TLS: &gwapiv1.ListenerTLSConfig{
				Mode:            &terminate,
				CertificateRefs: []gwapiv1.SecretObjectReference{{Name: gwapiv1.ObjectName(l.Secret)}},
			},
			AllowedRoutes: allowedFrom(l.Namespaces),
		}
		if l.Hostname != "" {
			listener.Hostname = ptr(gwapiv1.Hostname(l.Hostname))
		}
		listeners = append(listeners, listener)
	}
	// TLS passthrough: a TLS listener per host, which routes the
	// connection by SNI to its TLSRoute's backends, TLS and all.
	for _, l := range g.PassthroughListeners {
		passthrough := gwapiv1.TLSModePassthrough
		listeners = append(listeners, gwapiv1.Listener{
			Name:          gwapiv1.SectionName(l.Name),
			Hostname:      ptr(gwapiv1.Hostname(l.Hostname)),
			Port:          l.Port,
			Protocol:      gwapiv1.TLSProtocolType,
			TLS:           &gwapiv1.ListenerTLSConfig{Mode: &passthrough},
			AllowedRoutes: allowedFrom(l.Namespaces),
		})
	}
	for _, l := range g.TCPListeners {
		listeners = append(listeners, gwapiv1.Listener{
			Name:          gwapiv1.SectionName(l.Name),
			Port:          l.Port,
			Protocol:      gwapiv1.TCPProtocolType,
			AllowedRoutes: allowedFrom([]string{l.Namespace}),
		})
	}
	spec := gwapiv1.GatewaySpec{GatewayClassName: v1alpha1.GatewayClassIstio, Listeners: listeners}
	if len(g.ClientCAs) > 0 {
		spec.TLS = &gwapiv1.GatewayTLSConfig{Frontend: frontendValidation(g.ClientCAs)}
	}
	return &gwapiv1.Gateway{
		TypeMeta:   KindGatewayAPIGateway.TypeMeta(),
		ObjectMeta: meta,
		Spec:       spec,
	}
}

// frontendValidation is the client certificate check of the HTTPS
// listeners of each port of cas (mutual exposures): the Gateway API checks
// them per port, not per listener. A client must present a certificate
// signed by the CA of the Secret's ca.crt (AllowValidOnly), the Secret
// that ends TLS, as with Istio's MUTUAL mode; other ports check none
// (an empty default).
func frontendValidation(cas []model.ClientCA) *gwapiv1.FrontendTLSConfig {
	f := &gwapiv1.FrontendTLSConfig{}
	for _, ca := range cas {
		f.PerPort = append(f.PerPort, gwapiv1.TLSPortConfig{Port: ca.Port, TLS: gwapiv1.TLSConfig{Validation: &gwapiv1.FrontendTLSValidation{
			CACertificateRefs: []gwapiv1.ObjectReference{{Group: "", Kind: "Secret", Name: gwapiv1.ObjectName(ca.Secret)}},
			Mode:              gwapiv1.AllowValidOnly,
		}}})
	}
	return f
}

// allowedFrom takes routes from namespaces only (by their name label).
func allowedFrom(namespaces []string) *gwapiv1.AllowedRoutes {
	from := gwapiv1.NamespacesFromSelector
	return &gwapiv1.AllowedRoutes{Namespaces: &gwapiv1.RouteNamespaces{
		From: &from,
		Selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key:      namespaceNameLabel,
			Operator: metav1.LabelSelectorOpIn,
			Values:   namespaces,
		}}},
	}}
}

// The listener of a waypoint: HBONE on Istio's tunnel port.
const (
	waypointListener = "mesh"
	waypointPort     = 15008
	waypointProtocol = "HBONE"
)

// Waypoint builds the waypoint of an ambient namespace: a Gateway of class
// istio-waypoint, for the namespace's Services, which applies the
// HTTPRoutes attached to them to the calls from inside the mesh.
func Waypoint(w *model.Waypoint) *gwapiv1.Gateway {
	meta := ownedMeta(w.Owner, w.Carried, v1alpha1.WaypointName, w.Namespace)
	meta.Labels[v1alpha1.LabelWaypointFor] = v1alpha1.WaypointForService
	return &gwapiv1.Gateway{
		TypeMeta:   KindGatewayAPIGateway.TypeMeta(),
		ObjectMeta: meta,
		Spec: gwapiv1.GatewaySpec{
			GatewayClassName: v1alpha1.GatewayClassWaypoint,
			Listeners:        []gwapiv1.Listener{{Name: waypointListener, Port: waypointPort, Protocol: waypointProtocol}},
		},
	}
}

// HTTPSRedirectRoute builds the HTTPRoute that answers every request on
// the HTTP listener of g with a redirect to HTTPS (the platform's
// tls.httpsRedirect): the Gateway API's way, a RequestRedirect filter.
func HTTPSRedirectRoute(g *model.PlatformGateway) *gwapiv1.HTTPRoute {
	return &gwapiv1.HTTPRoute{
		TypeMeta:   KindHTTPRoute.TypeMeta(),
		ObjectMeta: ownedMeta(g.Owner, g.Carried, model.RedirectRouteName(g.Name), g.Namespace),
		Spec: gwapiv1.HTTPRouteSpec{
			CommonRouteSpec: gwapiv1.CommonRouteSpec{ParentRefs: []gwapiv1.ParentReference{{
				Name: gwapiv1.ObjectName(g.Name), SectionName: ptr(gwapiv1.SectionName(gatewayServerPortName)),
			}}},
			Rules: []gwapiv1.HTTPRouteRule{{
				Matches: []gwapiv1.HTTPRouteMatch{{Path: &gwapiv1.HTTPPathMatch{Type: ptr(gwapiv1.PathMatchPathPrefix), Value: ptr("/")}}},
				Filters: []gwapiv1.HTTPRouteFilter{{Type: gwapiv1.HTTPRouteFilterRequestRedirect, RequestRedirect: &gwapiv1.HTTPRequestRedirectFilter{
					Scheme: ptr("https"), StatusCode: ptr(301),
				}}},
			}},
		},
	}
}
