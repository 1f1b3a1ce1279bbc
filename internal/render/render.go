// Package render builds kustomizations that run krm-fn, with kustomize's
// own Go API (krusty) and the function in process: `krm-fn render` and the
// Argo CD plugin. Its output is byte for byte what `kustomize build
// --enable-alpha-plugins --enable-exec` prints, in time linear in the
// number of generated objects (docs/scaling.md).
package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/fn/model"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/kustomization"
	"github.com/krmfn/krm-fn/internal/parallel"
	"github.com/krmfn/krm-fn/internal/snapshot"
	"github.com/krmfn/krm-fn/internal/yamlout"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/filters"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Options say how to render.
type Options struct {
	// Policy is what the build may do beyond reading the repository.
	Policy

	// Self is the krm-fn program kustomize runs for krm-fn's function
	// configs that the build cannot expand in process (another position
	// than the overlay's last transformer): the configs are served to
	// kustomize naming this program, whatever program and arguments they
	// name in the repository. "": such a layout is refused, unless the
	// policy allows functions (then kustomize runs what they name, from
	// PATH).
	Self string

	// Stderr receives krm-fn's problems and warnings (unless Results is
	// set), and why a build could not take the fast path (unless Notes is
	// set).
	Stderr io.Writer

	// Results, if set, receives krm-fn's problems and warnings of a build
	// that runs it in process, instead of Stderr: for a caller that
	// reports the problems of many builds together.
	Results func(framework.Results)

	// Notes receives why a build could not take the fast path, if set
	// (io.Discard: nowhere).
	Notes io.Writer

	// Rendered, if set, is told the API version and kind of every object
	// a build that succeeds renders, in output order, before they are
	// printed: what a caller would otherwise parse the output again for.
	Rendered func([]resid.Gvk)

	// Observe, if set, is told what the build reads and expands, for a
	// bound on the process's memory in proportion (internal/guard).
	Observe Observer

	// Tree, if set, holds the repository's files instead of the disk:
	// those of a git revision (krm-fn routes --diff REV).
	Tree *snapshot.Tree

	// Model, if set, is given the model krm-fn computes for the overlay
	// (fn/model) once the build has succeeded: what krm-fn routes reads.
	// A build that could not run krm-fn in process, which has no model
	// to give, is then an error saying why.
	Model func(*model.Environment)
}

// Observer is told what a build reads and expands.
type Observer interface {
	// Input: the build has read n bytes of files, each counted once.
	Input(n int64)
	// Exposures: the build expands n exposures in process.
	Exposures(n int)
}

// rendered tells o.Rendered of rs.
func (o Options) rendered(rs []*resource.Resource) {
	if o.Rendered == nil {
		return
	}
	gvks := make([]resid.Gvk, len(rs))
	for i, r := range rs {
		gvks[i] = r.GetGvk()
	}
	o.Rendered(gvks)
}

// Error is a build the policy refuses: every problem, each naming the
// file and what is wrong.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = krmio.OneLine(p) // a problem is one line, whatever path it names
	}
	return strings.Join(lines, "\n") + fmt.Sprintf("\nkrm-fn: %d %s; nothing was rendered", len(e.Problems), plural(len(e.Problems), "problem"))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// Render renders the kustomization in dir: the bytes `kustomize build
