package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/kustomization"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Policy is what a build may do beyond reading the repository's own files.
// The zero Policy is the one for a repository nobody reviewed (an Argo CD
// plugin's): kustomize runs no program and fetches nothing, and reads
// nothing outside Root. docs/security.md says what each field opens.
type Policy struct {
	// Root is the repository: every file the build reads must be inside it
	// once symbolic links are resolved. Default: the directory built.
	Root string

	// AllowFunctions lets kustomize run exec and container functions (and
	// legacy exec plugins) other than krm-fn's own kinds, as `kustomize
	// build --enable-alpha-plugins --enable-exec` does.
	AllowFunctions bool

	// AllowRemote lets kustomize fetch remote resources, bases and files
	// (git clones with the git program, HTTP downloads).
	AllowRemote bool

	// Helm is the helm program kustomize runs for helmCharts; "" refuses
	// them.
	Helm string

	// MaxBytes bounds what the build reads from files in all.
	// Default: krmio.MaxInputBytes.
	MaxBytes int64
}

// Limits of a build, whatever the repository.
const (
	// maxKustomizations bounds the kustomizations one build includes.
	maxKustomizations = 10000
	// maxDepth bounds how deep kustomizations include one another.
	maxDepth = 100
	// maxEntries bounds the entries (paths) of all kustomizations of one
	// build: a fan-out of entries naming one directory costs no more.
	maxEntries = 100000
)

// function is a krm-fn function config the walk found.
type function struct {
	kustomization string // the file of the kustomization that lists it
	dir           string // that kustomization's directory
	component     bool   // whether that kustomization is a Component
	field         string // generators, transformers or validators
	entry         string // the entry naming it (a path, or inline YAML)
	index         int    // the entry's index in its field
	file          string // the file holding the config; "" for an inline one
	kind          v1alpha1.Kind
	top           bool // listed by the kustomization being built itself
	last          bool // its entry is the last of its field
	// renamedBy is a kustomization that includes the one listing it and
	// renames or moves objects, after krm-fn has run: "" for none.
	renamedBy string
}

// tree is what a walk of a kustomization and those it includes found.
type tree struct {
	functions  []function
	problems   []string
	files      []string // every file of the walk: kustomizations, resources, patches, configs (resolved)
	crossEntry bool     // some kustomization acts across the entries of those that include it (build.go)
	renames    bool     // some kustomization may rename or move objects before krm-fn runs (renames)
}

// walker walks kustomizations as kustomize loads them, checking each
// against the policy.
type walker struct {
	fsys    *confinedFS
	policy  Policy
	seen    map[string]bool  // kustomization directories, resolved
	nodes   krmio.NodeBudget // of the resource files, together
	entries int
	stopped bool // a limit was reached
	tree    tree
	top     string
	// stack are the kustomizations being walked, outermost first, with
	// whether each renames or moves objects.
	stack []walked
}

// walked is a kustomization on the walk's stack.
type walked struct {
	dir, file string
	renames   bool
}

func (w *walker) problem(format string, args ...any) {
	w.tree.problems = append(w.tree.problems, fmt.Sprintf(format, args...))
}

// stop reports a limit reached and stops the walk.
func (w *walker) stop(format string, args ...any) {
	w.problem(format, args...)
	w.stopped = true
}

// check walks the kustomization in dir (resolved, inside the root) and
// what it includes.
func check(fsys *confinedFS, dir string, p Policy) tree {
	// kustomize copies every node of a resource about three times
	// (kyaml's DeAnchor, ToRNodeSlice): twice the bytes a node of the
	// limit of one input, for memory within a hundred times the input.
	w := &walker{fsys: fsys, policy: p, seen: map[string]bool{}, top: dir, nodes: krmio.NodeBudget{BytesPerNode: 8}}
	w.kustomization(dir, 0, false)
	return w.tree
}

