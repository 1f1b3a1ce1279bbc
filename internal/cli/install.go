package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/krmfn/krm-fn/internal/repofile"
	"github.com/spf13/cobra"
)

func newInstallCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "install DIR",
		Short: "Copy this krm-fn binary into DIR (e.g. a volume shared with Argo CD's repo-server)",
		Long: `install copies the running krm-fn binary to DIR/krm-fn (creating DIR if
needed), executable, replacing any earlier copy atomically. It needs no
shell, so a container started from the krm-fn image can put the binary
where another container finds it: an init container of Argo CD's
repo-server, or a CI image build step.`,
		Example: `  # an init container sharing an emptyDir volume mounted at /custom-tools
  krm-fn install /custom-tools`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dst, err := install(args[0])
			if err != nil {
				return fmt.Errorf("krm-fn install: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "installed %s\n", dst)
			return nil
		},
	}
}

// install copies the running executable to dir/krm-fn and returns that path.
func install(dir string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, "krm-fn")
	if same, err := filepath.EvalSymlinks(dst); err == nil && same == self {
		return dst, nil
	}
	src, err := os.Open(self)
	if err != nil {
		return "", err
	}
	defer src.Close()
	// Inside dir only: a symbolic link at dst is replaced, not followed.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	return dst, repofile.WriteIn(root, "krm-fn", src, 0o755)
}
