package render

import (
	"bytes"
	"encoding/json"
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
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
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
	// functions are the krm-fn function configs found in the files the
	// kustomizations name (for discovery: a directory's build may make
	// more, which configs.go finds by building it).
	functions []function
	problems  []string
	files     []string // every file of the walk: kustomizations, resources, patches, configs (resolved)
	// kustomizations are those walked, each once, every one after those
	// it includes (so a directory's build can be served before the
	// kustomization that builds it).
	kustomizations []*kust
	crossEntry     bool // some kustomization acts across the entries of those that include it (build.go)
	renames        bool // some kustomization may rename or move objects before krm-fn runs (renames)
	// objects are about how many objects the resource files hold, in
	// all and by kind; patches the patches applied by a selector.
	objects int
	kinds   map[string]int
	patches []selectorPatch
	// largest is the size of the largest resource file, in all and by
	// the kinds it holds: the most a replacement may copy from it.
	largest       int
	largestByKind map[string]int
	replacements  []replacementCopy
}

// replacementCopy is a replacement: it copies one value into every field
// its targets pick.
type replacementCopy struct {
	kustomization string
	index         int
	what          string // the builtin config holding it, if one does
	sourceKind    string
	targets       []*types.TargetSelector
}

// selectorPatch is a patch a kustomization applies to every object a
// selector picks: each gets a copy.
type selectorPatch struct {
	kustomization string
	index         int
	what          string // the builtin config holding it, if one does
	target        *types.Selector
	nodes         int // about how many YAML nodes the patch adds to each
}

// kust is a kustomization the walk found.
type kust struct {
	dir, file string // resolved
	raw       []byte // the file's bytes, as walked
	k         *types.Kustomization
	component bool
	// renamedBy is the innermost kustomization including this one (where
	// the walk first found it) that renames or moves objects after its
	// transformers run: "" for none.
	renamedBy string
	top       bool // the kustomization being built
}

// walker walks kustomizations as kustomize loads them, checking each
// against the policy.
type walker struct {
	fsys    *confinedFS
	policy  Policy
	seen    map[string]bool // kustomization directories, resolved
	known   map[string]bool // kept across walks (walk)
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
	return newWalker(fsys, dir, p).walk()
}

func newWalker(fsys *confinedFS, dir string, p Policy) *walker {
	return &walker{fsys: fsys, policy: p, seen: map[string]bool{}, top: dir, tree: tree{kinds: map[string]int{}, largestByKind: map[string]int{}}}
}

// walk walks the kustomization of w.top and those it includes.
func (w *walker) walk() tree {
	w.kustomization(w.top, 0, false)
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
	key := dir // what it runs depends on whether its resources are configs
	if configs {
		key += "\x00configs"
	}
	if runs, ok := w.known[key]; ok {
		if runs { // as an earlier walk found
			w.tree.functions = append(w.tree.functions, function{kustomization: dir, dir: dir})
		}
		return
	}
	if w.known != nil {
		functions, problems := len(w.tree.functions), len(w.tree.problems)
		defer func() {
			if !w.stopped && len(w.tree.problems) == problems {
				w.known[key] = len(w.tree.functions) > functions
			}
		}()
	}
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
	this := &kust{dir: dir, file: file, raw: kf.Raw, k: k, component: component, top: dir == w.top}
	defer func() { w.tree.kustomizations = append(w.tree.kustomizations, this) }()
	w.tree.crossEntry = w.tree.crossEntry || crossEntry(k)
	moves := renames(k, func(path string) ([]byte, bool) {
		b, err := w.fsys.ReadFile(filepath.Join(dir, path))
		return b, err == nil
	})
	w.tree.renames = w.tree.renames || moves
	w.stack = append(w.stack, walked{dir: dir, file: file, renames: moves})
	defer func() { w.stack = w.stack[:len(w.stack)-1] }()
	this.renamedBy = w.renamedAfter(dir)

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
				w.configs(inline, f)
				continue
			}
			w.configEntry(file, dir, field, e, depth, f)
		}
	}

	// The files kustomize loads (kustomize's Load): local paths only.
	var files []string
	for _, c := range k.Crds {
		w.crds(file, dir, c)
	}
	for _, c := range k.Configurations {
		w.fieldPathsOf(file, dir, "configurations", c)
	}
	if p := k.OpenAPI["path"]; p != "" {
		files = append(files, p)
	}
	for _, p := range k.Patches {
		if p.Target == nil {
			files = append(files, p.Path)
		}
	}
	w.patchesBySelector(file, dir, k)
	for _, p := range k.PatchesStrategicMerge {
		if !strings.Contains(string(p), "\n") { // else an inline patch
			files = append(files, string(p))
		}
	}
	w.replacementsOf(file, dir, k)
	for _, g := range k.ConfigMapGenerator {
		files = append(files, kvFiles(g.KvPairSources)...)
		w.generated(dir, "ConfigMap", g.KvPairSources)
	}
	for _, g := range k.SecretGenerator {
		files = append(files, kvFiles(g.KvPairSources)...)
		w.generated(dir, "Secret", g.KvPairSources)
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

// bounded reads a resource file before kustomize parses it, for the
// input limits (the confined file system's meter) to refuse it with a
// message that names the file plainly.
func (w *walker) bounded(path string) {
	b, err := w.fsys.ReadFile(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			w.stop("%v", err)
		}
		return
	}
	w.tree.largest = max(w.tree.largest, len(b))
	for _, m := range kindLine.FindAllSubmatch(b, -1) {
		w.tree.objects++
		w.tree.kinds[string(m[1])]++
		w.tree.largestByKind[string(m[1])] = max(w.tree.largestByKind[string(m[1])], len(b))
	}
}

