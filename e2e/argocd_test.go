package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestArgoCDGenerateRefusesEmpty: an overlay that renders nothing would
// make Argo CD prune the whole application, so the plugin's generate fails
// unless the Application says it is intended. (The other cases of the
// plugin run in Argo CD's own argocd-cmp-server: tools/argocd.)
func TestArgoCDGenerateRefusesEmpty(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources: []\n")
	for _, tc := range []struct {
		env    []string
		fail   bool
		stderr string
	}{
		{nil, true, "krm-fn: the overlay . renders no objects, and Argo CD would prune every object of the application: check the overlay, or set the plugin's parameter ALLOW_EMPTY to true if that is intended\n"},
		{[]string{"ARGOCD_ENV_ALLOW_EMPTY=true"}, false, ""}, // the Application's plugin env
		{[]string{"PARAM_ALLOW_EMPTY=true"}, false, ""},      // its plugin parameter
		{[]string{"PARAM_ALLOW_EMPTY=false", "ARGOCD_ENV_ALLOW_EMPTY=true"}, true, "krm-fn: the overlay . renders no objects, and Argo CD would prune every object of the application: check the overlay, or set the plugin's parameter ALLOW_EMPTY to true if that is intended\n"}, // a parameter wins
	} {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command("krm-fn", "argocd", "generate")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), tc.env...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if (err != nil) != tc.fail || stderr.String() != tc.stderr || strings.TrimSpace(stdout.String()) != "" {
			t.Errorf("env %v: err %v, stdout %q, stderr:\n%s--- want:\n%s", tc.env, err, stdout.String(), stderr.String(), tc.stderr)
		}
	}
}

// TestArgoCDGenerateChecksAPIVersions: the plugin renders for the cluster
// Argo CD deploys to. With the environment argocd-cmp-server passes from
// the repo-server (the application's path, the destination cluster's
// KUBE_VERSION and KUBE_API_VERSIONS), it refuses a rendering of kinds the
// cluster does not serve, saying what serves them (krm-fn's table of
// output kinds), and renders when the cluster serves them all.
func TestArgoCDGenerateChecksAPIVersions(t *testing.T) {
	core := []string{"v1", "v1/Namespace", "v1/Service", "apps/v1", "apps/v1/Deployment", "networking.k8s.io/v1", "networking.k8s.io/v1/Ingress"}
	istio := []string{"networking.istio.io/v1", "networking.istio.io/v1/Gateway", "networking.istio.io/v1/VirtualService", "networking.istio.io/v1/DestinationRule"}
	gatewayAPI := []string{"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1/Gateway", "gateway.networking.k8s.io/v1/HTTPRoute", "gateway.networking.k8s.io/v1/ReferenceGrant"}
	for _, tc := range []struct {
		name, overlay string
		served        []string
		env           []string
		stderr        string // "": renders
	}{
		{"istio on a cluster with Istio", "prd", slices.Concat(core, istio), nil, ""},
		{"istio on a cluster without Istio", "prd", slices.Concat(core, gatewayAPI), nil,
			"krm-fn: the destination cluster (Kubernetes 1.34.0) does not serve networking.istio.io/v1 (needs Istio 1.22 or later, with its CRDs), which the rendered objects use; if this application installs it, set the plugin's parameter CHECK_API_VERSIONS to false\n"},
		{"gateway-api on a cluster with the Gateway API", "prd-gateway-api", slices.Concat(core, istio, gatewayAPI), nil, ""},
		{"gateway-api on a cluster without the Gateway API", "prd-gateway-api", slices.Concat(core, istio), nil,
			"krm-fn: the destination cluster (Kubernetes 1.34.0) does not serve gateway.networking.k8s.io/v1 (needs the Gateway API's CRDs, standard channel v1.6.3 or later), which the rendered objects use; if this application installs it, set the plugin's parameter CHECK_API_VERSIONS to false\n"},
		{"gateway-api on a cluster without the Gateway API, unchecked", "prd-gateway-api", slices.Concat(core, istio), []string{"ARGOCD_ENV_CHECK_API_VERSIONS=false"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := filepath.Join("overlays", tc.overlay)
			var stdout, stderr bytes.Buffer
			cmd := exec.Command("krm-fn", "argocd", "generate")
			cmd.Dir = filepath.Join("..", app)
			// What argocd-cmp-server passes on from the repo-server.
			cmd.Env = append(os.Environ(), "ARGOCD_APP_SOURCE_PATH="+app, "KUBE_VERSION=1.34.0", "KUBE_API_VERSIONS="+strings.Join(tc.served, ","))
			cmd.Env = append(cmd.Env, tc.env...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if tc.stderr == "" {
				want, rerr := os.ReadFile(filepath.Join("..", "rendered", app+".yaml"))
				if rerr != nil {
					t.Fatal(rerr)
				}
				if err != nil || stdout.String() != string(want) {
					t.Fatalf("err %v, stderr:\n%s\nstdout is not rendered/%s.yaml:\n%s", err, stderr.String(), app, stdout.String())
				}
				return
			}
			if err == nil || stderr.String() != tc.stderr || stdout.Len() > 0 {
				t.Errorf("err %v, stdout %d bytes, stderr:\n%s--- want:\n%s", err, stdout.Len(), stderr.String(), tc.stderr)
			}
		})
	}
}
