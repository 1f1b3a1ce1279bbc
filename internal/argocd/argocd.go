// Package argocd is what krm-fn's Argo CD config management plugin runs
// (deploy/argocd/plugin.yaml; docs/argocd.md): discovery of the
// applications it renders, and their rendering.
package argocd

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/render"
	"github.com/krmfn/krm-fn/internal/repofile"
	"sigs.k8s.io/kustomize/kyaml/resid"
)

// The plugin's settings (plugin.yaml announces them as parameters),
// which an Application sets as spec.source.plugin.parameters (Argo CD
// passes each as PARAM_<NAME>) or, as before parameters existed, as
// spec.source.plugin.env entries (ARGOCD_ENV_<NAME>); and the destination
// cluster's version and API versions.
const (
	Overlay            = "OVERLAY"
	allowEmpty         = "ALLOW_EMPTY"
	checkAPI           = "CHECK_API_VERSIONS"
	envKubeVersion     = "KUBE_VERSION"
	envKubeAPIVersions = "KUBE_API_VERSIONS"
)

// Setting is the value of the plugin's setting name: the Application's
// parameter, else its plugin env entry, else "".
func Setting(name string) string {
	return cmp.Or(os.Getenv("PARAM_"+name), os.Getenv("ARGOCD_ENV_"+name))
}

// overlayDir is the directory to render: the setting OVERLAY, relative
// and inside the application's directory, else the application's
// directory.
func overlayDir() (string, error) {
	dir := Setting(Overlay)
	if dir == "" {
		return ".", nil
	}
	if !filepath.IsLocal(dir) {
		return "", fmt.Errorf("krm-fn: the plugin's %s=%q must be a path inside the application's directory (relative, without ..)", Overlay, dir)
	}
	return dir, nil
}

// Root is the repository the application's directory (the current
// one) belongs to: argocd-cmp-server unpacks the repository it streams
// into a directory of its own and runs the plugin in the application's
// path below it (ARGOCD_APP_SOURCE_PATH). Without that path, or when the
// directory does not end with it, the application's directory itself.
func Root() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	app := filepath.Clean(os.Getenv("ARGOCD_APP_SOURCE_PATH"))
	if app == "." || !filepath.IsLocal(app) {
		return wd, nil
	}
	if root, ok := strings.CutSuffix(wd, string(filepath.Separator)+app); ok && root != "" {
		return root, nil
	}
	return wd, nil
}

// Discover prints on stdout, one a line, the files that make the
// kustomization of dir ("": the setting OVERLAY, else the application's
// directory) one the plugin renders: those holding an exposure.krmfn.io
// function config, in it and the kustomizations it includes (within the
// repository, bounded, nothing fetched), named from the repository's
// root; nothing when there is none.
func Discover(stdout io.Writer, dir string) error {
	if dir == "" {
		dir = cmp.Or(Setting(Overlay), ".")
	}
	root, err := Root()
	if err != nil {
		return err
	}
	files, err := render.Functions(dir, root)
	var stopped *render.Error
	if err != nil && !errors.As(err, &stopped) {
		return nil // not an application the plugin renders
	}
	if stopped != nil && len(files) == 0 {
		// A walk that stopped before it found a function config (a
		// kustomization krm-fn refuses to read, say) claims the overlay
		// if one of its own files names krm-fn's API group: the build then
		// says why, rather than Argo CD that no plugin renders it.
		files = namingGroup(dir)
	}
	for _, f := range files { // a walk that stops claims what it found: the build says why it stops
		if rel, err := filepath.Rel(root, f); err == nil {
			f = rel
		}
		if _, err := fmt.Fprintln(stdout, f); err != nil {
			return err
		}
	}
	return nil
}

// Application names the overlay the plugin renders as the repository
// does: the application's path and the setting OVERLAY.
func Application() string {
	dir, err := overlayDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(os.Getenv("ARGOCD_APP_SOURCE_PATH"), dir)
}

// Generate renders the overlay as the plugin's generate command, in
// process and under o's policy: the manifests on stdout only when the
// build succeeded and renders something (or the setting ALLOW_EMPTY is
// "true"), else the problems on stderr and an error.
func Generate(stdout, stderr io.Writer, o render.Options) error {
	dir, err := overlayDir()
	if err != nil {
		return err
	}
	o.Stderr = stderr
	// What was rendered, told by the build rather than parsed again from
	// its output (a large object would cost its nodes a second time).
	var objects []resid.Gvk
	o.Rendered = func(gvks []resid.Gvk) { objects = gvks }
	out, err := render.Render(dir, o)
	// Messages name the overlay as the repository does, not the sidecar's
	// copy of it.
	name := Application()
	if err != nil {
		fmt.Fprintln(stderr, strings.TrimRight(err.Error(), "\n"))
		return fmt.Errorf("krm-fn: rendering %s failed; nothing was rendered", name)
	}
	if len(objects) == 0 && Setting(allowEmpty) != "true" {
		return fmt.Errorf("krm-fn: the overlay %s renders no objects, and Argo CD would prune every object of the application: "+
			"check the overlay, or set the plugin's parameter %s to true if that is intended", name, allowEmpty)
	}
	if err := servedByCluster(objects); err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// servedByCluster checks that the destination cluster serves the API
// versions of the kinds krm-fn renders that the rendering uses (emit's
// table of output kinds says what serves each). Argo CD sets
// KUBE_API_VERSIONS ("group/version" and "group/version/Kind" entries);
// without it, nothing is checked. Where the list names kinds of a group
// version, each kind rendered must be among them: a cluster may serve
// gateway.networking.k8s.io/v1 with CRDs older than the TCPRoute and
// TLSRoute of its v1.
func servedByCluster(objects []resid.Gvk) error {
	list := os.Getenv(envKubeAPIVersions)
	if list == "" || Setting(checkAPI) == "false" {
		return nil
	}
	served, kindsOf := map[string]bool{}, map[string]bool{}
	for _, e := range strings.Split(list, ",") {
		served[e] = true
		// "group/version/Kind", or the core group's "v1/Kind".
		if i := strings.LastIndex(e, "/"); i > 0 && (strings.Contains(e[:i], "/") || e[:i] == "v1") {
			kindsOf[e[:i]] = true
		}
	}
	var missing []string
	for _, o := range objects {
		gv := o.ApiVersion()
		needs := emit.ServedBy(gv)
		what := gv
		switch {
		case needs == "":
			continue
		case !served[gv]:
		case kindsOf[gv] && !served[gv+"/"+o.Kind]:
			what = gv + "/" + o.Kind
		default:
			continue
		}
		if m := fmt.Sprintf("%s (needs %s)", what, needs); !slices.Contains(missing, m) {
			missing = append(missing, m)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	cluster := "the destination cluster"
	if v := os.Getenv(envKubeVersion); v != "" {
		cluster += " (Kubernetes " + v + ")"
	}
	return fmt.Errorf("krm-fn: %s does not serve %s, which the rendered objects use; "+
		"if this application installs it, set the plugin's parameter %s to false",
		cluster, strings.Join(missing, " or "), checkAPI)
}

// namingGroup lists the files directly in dir that name krm-fn's API
// group in an apiVersion (read as every file is: regular, bounded).
func namingGroup(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if e.Type().IsRegular() && krmio.MentionsGroup(path, v1alpha1.Group) {
			if b, err := repofile.Read(path, krmio.MaxInputBytes); err == nil && len(b) > 0 {
				files = append(files, path)
			}
		}
	}
	return files
}