// replacementsOf records the replacements of kustomization file (in dir):
// inline, or read from the file an entry names.
func (w *walker) replacementsOf(file, dir string, k *types.Kustomization) {
	for i, r := range k.Replacements {
		rs := []types.Replacement{r.Replacement}
		if r.Path != "" {
			path, ok := w.local(file, dir, r.Path)
			if !ok {
				continue
			}
			b, err := w.fsys.ReadFile(path)
			if err != nil {
				continue // kustomize says what is wrong
			}
			if sigsyaml.Unmarshal(b, &rs) != nil {
				rs = []types.Replacement{{}}
				if sigsyaml.Unmarshal(b, &rs[0]) != nil {
					continue // kustomize says what is wrong
				}
			}
		}
		for _, r := range rs {
			if long := longReplacementPath(r); long != "" {
				w.problem("%s: replacements[%d]: the field path %s has more than %d parts, more than krm-fn lets kustomize walk (docs/security.md)", file, i, excerpt(long), krmio.MaxDepth)
				continue
			}
			c := replacementCopy{kustomization: file, index: i, targets: r.Targets}
			if r.Source != nil {
				c.sourceKind = r.Source.Kind
			}
			w.tree.replacements = append(w.tree.replacements, c)
		}
	}
}

// kindLine matches a kind field in YAML: about one per object.
var kindLine = regexp.MustCompile(`(?m)^[ \t-]*kind:[ \t]*["']?([A-Za-z0-9]*)`)

// patchesBySelector records the patches of kustomization file (in dir)
// that apply to every object a selector picks, with their size.
func (w *walker) patchesBySelector(file, dir string, k *types.Kustomization) {
	for i, p := range k.Patches {
		if p.Target == nil {
			continue // it names the one object it patches
		}
		b := []byte(p.Patch)
		if p.Path != "" {
			path, ok := w.local(file, dir, p.Path)
			if !ok {
				continue
			}
			var err error
			if b, err = w.fsys.ReadFile(path); err != nil {
				continue // kustomize says what is wrong
			}
		}
		nodes, _ := krmio.Scan(b)
		w.tree.patches = append(w.tree.patches, selectorPatch{kustomization: file, index: i, target: p.Target, nodes: nodes})
	}
}

