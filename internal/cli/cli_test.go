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

// TestMistypedCommand: a mistyped command is no file name to render, and
// the error says which command was meant.
func TestMistypedCommand(t *testing.T) {
	t.Chdir(t.TempDir())
	for args, want := range map[string]string{
		"valdate .":  "krm-fn: unknown command \"valdate\", and no such file\n\nDid you mean this?\n\tvalidate\n",
		"rendr x":    "Did you mean this?\n\trender\n",
		"imprt":      "Did you mean this?\n\timport\n",
		"frobnicate": "krm-fn: unknown command \"frobnicate\", and no such file\nRun 'krm-fn --help' for the commands.\n",
	} {
		var stdout, stderr bytes.Buffer
		cmd := cli.NewCommand()
		cmd.SetArgs(strings.Fields(args))
		cmd.SetIn(strings.NewReader(""))
		cmd.SetOut(&stdout)
		cmd.SetErr(&stderr)
		if err := cmd.Execute(); err == nil {
			t.Errorf("krm-fn %s succeeded", args)
		}
		if !strings.Contains(stderr.String(), want) || stdout.Len() > 0 {
			t.Errorf("krm-fn %s: stderr %q, stdout %q; want stderr with %q", args, stderr.String(), stdout.String(), want)
		}
	}
}

func TestVersionFlag(t *testing.T) {
	var stdout bytes.Buffer
	cmd := cli.NewCommand()
	cmd.SetArgs([]string{"--version"})
	cmd.SetOut(&stdout)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "krm-fn ") || !strings.HasSuffix(stdout.String(), "\n") || strings.Count(stdout.String(), "\n") != 1 {
		t.Errorf("krm-fn --version printed %q, want one line as krm-fn version prints it", stdout.String())
	}
}