// --enable-alpha-plugins --enable-exec dir` prints, for a build the policy
// allows. Before anything is built, the kustomizations are checked against
// the policy (policy.go), and every file is read through a file system
// confined to the repository (confined.go).
func Render(dir string, o Options) ([]byte, error) {
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	root := o.Root
	if root == "" {
		root = dir
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = krmio.MaxInputBytes
	}
	cfs, err := newConfinedFS(root, o.MaxBytes, o.Tree)
	if err != nil {
		return nil, err
	}
	if o.Observe != nil {
		cfs.meter.grew = o.Observe.Input
	}
	real, err := cfs.check(dir)
	if err != nil {
		return nil, err
	}
	t := check(cfs, real, o.Policy)
	if len(t.problems) > 0 {
		return nil, &Error{Problems: t.problems}
	}
	top := t.kustomizations[len(t.kustomizations)-1] // walked last
	if !top.top {
		return nil, fmt.Errorf("krm-fn render: %s: the walk ended elsewhere (please report it)", dir)
	}

	// kustomize keeps state between builds in its process (kyaml's OpenAPI
	// schema): one build at a time, each from the default schema.
	building.Lock()
	defer building.Unlock()
	defer func() {
		if !defaultSchema() {
			openapi.ResetOpenAPI() // for whatever else the process builds
		}
	}()
	served := newServedFS(cfs)
	l, err := served.serveConfigs(&t, o)
	if err != nil {
		return nil, err
	}
	problems := l.problems
	problems = append(problems, t.amplification(cfs.meter.input(), l.patches, l.replacements)...)
	for _, f := range l.functions {
		// kustomize would run these before what renames and moves the
		// objects krm-fn renders: krm-fn, run by it, refuses a Component;
		// render refuses both, naming the files.
		switch {
		case f.component:
			problems = append(problems, kustomization.InComponent(shown(root, f.kustomization)))
		case f.renamedBy != "":
			problems = append(problems, kustomization.RenamedAfter(shown(root, f.kustomization), shown(root, f.renamedBy)))
		}
	}
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	plan, why, err := planRender(served, top, l)
	if err != nil {
		return nil, err
	}
	if plan != nil && (t.renames || l.renames) {
		plan, why = nil, "the build may rename or move objects (namePrefix, nameSuffix, namespace, replacements, a JSON patch of a name), which kustomize tells krm-fn of only as it runs it"
	}
	if plan != nil {
		plan.crossEntry = t.crossEntry
		for path, b := range plan.files {
			if err := served.serve(path, b); err != nil {
				return nil, err
			}
		}
		return plan.run(served, real, o)
	}
	if len(l.functions) > 0 {
		if o.Model != nil {
			return nil, &Error{Problems: []string{fmt.Sprintf("%s: %s, so kustomize would run krm-fn as a program, and the routes krm-fn computes there are not at hand: krm-fn routes reads an overlay krm-fn expands in process (its ExposurePlatform the overlay's last transformer, nothing renaming or moving objects; docs/routes.md), or the specs' files", dir, why)}}
		}
		if o.Self == "" && !o.AllowFunctions {
			return nil, &Error{Problems: []string{fmt.Sprintf("%s: %s, so kustomize must run krm-fn as an exec function, and this build knows no krm-fn program to run", dir, why)}}
		}
		notes := o.Notes
		if notes == nil {
			notes = o.Stderr
		}
		fmt.Fprintf(notes, "krm-fn render: %s: building %s with kustomize running krm-fn\n", why, dir)
	}
	m, err := runKustomize(served, real, kustomizeOptions(o, krusty.ReorderOptionUnspecified, len(l.functions) > 0), true)
	if err != nil {
		return nil, err
	}
	o.rendered(m.Resources())
	return printResources(m.Resources(), false, dir, outputLimit(cfs.meter))
}

// kustomizeOptions are the kustomize CLI's options for `build
// --enable-alpha-plugins --enable-exec` as far as the policy allows:
// plugins only where functions are allowed or krm-fn must run as one.
func kustomizeOptions(o Options, reorder krusty.ReorderOption, runsKrmFn bool) *krusty.Options {
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = reorder
	if o.AllowFunctions || runsKrmFn {
		opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
		opts.PluginConfig.FnpLoadingOptions.EnableExec = true
	}
	opts.PluginConfig.HelmConfig.Enabled = o.Helm != ""
	opts.PluginConfig.HelmConfig.Command = o.Helm
	return opts
}

// renderPlan is how to render an overlay whose last transformer is an
// ExposurePlatform: kustomize builds the overlay as served by
// kustomization (the platform and the sort options taken out), krm-fn runs
// in process with config, and the result is sorted by sortOptions.
type renderPlan struct {
	kustomizationPath string
	kustomization     []byte
	files             map[string][]byte // to serve, the kustomization among them
	config            []byte            // the function config, as kustomize hands it to the plugin
	pluginName        string
	sortOptions       *types.SortOptions
	served            *types.Kustomization // kustomization, parsed
	crossEntry        bool                 // whether the tree acts across the overlay's entries (build.go)
}

