package cli

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/krmfn/krm-fn/internal/render"
	"github.com/spf13/cobra"
)

// renderFlags are the flags of the commands that build kustomizations.
type renderFlags struct {
	root                   string
	allowExec, allowRemote bool
	enableHelm             bool
	helmCommand            string
	trusted                bool
	timeout                time.Duration
}

func (f *renderFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.root, "root", "", "the repository: nothing outside it is read (default: the git work tree holding DIR, else the current directory)")
	fs.BoolVar(&f.allowExec, "allow-exec", false, "let kustomize run exec and container functions other than krm-fn's (a trusted checkout only)")
	fs.BoolVar(&f.allowRemote, "allow-remote", false, "let kustomize fetch remote resources and bases (git, HTTP)")
	fs.BoolVar(&f.enableHelm, "enable-helm", false, "let kustomize run helm for helmCharts")
	fs.StringVar(&f.helmCommand, "helm-command", "helm", "the helm program, with --enable-helm")
	fs.BoolVar(&f.trusted, "trusted", false, "all of --allow-exec, --allow-remote and --enable-helm: build as kustomize build --enable-alpha-plugins --enable-exec --enable-helm does")
	fs.DurationVar(&f.timeout, "timeout", f.timeout, "stop a build that takes longer (0: no limit)")
}

// options are the render options the flags ask for, for the kustomization
// in dir. In a sandboxing app, unless the flags allow it, the process then
// fetches nothing and finds no program to run (sandbox).
func (a app) options(f *renderFlags, dir string) (render.Options, error) {
	o := render.Options{Policy: render.Policy{
		Root:           f.root,
		AllowFunctions: f.allowExec || f.trusted,
		AllowRemote:    f.allowRemote || f.trusted,
	}}
	if o.Root == "" {
		o.Root = render.RepositoryRoot(dir)
	}
	if f.enableHelm || f.trusted {
		helm, err := exec.LookPath(f.helmCommand)
		if err != nil {
			return o, fmt.Errorf("--enable-helm: %w", err)
		}
		o.Helm = helm
	}
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		return o, fmt.Errorf("krm-fn: cannot tell its own program: %w", err)
	}
	o.Self = self
	if a.sandbox {
		sandbox(o.Policy)
	}
	if a.guard != nil {
		o.Observe = a.guard
	}
	return o, nil
}

// building runs build, the build of what, under the process's guard (its
// memory bound, and timeout): past either, the guard ends the process with
// a message naming what.
func (a app) building(what string, timeout time.Duration, build func() error) error {
	if a.guard != nil {
		a.guard.Building(what, timeout)
		defer a.guard.Done()
	}
	return build()
}

// sandbox makes what the policy refuses impossible in this process too,
// behind the checks of the kustomizations (render's policy.go): without
// remote loading, no HTTP request leaves it and kustomize finds no git
// to clone with; without functions, no program is found on PATH (krm-fn
// itself, and helm, are run by their absolute paths).
func sandbox(p render.Policy) {
	if !p.AllowRemote {
		http.DefaultTransport = refuse{}
	}
	if !p.AllowRemote && !p.AllowFunctions {
		os.Setenv("PATH", "")
	}
}

// refuse is an HTTP transport that sends nothing.
type refuse struct{}

func (refuse) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("krm-fn fetches nothing (%s): remote loading is not allowed (docs/security.md)", r.URL.Redacted())
}

// newRenderCommand is `krm-fn render DIR`.
func (a app) newRenderCommand() *cobra.Command {
	var flags renderFlags
	cmd := &cobra.Command{
		Use:   "render DIR",
		Short: "Print what `kustomize build --enable-alpha-plugins --enable-exec DIR` prints, safely and fast for large environments",
		Long: `render builds the kustomization in DIR and prints exactly what
kustomize build --enable-alpha-plugins --enable-exec DIR prints, byte for
byte, in time linear in the number of generated objects.

It builds an untrusted repository safely by default: before anything is
built, every kustomization DIR includes is checked, and a build that
would run a program (an exec or container function other than krm-fn's
own kinds, Helm), fetch anything (remote resources, bases or files) or
read a file outside the repository (relative paths and symbolic links
included) fails, naming the file and what it asks for. The flags open
that up for a checkout you trust; docs/security.md says what each opens.

kustomize checks every resource it adds against all it holds, so its time
grows with the square of the objects; the ones krm-fn generates (five per
exposure) are most of an environment. When the ExposurePlatform is the
last entry of the overlay's transformers, render runs kustomize (its Go
API) without it, expands the exposures in process exactly as kustomize
would have run krm-fn, and merges, orders and prints the result as
kustomize does. Otherwise kustomize runs this krm-fn program (and no
other) as the function. See docs/scaling.md.`,
		Example: `  krm-fn render overlays/prd > prd.yaml

  # a checkout you trust, with remote bases and other functions
  krm-fn render --trusted overlays/prd`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := a.options(&flags, args[0])
			if err != nil {
				return err
			}
			o.Stderr = cmd.ErrOrStderr()
			var out []byte
			err = a.building(args[0], flags.timeout, func() (err error) {
				out, err = render.Render(args[0], o)
				return err
			})
			if err != nil {
				var perr *render.Error
				if !errors.As(err, &perr) {
					return fmt.Errorf("krm-fn render %s: %w", args[0], err)
				}
				if flags.root == "" && strings.Contains(err.Error(), "is outside the repository") {
					why := "the git work tree holding " + args[0]
					if !render.InGitWorkTree(args[0]) {
						why = "no git work tree holds " + args[0]
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "krm-fn render: the repository was taken to be %s (%s); if it is larger, name its top directory with --root\n", o.Root, why)
				}
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	flags.add(cmd)
	return cmd
}
