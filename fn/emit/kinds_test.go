package emit

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	gwapiv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// TestKinds: the table of output kinds names each kind as the API it
// comes from does, and finds each from its apiVersion and kind.
func TestKinds(t *testing.T) {
	want := map[Kind]string{
		KindNamespace:         corev1.SchemeGroupVersion.String(),
		KindService:           corev1.SchemeGroupVersion.String(),
		KindGatewayAPIGateway: gwapiv1.GroupVersion.String(),
		KindHTTPRoute:         gwapiv1.GroupVersion.String(),
		KindTCPRoute:          gwapiv1.GroupVersion.String(),
		KindTLSRoute:          gwapiv1.GroupVersion.String(),
		KindReferenceGrant:    gwapiv1.GroupVersion.String(),
		KindIngress:           networkingv1.SchemeGroupVersion.String(),
	}
	for _, k := range Kinds() {
		if v, ok := want[k]; ok && k.APIVersion() != v {
			t.Errorf("%s: apiVersion %s, its Go types' %s", k, k.APIVersion(), v)
		}
		if got, ok := KindOf(k.APIVersion(), k.String()); !ok || got != k {
			t.Errorf("KindOf(%s, %s) = %v, %v", k.APIVersion(), k, got, ok)
		}
		if k.Owned() == (k == KindNamespace) {
			t.Errorf("%s: owned %v; every kind but Namespace has an owner", k, k.Owned())
		}
	}
	if _, ok := KindOf("apps/v1", "Deployment"); ok {
		t.Error("KindOf(apps/v1, Deployment): krm-fn renders none")
	}
	for apiVersion, want := range map[string]string{
		"v1": "", "apps/v1": "", "networking.istio.io/v1": servedByIstio,
		"gateway.networking.k8s.io/v1": servedByGatewayAPI, "networking.k8s.io/v1": servedByIngress,
	} {
		if got := ServedBy(apiVersion); got != want {
			t.Errorf("ServedBy(%s) = %q, want %q", apiVersion, got, want)
		}
	}
}