// planRender says how to render the kustomization built (top, served
// with its configs l) fast, or why it cannot.
func planRender(s *servedFS, top *kust, l *loaded) (*renderPlan, string, error) {
	k := top.k
	order := loadOrder(l.top)
	switch {
	case len(order) == 0:
		return nil, "the kustomization has no transformers", nil
	case len(k.Validators) > 0:
		return nil, "the kustomization has validators, which must see the expanded objects", nil
	case len(k.BuildMetadata) > 0:
		return nil, "the kustomization asks for buildMetadata", nil
	}
	last := order[len(order)-1]
	if v1alpha1.KindOf(last.node.GetApiVersion(), last.node.GetKind()) != v1alpha1.KindExposurePlatform {
		return nil, fmt.Sprintf("the last transformer kustomize loads (%s) is not an %s ExposurePlatform", describeConfig(top, last), v1alpha1.APIVersion), nil
	}
	if len(l.functions) > 1 {
		return nil, "the build runs krm-fn more than once", nil
	}
	config, err := last.node.String()
	if err != nil {
		return nil, "", err
	}

	// The overlay as served to kustomize: without the platform, and
	// unsorted (the order is applied after the expansion).
	var entries []*fnEntry
	for _, e := range l.top {
		if e.index == last.index {
			if len(e.nodes) == 1 {
				continue
			}
			e = &fnEntry{index: e.index, inline: e.inline, file: e.file, served: e.served,
				configs: e.configs[:len(e.configs)-1], nodes: e.nodes[:len(e.nodes)-1]}
		}
		entries = append(entries, e)
	}
	b, _ := s.served(top.file)
	kn, err := yaml.Parse(string(b))
	if err != nil {
		return nil, "", err
	}
	files, err := setEntries(kn, "transformers", entries)
	if err != nil {
		return nil, "", err
	}
	if err := kn.PipeE(yaml.Clear("sortOptions")); err != nil {
		return nil, "", err
	}
	// Every resource says its file, for krm-fn's problems to name
	// (printResources clears it).
	if err := kn.PipeE(yaml.SetField("buildMetadata", yaml.NewListRNode(string(types.OriginAnnotations)))); err != nil {
		return nil, "", err
	}
	text, err := kn.String()
	if err != nil {
		return nil, "", err
	}
	parsed := &types.Kustomization{}
	if err := parsed.Unmarshal([]byte(text)); err != nil {
		return nil, "", err
	}
	parsed.FixKustomization()
	parsed.BuildMetadata = nil
	if len(entries) == 0 {
		parsed.Transformers = nil
	}
	files[top.file] = []byte(text)
	return &renderPlan{
		kustomizationPath: top.file,
		kustomization:     []byte(text),
		files:             files,
		config:            []byte(config),
		pluginName:        fmt.Sprintf("api: %s, kind: %s, name: %s", last.node.GetApiVersion(), last.node.GetKind(), last.node.GetName()),
		sortOptions:       k.SortOptions,
		served:            parsed,
	}, "", nil
}

// servedFS is the confined file system of a build with some files'
// content replaced, by their resolved paths: the kustomizations walked
// (configs.go) and the overlay as the fast path builds it. A kustomization
// file it does not serve is not read: every kustomization kustomize reads
// is one the walk checked, served as checked.
type servedFS struct {
	filesys.FileSystem
	cfs   *confinedFS
	files map[string][]byte
}

func newServedFS(cfs *confinedFS) *servedFS {
	return &servedFS{FileSystem: cfs, cfs: cfs, files: map[string][]byte{}}
}

// serve replaces the content of the file at path for the build.
func (s *servedFS) serve(path string, data []byte) error {
	real, err := s.cfs.resolve(path)
	if err != nil {
		return err
	}
	s.files[real] = data
	return nil
}

func (s *servedFS) served(path string) ([]byte, bool) {
	_, b, ok := s.lookup(path)
	return b, ok
}