// kustomization walks the kustomization of dir; configs: every resource
// it yields is a generator, transformer or validator config.
func (w *walker) kustomization(dir string, depth int, configs bool) {
	if w.seen[dir] || w.stopped {
		return // kustomize reports a cycle itself
	}
	if depth > maxDepth || len(w.seen) >= maxKustomizations {
		w.stop("%s: kustomizations include one another more than %d deep, or more than %d in all: krm-fn stops there", dir, maxDepth, maxKustomizations)
		return
	}
	w.seen[dir] = true
	kf, err := kustomization.Read(w.fsys, dir)
	if err != nil {
		if !errors.Is(err, kustomization.ErrNone) {
			w.problem("%v", err)
		}
		return // a directory without one: kustomize says what it needs
	}
	k := kf.Kustomization
	file := kf.Path
	w.tree.files = append(w.tree.files, file)
	component := k.Kind == types.ComponentKind
	w.tree.crossEntry = w.tree.crossEntry || crossEntry(k)
	moves := renames(k, func(path string) ([]byte, bool) {
		b, err := w.fsys.ReadFile(filepath.Join(dir, path))
		return b, err == nil
	})
	w.tree.renames = w.tree.renames || moves
	w.stack = append(w.stack, walked{dir: dir, file: file, renames: moves})
	defer func() { w.stack = w.stack[:len(w.stack)-1] }()

	for _, e := range k.Resources {
		w.entry(file, dir, "resources", e, depth, configs)
	}
	for _, e := range k.Components {
		w.entry(file, dir, "components", e, depth, configs)
	}
	for _, list := range []struct {
		field   string
		entries []string
	}{{"generators", k.Generators}, {"transformers", k.Transformers}, {"validators", k.Validators}} {
		field, entries := list.field, list.entries
		for i, e := range entries {
			f := function{kustomization: file, dir: dir, component: component, field: field, entry: e, index: i,
				top: dir == w.top, last: i == len(entries)-1}
			if inline, ok := inlineConfigs(e); ok {
				w.configs(file, inline, f)
				continue
			}
			w.configEntry(file, dir, field, e, depth, f)
		}
	}

	// The files kustomize loads (kustomize's Load): local paths only.
	var files []string
	files = append(files, k.Crds...)
	files = append(files, k.Configurations...)
	if p := k.OpenAPI["path"]; p != "" {
		files = append(files, p)
	}
	for _, p := range k.Patches {
		files = append(files, p.Path)
	}
	for _, p := range k.PatchesStrategicMerge {
		if !strings.Contains(string(p), "\n") { // else an inline patch
			files = append(files, string(p))
		}
	}
	for _, r := range k.Replacements {
		files = append(files, r.Path)
	}
	for _, g := range k.ConfigMapGenerator {
		files = append(files, kvFiles(g.KvPairSources)...)
	}
	for _, g := range k.SecretGenerator {
		files = append(files, kvFiles(g.KvPairSources)...)
	}
	for _, f := range files {
		if f != "" {
			w.local(file, dir, f)
		}
	}
	if w.policy.Helm == "" && (len(k.HelmCharts) > 0 || len(k.HelmChartInflationGenerator) > 0 || k.HelmGlobals != nil) {
		w.problem("%s: helmCharts needs Helm, which this build does not run (the plugin's administrator can enable it; docs/security.md)", file)
	}
}

// kvFiles are the files a ConfigMap or Secret generator reads.
func kvFiles(s types.KvPairSources) []string {
	var out []string
	for _, f := range s.FileSources {
		if _, path, found := strings.Cut(f, "="); found {
			f = path
		}
		out = append(out, f)
	}
	out = append(out, s.EnvSources...)
	if s.EnvSource != "" {
		out = append(out, s.EnvSource)
	}
	return out
}

// entry walks a resources or components entry: a file, or a directory
// holding a kustomization.
func (w *walker) entry(file, dir, field, e string, depth int, configs bool) {
	path, ok := w.local(file, dir, e)
	if !ok {
		return
	}
	switch {
	case w.fsys.IsDir(path):
		w.kustomization(path, depth+1, configs)
	case configs:
		w.configFile(file, path, function{kustomization: file, dir: dir, field: field, entry: e})
	default:
		w.bounded(path)
	}
}

