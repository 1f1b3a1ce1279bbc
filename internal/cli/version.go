package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of krm-fn",
		Long: `version prints the module version krm-fn was built from (as "go install
...@version" records it; "(devel)" for a build from a checkout), the Go
version, and the commit when the build recorded one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), versionLine(buildInfo()))
			return nil
		},
	}
}

// version, set at link time (-ldflags "-X
// github.com/krmfn/krm-fn/internal/cli.version=v1.2.3"; the release build
// does, .goreleaser.yaml), is the version of a build whose module
// information does not say it (a build from a copy of the source without
// its git history, as in the Dockerfile).
var version string

// buildInfo is the build's module information, with version if set.
func buildInfo() *debug.BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	if version != "" {
		if bi == nil {
			bi = &debug.BuildInfo{}
		}
		bi.Main.Version = version
	}
	return bi
}

// versionLine says which krm-fn bi describes, in one line:
// "krm-fn v0.1.0 go1.26.8 commit 0123456789ab (modified)".
func versionLine(bi *debug.BuildInfo) string {
	if bi == nil {
		return "krm-fn (built without module information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	parts := []string{"krm-fn", v, bi.GoVersion}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		parts = append(parts, "commit", rev[:min(12, len(rev))])
		if settings["vcs.modified"] == "true" {
			parts = append(parts, "(modified)")
		}
	}
	return strings.Join(parts, " ")
}
