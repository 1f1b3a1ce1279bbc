package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/internal/cli"
)

// TestHelpShowsExamples: what a person types first must answer with
// commands to copy.
func TestHelpShowsExamples(t *testing.T) {
	for args, want := range map[string][]string{
		"--help": {
			"krm-fn overlays/prd/platform.yaml bases/cb-test-api/exposure.yaml",
			"krm-fn validate overlays/prd/platform.yaml bases/",
			"validate    Check ServiceExposure and ExposurePlatform specs",
		},
		"validate --help": {"Examples:\n  # every overlay of the repository, and any spec no overlay uses\n  krm-fn validate .", "krm-fn validate overlays/prd/platform.yaml bases/"},
		"install --help":  {"krm-fn install /custom-tools"},
		"import --help":   {"krm-fn import --verify manifests/ > exposures.yaml", "Exit status: 0 when everything was carried over"},
	} {
		var out bytes.Buffer
		cmd := cli.NewCommand()
		cmd.SetArgs(strings.Fields(args))
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("krm-fn %s: %v", args, err)
		}
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("krm-fn %s lacks %q:\n%s", args, w, out.String())
			}
		}
	}
}
