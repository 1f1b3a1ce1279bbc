package emit

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Kind is a kind krm-fn renders. Kinds are declared in output order.
type Kind int

// The kinds krm-fn renders, in the order they are output.
const (
	KindNamespace Kind = iota
	KindService
	KindGateway
	KindVirtualService
	KindDestinationRule
	KindGatewayAPIGateway
	KindHTTPRoute
	KindReferenceGrant
	KindIngress
)

// IstioNetworkingV1 is the API version of the Istio objects.
const IstioNetworkingV1 = "networking.istio.io/v1"

// GatewayAPIV1 is the API version of the Gateway API objects.
const GatewayAPIV1 = "gateway.networking.k8s.io/v1"

var kinds = [...]struct{ name, apiVersion string }{
	KindNamespace:         {"Namespace", "v1"},
	KindService:           {"Service", "v1"},
	KindGateway:           {"Gateway", IstioNetworkingV1},
	KindVirtualService:    {"VirtualService", IstioNetworkingV1},
	KindDestinationRule:   {"DestinationRule", IstioNetworkingV1},
	KindGatewayAPIGateway: {"Gateway", GatewayAPIV1},
	KindHTTPRoute:         {"HTTPRoute", GatewayAPIV1},
	KindReferenceGrant:    {"ReferenceGrant", GatewayAPIV1},
	KindIngress:           {"Ingress", "networking.k8s.io/v1"},
}

// String is the kind's name, e.g. "VirtualService".
func (k Kind) String() string { return kinds[k].name }

// APIVersion is the apiVersion of the kind's objects.
func (k Kind) APIVersion() string { return kinds[k].apiVersion }

// TypeMeta is the kind and apiVersion of the kind's objects.
func (k Kind) TypeMeta() metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: k.APIVersion(), Kind: k.String()}
}

// Object is what every built object is: a typed Kubernetes object.
type Object interface {
	metav1.Object
	GetObjectKind() schema.ObjectKind
}