// amplification checks that the patches applied by a selector cannot make
// more of what the build read than krm-fn lets a build make of its input
// (the YAML nodes of buildBytesPerNode bytes of it, and an allowance): a
// patch copied into every object it selects costs its size each time, and
// kustomize keeps every copy (a 40 KB patch over 100 ConfigMaps: 340 MB).
// The objects a selector may pick are counted as the resource files and
// generators make them, all of them unless the target names one kind.
// Likewise for replacements, which copy one value into every field their
// targets select, against what a build may render. patches and
// replacements are those of builtin configs, beside the kustomizations'.
func (t *tree) amplification(input int64, patches []selectorPatch, replacements []replacementCopy) []string {
	var problems []string
	budget := krmio.NodeAllowance + int(input)/buildBytesPerNode
	added := 0
	for _, p := range slices.Concat(t.patches, patches) {
		objects, scope := t.objects, "its objects"
		if plainKind.MatchString(p.target.Kind) {
			objects, scope = t.kinds[p.target.Kind], p.target.Kind+" objects"
		}
		added += p.nodes * objects
		if added > budget {
			problems = append(problems, fmt.Sprintf("%s: about %d YAML nodes, which the build may copy into each of about %d %s: more than krm-fn lets a build of %d bytes make (%d nodes: %d and one per %d bytes; docs/security.md); narrow its target, or patch fewer objects at a time",
				where(p.kustomization, "patches", p.index, p.what), p.nodes, objects, scope, input, budget, krmio.NodeAllowance, buildBytesPerNode))
			break
		}
	}
	copied := int64(0)
	limit := outputPerInput*input + outputAllowance
	for _, r := range slices.Concat(t.replacements, replacements) {
		value := t.largest
		if plainKind.MatchString(r.sourceKind) {
			value = t.largestByKind[r.sourceKind]
		}
		fields := 0
		for _, target := range r.targets {
			objects := t.objects
			if target.Select != nil && plainKind.MatchString(target.Select.Kind) {
				objects = t.kinds[target.Select.Kind]
			}
			fields += objects * max(1, len(target.FieldPaths))
		}
		if copied += int64(value) * int64(fields); copied > limit {
			problems = append(problems, fmt.Sprintf("%s: copies a value of up to %d bytes (the largest file or generator holding its source's kind) into about %d fields: more than krm-fn lets a build of %d bytes render (%d times that and %d MiB; docs/security.md); select fewer targets, or copy a smaller value",
				where(r.kustomization, "replacements", r.index, r.what), value, fields, input, outputPerInput, outputAllowance>>20))
			break
		}
	}
	return problems
}

// where names a patch or replacement: the builtin config holding it, or
// the kustomization's field and index.
func where(kustomization, field string, index int, what string) string {
	if what != "" {
		return what
	}
	return fmt.Sprintf("%s: %s[%d]", kustomization, field, index)
}

// plainKind matches a selector's kind that is a kind, not a pattern.
var plainKind = regexp.MustCompile(`^[A-Za-z0-9]+$`)

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
	w.configs(nodes, f)
}