func (s *servedFS) lookup(path string) (string, []byte, bool) {
	real, err := s.cfs.resolve(path)
	if err != nil {
		return "", nil, false
	}
	b, ok := s.files[real]
	return real, b, ok
}

// ReadFile reads a file as served, or else from the confined file
// system; either way counted against the build's budget (meter).
func (s *servedFS) ReadFile(path string) ([]byte, error) {
	if real, b, ok := s.lookup(path); ok {
		if err := s.cfs.meter.read(real, b, path); err != nil {
			return nil, err
		}
		return slices.Clone(b), nil
	}
	if slices.Contains(konfig.RecognizedKustomizationFileNames(), filepath.Base(path)) {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errors.New("a kustomization the check of the build did not walk: not read (please report it)")}
	}
	return s.FileSystem.ReadFile(path)
}

// CleanedAbs is the directory and file of path, resolved: a file served
// need not be on disk (a directory's configs, configs.go).
func (s *servedFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	if real, _, ok := s.lookup(path); ok {
		return filesys.ConfirmedDir(filepath.Dir(real)), filepath.Base(real), nil
	}
	return s.FileSystem.CleanedAbs(path)
}

// Exists says whether path is served or on disk.
func (s *servedFS) Exists(path string) bool {
	_, _, ok := s.lookup(path)
	return ok || s.FileSystem.Exists(path)
}

func (s *servedFS) Open(path string) (filesys.File, error) {
	if _, ok := s.served(path); ok || slices.Contains(konfig.RecognizedKustomizationFileNames(), filepath.Base(path)) {
		return nil, fmt.Errorf("krm-fn render: %s is read with ReadFile only", path)
	}
	return s.FileSystem.Open(path)
}

func (p *renderPlan) run(fsys *servedFS, dir string, o Options) ([]byte, error) {
	rs, err := p.build(fsys, dir, o)
	if err != nil {
		return nil, err
	}

	// What kustomize's function plugin hands krm-fn, every resource, and
	// what it makes of krm-fn's output (utils.UpdateResMapValues), in
	// memory: the resources' own nodes go in, those that pass through come
	// out changed in place, the generated objects are encoded into nodes.
	config, err := yaml.Parse(string(p.config))
	if err != nil {
		return nil, err
	}
	if err := config.PipeE(yaml.SetAnnotation(filters.LocalConfigAnnotation, "true")); err != nil {
		return nil, err
	}
	items := make([]*yaml.RNode, len(rs))
	root := fsys.cfs.root
	for i, r := range rs {
		// The file each came from, named from the repository's root.
		if origin, err := r.GetOrigin(); err == nil && origin != nil && origin.Path != "" && origin.Repo == "" {
			origin.Path = shown(root, filepath.Join(dir, origin.Path))
			if err := r.SetOrigin(origin); err != nil {
				return nil, err
			}
		}
		items[i] = &r.RNode
	}
	if o.Observe != nil {
		o.Observe.Exposures(exposures(items))
	}
	rl := &framework.ResourceList{FunctionConfig: config, Items: items}
	stderr := o.Stderr
	if o.Results != nil {
		stderr = io.Discard
	}
	rendering, err := (&fn.Processor{Stderr: func() io.Writer { return stderr }, Source: source(fsys, root)}).Run(rl)
	if o.Results != nil {
		o.Results(rl.Results)
	}
	if err != nil {
		return nil, err
	}
	nodes, err := rendering.Objects()
	if err != nil {
		return nil, err
	}
	generated, err := provider.NewDepProvider().GetResourceFactory().ResourcesFromRNodes(nodes)
	if err != nil {
		return nil, err
	}
	if rs, err = merge(rs, rl.Items, generated, p.pluginName); err != nil {
		return nil, err
	}
	if err := sortResources(rs, p.sortOptions); err != nil {
		return nil, err
	}
	o.rendered(rs)
	out, err := printResources(rs, true, dir, outputLimit(fsys.cfs.meter))
	if err == nil && o.Model != nil {
		o.Model(rendering.Environment)
	}
	return out, err
}

