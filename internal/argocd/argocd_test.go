package argocd

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/resid"
)

// TestServedByCluster: a rendering is refused on a cluster that does not
// serve one of its kinds, by group version, or by kind where Argo CD lists
// the kinds of that group version (a Gateway API whose CRDs predate the
// TCPRoute and TLSRoute of its v1).
func TestServedByCluster(t *testing.T) {
	core := "v1,v1/Service,apps/v1,apps/v1/Deployment"
	gatewayAPI := "gateway.networking.k8s.io/v1,gateway.networking.k8s.io/v1/Gateway,gateway.networking.k8s.io/v1/HTTPRoute"
	rendering := []resid.Gvk{
		{Version: "v1", Kind: "Service"},
		{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "Gateway"},
		{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "TCPRoute"},
		{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "TLSRoute"},
	}
	for _, tc := range []struct {
		name, served string
		objects      []resid.Gvk
		missing      string // "": served
	}{
		{"every kind listed", core + "," + gatewayAPI + ",gateway.networking.k8s.io/v1/TCPRoute,gateway.networking.k8s.io/v1/TLSRoute", rendering, ""},
		{"group version only, no kinds listed", "v1,gateway.networking.k8s.io/v1", rendering, ""},
		{"no TCPRoute nor TLSRoute", core + "," + gatewayAPI, rendering,
			"gateway.networking.k8s.io/v1/TCPRoute (needs the Gateway API's CRDs, standard channel v1.6.3 or later) or gateway.networking.k8s.io/v1/TLSRoute (needs the Gateway API's CRDs, standard channel v1.6.3 or later)"},
		{"no Gateway API", core, rendering, "gateway.networking.k8s.io/v1 (needs the Gateway API's CRDs, standard channel v1.6.3 or later)"},
		{"HTTPRoutes only", core + "," + gatewayAPI, rendering[:2], ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envKubeAPIVersions, tc.served)
			t.Setenv("PARAM_"+checkAPI, "")
			t.Setenv("ARGOCD_ENV_"+checkAPI, "")
			t.Setenv(envKubeVersion, "1.34.0")
			err := servedByCluster(tc.objects)
			switch {
			case tc.missing == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.missing != "" && (err == nil || !strings.Contains(err.Error(), "does not serve "+tc.missing+", which")):
				t.Errorf("err %v, want it to name %s", err, tc.missing)
			}
		})
	}
}
