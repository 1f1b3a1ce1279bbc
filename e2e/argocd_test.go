package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
		{nil, true, "krm-fn: the overlay . renders no objects, and Argo CD would prune every object of the application: check the overlay, or set the Application's plugin env ALLOW_EMPTY=true if that is intended\n"},
		{[]string{"ARGOCD_ENV_ALLOW_EMPTY=true"}, false, ""},
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