// printResources is what krusty does last and the kustomize CLI prints
// (ResMap.AsYaml), each resource on every CPU, at most limit bytes (an
// error naming the overlay dir once the output would pass it). strip:
// without origin and transformation annotations (krusty removes them but
// where buildMetadata asks for them; the fast path adds them for krm-fn's
// messages). A resource of more than largeObject nodes is printed as JSON
// instead: kustomize prints through go-yaml's emitter, which keeps about a
// kilobyte a node (docs/security.md).
func printResources(rs []*resource.Resource, strip bool, dir string, limit int64) ([]byte, error) {
	// First each resource as JSON (or, if large, its document), which is
	// quick to make and about the size of its YAML: a rendering over the
	// limit stops there, before the slow conversions, holding at most the
	// limit.
	docs := make([][]byte, len(rs))
	json := make([][]byte, len(rs))
	var total atomic.Int64
	err := runParts(len(rs), func(i int) error {
		r := rs[i]
		if strip {
			if len(r.GetAnnotations(resource.BuildAnnotations...)) > 0 {
				r.RemoveBuildAnnotations() // rewrites every annotation: only when needed
			}
			if err := r.SetOrigin(nil); err != nil {
				return err
			}
			if err := r.ClearTransformations(); err != nil {
				return err
			}
		}
		var err error
		if docs[i], err = yamlout.LargeAsJSON(r.YNode()); err != nil {
			return fmt.Errorf("%s: %w", r.CurId(), err)
		}
		if docs[i] == nil {
			// r.AsYAML, with the JSON made from the nodes directly.
			if json[i], err = yamlout.JSON(&r.RNode); err != nil {
				return err
			}
		}
		if n := total.Add(int64(len(docs[i]) + len(json[i]))); n > limit {
			return &Error{Problems: []string{fmt.Sprintf("%s: the build renders more than %d MiB (%s %s among its objects), %d times the bytes of the files it read and %d MiB: something in it copies more than it reads (a replacement, a patch, a generator); krm-fn stops there (docs/security.md)",
				dir, limit>>20, r.GetKind(), r.CurId().Name, outputPerInput, outputAllowance>>20)}}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = runParts(len(rs), func(i int) (err error) {
		if docs[i] == nil {
			docs[i], err = sigsyaml.JSONToYAML(json[i])
			json[i] = nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	size := 0
	for _, d := range docs {
		size += len(d) + 4
	}
	out.Grow(size)
	for i, d := range docs {
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(d)
	}
	return out.Bytes(), nil
}

// runParts calls f on every index below n, on every CPU, until one fails:
// that error.
func runParts(n int, f func(i int) error) error {
	var first atomic.Pointer[error]
	parallel.Run(n, func(_, lo, hi int) error {
		for i := lo; i < hi && first.Load() == nil; i++ {
			if err := f(i); err != nil {
				first.CompareAndSwap(nil, &err)
			}
		}
		return nil
	})
	if err := first.Load(); err != nil {
		return *err
	}
	return nil
}

// What a build may render: outputPerInput times the bytes of the files it
// reads (each counted once), and outputAllowance. An environment renders a
// few times its specs (docs/benchmarks.md); a replacement that copies one
// value into every object, many times more.
const (
	outputPerInput  = 100
	outputAllowance = 16 << 20
)

// outputLimit is what the build metered by m may render.
func outputLimit(m *meter) int64 {
	return outputPerInput*m.input() + outputAllowance
}

// source is the text of a file of the build, named as a problem names
// it (shown), read again through fsys: for the line of a problem.
func source(fsys *servedFS, root string) func(string) ([]byte, bool) {
	return func(path string) ([]byte, bool) {
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		b, err := fsys.ReadFile(path)
		return b, err == nil
	}
}

// shown is path as a problem names it: relative to the repository root.
func shown(root, path string) string {
	if rel, err := filepath.Rel(root, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}

// exposures counts the ServiceExposures among items.
func exposures(items []*yaml.RNode) int {
	n := 0
	for _, it := range items {
		if v1alpha1.KindOf(it.GetApiVersion(), it.GetKind()) == v1alpha1.KindServiceExposure {
			n++
		}
	}
	return n
}