// configs records the krm-fn function configs among generator,
// transformer or validator configs, for discovery (Functions). What a
// build loads, and whether it may, is computed and checked apart, with
// kustomize's own build (configs.go).
func (w *walker) configs(nodes []*yaml.RNode, f function) {
	for _, n := range nodes {
		if spec, err := runtimeutil.GetFunctionSpec(n); err != nil || spec == nil || !v1alpha1.InGroup(n.GetApiVersion()) {
			continue
		}
		found := f
		found.kind = v1alpha1.KindOf(n.GetApiVersion(), n.GetKind())
		found.renamedBy = w.renamedAfter(f.dir)
		w.tree.functions = append(w.tree.functions, found)
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
	t, err := walk(dir, root, nil)
	if err != nil {
		return nil, err
	}
	return t.files, nil
}

// walk walks the kustomization of dir inside root as a build would.
// known, if set, remembers across walks which kustomizations run krm-fn
// (in themselves or what they include), so that the walks of every
// directory of a repository (Overlays) visit each kustomization once, not
// once per kustomization that includes it.
func walk(dir, root string, known map[string]bool) (tree, error) {
	cfs, err := newConfinedFS(root, krmio.MaxInputBytes)
	if err != nil {
		return tree{}, err
	}
	real, err := cfs.check(dir)
	if err != nil {
		return tree{}, err
	}
	w := newWalker(cfs, real, Policy{Root: root})
	w.known = known
	return w.walk(), nil
}

// Functions lists the files that hold krm-fn function configs (or, for an
// inline one, the kustomization file) in the kustomization of dir and
// those it includes, walked as a build walks them (bounded, inside root,
// nothing fetched). None: dir runs no krm-fn, as far as the walk got: the
// error, an *Error, says what stopped it, if anything did.
func Functions(dir, root string) ([]string, error) {
	return functions(dir, root, nil)
}

func functions(dir, root string, known map[string]bool) ([]string, error) {
	t, err := walk(dir, root, known)
	if err != nil {
		return nil, err
	}
	if len(t.problems) > 0 {
		err = &Error{Problems: t.problems}
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
	return files, err
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

// maxCRDPaths bounds the property paths kustomize visits in a crds file.
const maxCRDPaths = 100000

// crds checks the crds entry c of kustomization file (in dir) as kustomize
// loads it (accumulator.LoadConfigFromCRDs): it visits every property of
// every definition, following a property's $ref into the definition it
// names, so a $ref back to a definition on the way recurses until the
// process dies, and refs to refs multiply the paths.
func (w *walker) crds(file, dir, c string) {
	path, ok := w.local(file, dir, c)
	if !ok {
		return
	}
	b, err := w.fsys.ReadFile(path)
	if err != nil || len(b) == 0 {
		return // kustomize says what is wrong
	}
	var defs map[string]struct{ Schema spec.Schema }
	if b[0] == '{' {
		err = json.Unmarshal(b, &defs)
	} else {
		err = sigsyaml.Unmarshal(b, &defs)
	}
	if err != nil {
		return // kustomize says what is wrong
	}
	paths := map[string]int{}
	open := map[string]bool{}
	var count func(name string) (int, error)
	count = func(name string) (int, error) {
		def, ok := defs[name]
		if !ok {
			return 0, nil
		}
		if n, ok := paths[name]; ok {
			return n, nil
		}
		if open[name] {
			return 0, fmt.Errorf("the definition %q refers back to itself through $ref", name)
		}
		open[name] = true
		n := 0
		for _, p := range def.Schema.Properties {
			n++
			if p.Ref.GetURL() != nil {
				m, err := count(p.Ref.String())
				if err != nil {
					return 0, err
				}
				n += m
			}
			if n > maxCRDPaths {
				return 0, fmt.Errorf("its $refs lead kustomize through more than %d property paths", maxCRDPaths)
			}
		}
		open[name] = false
		paths[name] = n
		return n, nil
	}
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, err := count(name); err != nil {
			w.problem("%s: crds %q: %v, which kustomize follows without end (docs/security.md)", file, c, err)
			return
		}
	}
}

// Field paths: kustomize walks a field path of n parts in time that grows
// with n squared (kyaml's PathGetter), and creates what it names: a
// replacement or a fieldSpec of 80,000 parts took minutes and rendered an
// object 80,000 levels deep. A path may have as many parts as a document
// may nest (krmio.MaxDepth).

// longPath says whether the field path p has more parts than a document
// may nest.
func longPath(p string) bool {
	return strings.Count(p, "/")+strings.Count(p, ".") >= krmio.MaxDepth
}

// excerpt is p cut for a message.
func excerpt(p string) string {
	if len(p) > 64 {
		return fmt.Sprintf("%q… (%d bytes)", p[:64], len(p))
	}
	return fmt.Sprintf("%q", p)
}

// longReplacementPath is a field path of r that is too long, or "".
func longReplacementPath(r types.Replacement) string {
	if r.Source != nil && longPath(r.Source.FieldPath) {
		return r.Source.FieldPath
	}
	for _, t := range r.Targets {
		for _, p := range t.FieldPaths {
			if longPath(p) {
				return p
			}
		}
	}
	return ""
}

// longFieldPath is the first value of a path, fieldPath or fieldPaths
// field under n that is too long, or "".
func longFieldPath(n *yaml.Node, depth int) string {
	if n == nil || depth > krmio.MaxDepth {
		return ""
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			switch {
			case (k == "path" || k == "fieldPath") && v.Kind == yaml.ScalarNode && longPath(v.Value):
				return v.Value
			case k == "fieldPaths" && v.Kind == yaml.SequenceNode:
				for _, p := range v.Content {
					if longPath(p.Value) {
						return p.Value
					}
				}
			}
		}
	}
	for _, c := range n.Content {
		if p := longFieldPath(c, depth+1); p != "" {
			return p
		}
	}
	return ""
}

// fieldPathsOf checks the field paths of the file entry e of field of
// kustomization file (in dir): a configurations file's fieldSpecs.
func (w *walker) fieldPathsOf(file, dir, field, e string) {
	path, ok := w.local(file, dir, e)
	if !ok {
		return
	}
	b, err := w.fsys.ReadFile(path)
	if err != nil {
		return // kustomize says what is wrong
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return // kustomize says what is wrong
	}
	for _, n := range nodes {
		if long := longFieldPath(n.YNode(), 0); long != "" {
			w.problem("%s: %s %q: the field path %s has more than %d parts, more than krm-fn lets kustomize walk (docs/security.md)", file, field, e, excerpt(long), krmio.MaxDepth)
			return
		}
	}
}

// generated counts the object of kind a ConfigMap or Secret generator of
// the kustomization in dir makes from s: its literals and files, which a
// replacement may copy as it may copy a resource file's values.
func (w *walker) generated(dir, kind string, s types.KvPairSources) {
	size := 0
	for _, l := range s.LiteralSources {
		size += len(l)
	}
	for _, f := range kvFiles(s) {
		if real, err := w.fsys.check(filepath.Join(dir, f)); err == nil {
			if info, err := os.Stat(real); err == nil {
				size += int(min(info.Size(), krmio.MaxInputBytes))
			}
		}
	}
	w.tree.objects++
	w.tree.kinds[kind]++
	w.tree.largest = max(w.tree.largest, size)
	w.tree.largestByKind[kind] = max(w.tree.largestByKind[kind], size)
}
