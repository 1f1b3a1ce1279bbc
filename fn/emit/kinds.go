package emit

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Kind is a kind of object krm-fn renders: a row of the table of output
// kinds below, which everything that needs to know what krm-fn renders
// reads (the plan's output order, the checks of reserved and colliding
// objects, the replacement of an earlier run's output, import, and the
// Argo CD plugin's check that the cluster serves the rendering). A new
// output kind is a row here and its builder.
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
	KindTCPRoute
	KindTLSRoute
	KindReferenceGrant
	KindIngress
	KindCertificate
)

// The API groups of the kinds, and what a cluster runs to serve them.
const (
	istioGroup       = "networking.istio.io"
	gatewayAPIGroup  = "gateway.networking.k8s.io"
	ingressGroup     = "networking.k8s.io"
	certManagerGroup = "cert-manager.io"

	servedByIstio       = "Istio 1.22 or later, with its CRDs"
	servedByGatewayAPI  = "the Gateway API's CRDs, standard channel v1.6.3 or later"
	servedByIngress     = "Kubernetes 1.19 or later"
	servedByCertManager = "cert-manager 1.0 or later, with its CRDs"
)

// kinds is the table of output kinds, in output order.
var kinds = [...]struct {
	group, version, name string
	// owned: every object of the kind carries the owner annotation of
	// what it is rendered for (an exposure, a shared host, the
	// environment's Gateway), and a run replaces what an earlier run
	// rendered for the same owner. A Namespace has no owner: several
	// exposures share it.
	owned bool
	// servedBy is what a cluster runs to serve the kind; "" for
	// Kubernetes' core API, which every cluster serves.
	servedBy string
}{
	KindNamespace:         {"", "v1", "Namespace", false, ""},
	KindService:           {"", "v1", "Service", true, ""},
	KindGateway:           {istioGroup, "v1", "Gateway", true, servedByIstio},
	KindVirtualService:    {istioGroup, "v1", "VirtualService", true, servedByIstio},
	KindDestinationRule:   {istioGroup, "v1", "DestinationRule", true, servedByIstio},
	KindGatewayAPIGateway: {gatewayAPIGroup, "v1", "Gateway", true, servedByGatewayAPI},
	KindHTTPRoute:         {gatewayAPIGroup, "v1", "HTTPRoute", true, servedByGatewayAPI},
	KindTCPRoute:          {gatewayAPIGroup, "v1", "TCPRoute", true, servedByGatewayAPI},
	KindTLSRoute:          {gatewayAPIGroup, "v1", "TLSRoute", true, servedByGatewayAPI},
	KindReferenceGrant:    {gatewayAPIGroup, "v1", "ReferenceGrant", true, servedByGatewayAPI},
	KindIngress:           {ingressGroup, "v1", "Ingress", true, servedByIngress},
	KindCertificate:       {certManagerGroup, "v1", "Certificate", true, servedByCertManager},
}

// Kinds are the kinds krm-fn renders, in output order.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	for i := range kinds {
		out[i] = Kind(i)
	}
	return out
}

// KindOf is the output kind of objects of apiVersion and kind, if krm-fn
// renders such objects.
func KindOf(apiVersion, kind string) (Kind, bool) {
	for _, k := range Kinds() {
		if k.APIVersion() == apiVersion && k.String() == kind {
			return k, true
		}
	}
	return 0, false
}

// String is the kind's name, e.g. "VirtualService".
func (k Kind) String() string { return kinds[k].name }

// Group is the kind's API group ("" for the core group).
func (k Kind) Group() string { return kinds[k].group }

// APIVersion is the apiVersion of the kind's objects.
func (k Kind) APIVersion() string {
	return schema.GroupVersion{Group: kinds[k].group, Version: kinds[k].version}.String()
}

// TypeMeta is the kind and apiVersion of the kind's objects.
func (k Kind) TypeMeta() metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: k.APIVersion(), Kind: k.String()}
}

// Owned says whether objects of the kind carry an owner annotation: a
// run replaces what an earlier one rendered for the same owner.
func (k Kind) Owned() bool { return kinds[k].owned }

// ServedBy is what a cluster runs to serve objects of apiVersion, an API
// version of kinds krm-fn renders; "" when every cluster serves it, or
// krm-fn renders nothing of it.
func ServedBy(apiVersion string) string {
	for _, k := range Kinds() {
		if k.APIVersion() == apiVersion {
			return kinds[k].servedBy
		}
	}
	return ""
}

// Object is what every built object is: a typed Kubernetes object.
type Object interface {
	metav1.Object
	GetObjectKind() schema.ObjectKind
}