// bounded checks a resource file against krm-fn's input limits before
// kustomize parses it, for a message that names the file plainly.
func (w *walker) bounded(path string) {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return // kustomize says what is wrong
	}
	if info.Size() > w.fsys.maxBytes {
		w.problem("%s: more than %d MiB, the most krm-fn reads (docs/security.md)", path, w.fsys.maxBytes>>20)
		return
	}
	b, err := w.fsys.disk.ReadFile(path)
	if err != nil {
		return
	}
	n, err := krmio.CheckNodes(b, path)
	if err == nil {
		err = w.nodes.Add(n, len(b), path)
	}
	if err != nil {
		w.stop("%v", err)
	}
}

// configEntry walks a generators, transformers or validators entry that is
// not inline: a file of configs, or a kustomization whose resources are
// configs.
func (w *walker) configEntry(file, dir, field, e string, depth int, f function) {
	path, ok := w.local(file, dir, e)
	if !ok {
		return
	}
	if w.fsys.IsDir(path) {
		before := len(w.tree.functions)
		w.kustomization(path, depth+1, true)
		for i := range w.tree.functions[before:] {
			found := &w.tree.functions[before+i]
			file, kind := found.file, found.kind // the config's; the rest is the entry's
			*found = f
			found.file, found.kind = file, kind
			found.renamedBy = w.renamedAfter(f.dir)
		}
		return
	}
	w.configFile(file, path, f)
}

// configFile checks the configs of one file.
func (w *walker) configFile(file, path string, f function) {
	b, err := w.fsys.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return // kustomize says it better
		}
		w.problem("%s: %v", file, err)
		return
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return // not YAML: kustomize says so
	}
	f.file = path
	w.configs(path, nodes, f)
}

// configs checks generator, transformer or validator configs (of file):
// krm-fn's own kinds are recorded; any other function is refused unless
// the policy allows functions.
func (w *walker) configs(file string, nodes []*yaml.RNode, f function) {
	for _, n := range nodes {
		spec, err := runtimeutil.GetFunctionSpec(n)
		what := fmt.Sprintf("%s %s", n.GetKind(), n.GetName())
		switch {
		case err != nil:
			w.problem("%s: %s: %v", file, what, err)
		case v1alpha1.InGroup(n.GetApiVersion()):
			if spec == nil {
				w.problem("%s: %s: a krm-fn function config needs the annotation %s (exec: {path: krm-fn}); see docs/api.md", file, what, runtimeutil.FunctionAnnotationKey)
				continue
			}
			found := f
			found.kind = v1alpha1.KindOf(n.GetApiVersion(), n.GetKind())
			found.renamedBy = w.renamedAfter(f.dir)
			w.tree.functions = append(w.tree.functions, found)
		case w.policy.AllowFunctions:
		case spec != nil:
			w.problem("%s: %s: %s asks to run %s; krm-fn renders untrusted repositories without running any function but its own kinds (docs/security.md)",
				file, what, functionAnnotation(n), describeFunction(spec))
		case !isBuiltin(n):
			w.problem("%s: %s: not a kustomize builtin, so kustomize would run a plugin program for it; krm-fn renders untrusted repositories without running any (docs/security.md)", file, what)
		case f.field == "transformers" && slices.Contains(renamingBuiltins, n.GetKind()):
			w.tree.renames = true
		}
	}
}

// functionAnnotation is where n names its function, as kyaml reads it
// (runtimeutil.GetFunctionSpec): one of three annotations, or
// metadata.configFn.
func functionAnnotation(n *yaml.RNode) string {
	a := n.GetAnnotations()
	for _, k := range []string{runtimeutil.FunctionAnnotationKey, "config.k8s.io/function", "config.kubernetes.io/container"} {
		if _, ok := a[k]; ok {
			return "the annotation " + k
		}
	}
	return "metadata.configFn"
}

func describeFunction(spec *runtimeutil.FunctionSpec) string {
	switch {
	case spec.Exec.Path != "":
		return fmt.Sprintf("the program %q", spec.Exec.Path)
	case spec.Container.Image != "":
		return fmt.Sprintf("the container image %q", spec.Container.Image)
	}
	return "a function"
}

