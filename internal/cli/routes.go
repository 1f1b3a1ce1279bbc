package cli

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/fn/model"
	"github.com/krmfn/krm-fn/internal/render"
	"github.com/krmfn/krm-fn/internal/routes"
	"github.com/krmfn/krm-fn/internal/snapshot"
	"github.com/spf13/cobra"
)

// newRoutesCommand is `krm-fn routes FILE|DIR...`.
func (a app) newRoutesCommand() *cobra.Command {
	var root, format, diff string
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "routes FILE|DIR...",
		Short: "Print the routing table of an environment: per gateway host and mesh host, the routes in the order Envoy tries them",
		Long: `routes prints the routing table of an environment as krm-fn computes it from
the specs: per port of the ingress gateway (and of the mesh), each host's
routes in the order Envoy tries them, each with its match, its
destinations and weights, rewrite, redirect or response, timeout and
retries (routeDefaults applied; Istio's default where a route sets none),
mirror, header changes, CORS and faults, the object that renders it and
the spec that writes it; and the TCP routes and TLS passthrough of each
port. The table is of what the platform's API renders: under api:
gateway-api, the HTTPRoutes as Istio translates them (merged per host, most
specific match first, a PathPrefix matching whole path segments). The proof
layer of the conformance suite checks it against what istiod computes.

DIR is an overlay: it is built in process, as krm-fn render builds it
(the same checks of an untrusted repository; its ExposurePlatform must be
the overlay's last transformer). Otherwise, as krm-fn FILE takes them, the
first FILE is the function config and the others the resources
(directories walked); "-" alone is a ResourceList on stdin.

--diff BASE prints what changes from BASE to the input instead: BASE is a
path (another overlay, say), or a git revision of the input's repository,
whose files git reads (git ls-tree, git cat-file; nothing is written,
checked out or fetched, and the build is the same as on disk); REV..REV2
compares the input at two revisions. A change of weights shows as just
that. With --exit-code the exit status is 3 when the two differ.

-o table (the default) is for a terminal; -o json is the schema of
docs/routes.md; -o mermaid a flowchart (in a fenced block) that GitHub
renders in a pull request comment. On any problem with the specs, each is
printed on stderr with its file and line, the exit status is 1 and nothing
is printed on stdout.`,
		Example: `  # the prd environment's routes
  krm-fn routes overlays/prd

  # from the files: the platform first, then the specs
  krm-fn routes overlays/prd/platform.yaml bases/

  # what moving prd to the Gateway API changes
  krm-fn routes --diff overlays/prd overlays/prd-gateway-api

  # what this branch changes in prd's routes, for a pull request comment
  krm-fn routes --diff origin/main -o mermaid overlays/prd

  # for tools (docs/routes.md)
  krm-fn routes -o json overlays/prd`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(routes.Formats, format) {
				return fmt.Errorf("krm-fn routes: -o %s: want one of %s", format, strings.Join(routes.Formats, ", "))
			}
			// git is found before any build empties PATH (sandbox).
			git, _ := exec.LookPath("git")
			err := routes.Run(cmd.OutOrStdout(), args, routes.Options{
				Build:  a.routesOverlay(cmd.ErrOrStderr()),
				Root:   root,
				Format: format,
				Diff:   diff,
				Git:    git,
				Stdin:  cmd.InOrStdin(),
				Stderr: cmd.ErrOrStderr(),
			})
			switch {
			case errors.Is(err, routes.ErrDifferent):
				if exitCode {
					return ExitStatus{Code: 3}
				}
				return nil
			case err != nil:
				var perr *render.Error
				if !errors.As(err, &perr) && !strings.HasPrefix(err.Error(), "krm-fn") {
					err = fmt.Errorf("krm-fn routes: %w", err)
				}
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", routes.FormatTable, "how to print the routes: "+strings.Join(routes.Formats, ", "))
	cmd.Flags().StringVar(&diff, "diff", "", "print what changes from BASE (a path, or a git revision REV or REV..REV2 of the input's repository) to the input")
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "with --diff, exit with status 3 when the routes differ")
	cmd.Flags().StringVar(&root, "root", "", "the repository: nothing outside it is read (default: the git work tree holding the input)")
	return cmd
}

// routesOverlay builds an overlay for routes as krm-fn render does, under
// the process's guard, krm-fn's problems on stderr.
func (a app) routesOverlay(stderr io.Writer) routes.Overlay {
	return func(dir, repo string, tree *snapshot.Tree, give func(*model.Environment)) error {
		o, err := a.options(&renderFlags{root: repo}, dir)
		if err != nil {
			return err
		}
		o.Stderr, o.Notes, o.Tree, o.Model = stderr, io.Discard, tree, give
		return a.building(dir, overlayTimeout, func() error {
			_, err := render.Render(dir, o)
			return err
		})
	}
}
