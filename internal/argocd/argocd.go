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

// The environment Argo CD gives a config management plugin: the
// Application's spec.source.plugin.env entries prefixed ARGOCD_ENV_, and the
// destination cluster's version and API versions.
const (
	EnvOverlay         = "ARGOCD_ENV_OVERLAY"
	envAllowEmpty      = "ARGOCD_ENV_ALLOW_EMPTY"
	envCheckAPI        = "ARGOCD_ENV_CHECK_API_VERSIONS"
	envKubeVersion     = "KUBE_VERSION"
	envKubeAPIVersions = "KUBE_API_VERSIONS"
)

// overlayDir is the directory to render: ARGOCD_ENV_OVERLAY, relative and
// inside the application's directory, else the application's directory.
func overlayDir() (string, error) {
	dir := os.Getenv(EnvOverlay)
	if dir == "" {
		return ".", nil
	}
	if !filepath.IsLocal(dir) {
		return "", fmt.Errorf("krm-fn: %s=%q must be a path inside the application's directory (relative, without ..)", EnvOverlay, dir)
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
// kustomization of dir ("": ARGOCD_ENV_OVERLAY, else the application's
// directory) one the plugin renders: those holding an exposure.krmfn.io
// function config, in it and the kustomizations it includes (within the
// repository, bounded, nothing fetched), named from the repository's
// root; nothing when there is none.
func Discover(stdout io.Writer, dir string) error {
	if dir == "" {
		dir = cmp.Or(os.Getenv(EnvOverlay), ".")
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
// does: the application's path and the plugin env OVERLAY.
func Application() string {
	dir, err := overlayDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(os.Getenv("ARGOCD_APP_SOURCE_PATH"), dir)
}

// Generate renders the overlay as the plugin's generate command, in
// process and under o's policy: the manifests on stdout only when the
// build succeeded and renders something (or ARGOCD_ENV_ALLOW_EMPTY is
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
	if len(objects) == 0 && os.Getenv(envAllowEmpty) != "true" {
		return fmt.Errorf("krm-fn: the overlay %s renders no objects, and Argo CD would prune every object of the application: "+
			"check the overlay, or set the Application's plugin env %s=true if that is intended", name, strings.TrimPrefix(envAllowEmpty, "ARGOCD_ENV_"))
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
// without it, nothing is checked.
func servedByCluster(objects []resid.Gvk) error {
	list := os.Getenv(envKubeAPIVersions)
	if list == "" || os.Getenv(envCheckAPI) == "false" {
		return nil
	}
	served := strings.Split(list, ",")
	var missing []string
	for _, o := range objects {
		gv := o.ApiVersion()
		if needs := emit.ServedBy(gv); needs != "" && !slices.Contains(served, gv) {
			if m := fmt.Sprintf("%s (needs %s)", gv, needs); !slices.Contains(missing, m) {
				missing = append(missing, m)
			}
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
		"if this application installs it, set the Application's plugin env %s=false",
		cluster, strings.Join(missing, " or "), strings.TrimPrefix(envCheckAPI, "ARGOCD_ENV_"))
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