// isBuiltin says whether a config is one of kustomize's builtin plugins.
func isBuiltin(n *yaml.RNode) bool {
	return n.GetApiVersion() == konfig.BuiltinPluginApiVersion
}

// inlineConfigs parses an entry that is inline YAML, telling an inline
// config from a path as kustomize does (kusttarget's
// configureExternalTransformers): whatever its resource factory reads.
func inlineConfigs(e string) ([]*yaml.RNode, bool) {
	m, err := resmap.NewFactory(provider.NewDepProvider().GetResourceFactory()).NewResMapFromBytes([]byte(e))
	if err != nil {
		return nil, false
	}
	return m.ToRNodeSlice(), true
}

// remote matches what kustomize would fetch: a URL, git's user@host:
// form, github.com/ shorthand, or a forced git:: protocol. It is a
// superset of kustomize's own rules (api/internal/git, IsRemoteFile).
var remote = regexp.MustCompile(`(?i)^(git::|github\.com[/:]|[a-z][a-z0-9-]*@)|://`)

// local checks that entry e of kustomization file (in dir) names a local
// path inside the repository and returns it.
func (w *walker) local(file, dir, e string) (string, bool) {
	if w.entries++; w.entries > maxEntries {
		if !w.stopped {
			w.stop("%s: the kustomizations name more than %d paths in all: krm-fn stops there", file, maxEntries)
		}
		return "", false
	}
	if remote.MatchString(strings.TrimSpace(e)) {
		if !w.policy.AllowRemote {
			w.problem("%s: %q is remote: krm-fn renders untrusted repositories from their own files only, fetching nothing (docs/security.md)", file, e)
		}
		return "", false
	}
	path := e
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, e)
	}
	c := w.fsys
	real, err := c.check(path)
	if err != nil {
		if errors.Is(err, errOutside) {
			w.problem("%s: %q is outside the repository %s; krm-fn reads nothing else (symbolic links included)", file, e, c.root)
		} else {
			w.problem("%s: %q: %v", file, e, err)
		}
		return "", false
	}
	if !w.fsys.IsDir(real) {
		w.tree.files = append(w.tree.files, real)
	}
	return real, true
}

// Sources lists every file a build of the kustomization in dir reads, as
// the walk of a build finds them (bounded, inside root, nothing fetched):
// its kustomization files, resource files, patches and function configs,
// resolved.
func Sources(dir, root string) ([]string, error) {
	t, err := walk(dir, root)
	if err != nil {
		return nil, err
	}
	return t.files, nil
}

// walk walks the kustomization of dir inside root as a build would.
func walk(dir, root string) (tree, error) {
	cfs, err := newConfinedFS(root, krmio.MaxInputBytes)
	if err != nil {
		return tree{}, err
	}
	real, err := cfs.check(dir)
	if err != nil {
		return tree{}, err
	}
	return check(cfs, real, Policy{Root: root}), nil
}

// Functions lists the files that hold krm-fn function configs (or, for an
// inline one, the kustomization file) in the kustomization of dir and
// those it includes, walked as a build walks them (bounded, inside root,
// nothing fetched). None: dir runs no krm-fn.
func Functions(dir, root string) ([]string, error) {
	t, err := walk(dir, root)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range t.functions {
		file := f.file
		if file == "" {
			file = f.kustomization
		}
		if !slices.Contains(files, file) {
			files = append(files, file)
		}
	}
	return files, nil
}

// renamedAfter is the innermost kustomization including the one of dir
// (on the walk's stack) that renames or moves objects: kustomize applies
// its namePrefix, namespace, ... after the transformers of dir's. "" when
// none does.
func (w *walker) renamedAfter(dir string) string {
	at := slices.IndexFunc(w.stack, func(k walked) bool { return k.dir == dir })
	for i := at - 1; i >= 0; i-- {
		if w.stack[i].renames {
			return w.stack[i].file
		}
	}
	return ""
}
