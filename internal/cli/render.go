package cli

import (
	"github.com/krmfn/krm-fn/internal/render"
	"github.com/spf13/cobra"
)

// newRenderCommand is `krm-fn render DIR`.
func newRenderCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "render DIR",
		Short: "Print what `kustomize build --enable-alpha-plugins --enable-exec DIR` prints, fast for large environments",
		Long: `render builds the kustomization in DIR and prints exactly what
kustomize build --enable-alpha-plugins --enable-exec DIR prints, byte for
byte, in time linear in the number of generated objects.

kustomize checks every resource it adds against all it holds, so its time
grows with the square of the objects; the ones krm-fn generates (five per
exposure) are most of an environment. render runs kustomize (its Go API)
on the overlay without the ExposurePlatform transformer, expands the
exposures in process exactly as kustomize would have run krm-fn, and then
merges, orders and prints the result as kustomize does.

This needs the ExposurePlatform to be the last entry of the overlay's
transformers, and no validators or buildMetadata in it; otherwise render
says why on stderr and builds the overlay with kustomize alone (which then
runs krm-fn from PATH). See docs/scaling.md.`,
		Example: `  krm-fn render overlays/prd > prd.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := render.Render(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
}
