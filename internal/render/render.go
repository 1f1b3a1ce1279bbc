// Package render builds kustomizations that run krm-fn, with kustomize's
// own Go API (krusty) and the function in process: `krm-fn render` and the
// Argo CD plugin. Its output is byte for byte what `kustomize build
// --enable-alpha-plugins --enable-exec` prints, in time linear in the
// number of generated objects (docs/scaling.md).
package render

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/kustomization"
	"github.com/krmfn/krm-fn/internal/parallel"
	"github.com/krmfn/krm-fn/internal/yamlout"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio/filters"
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

	// Stderr receives krm-fn's problems and warnings, and why a build could
	// not take the fast path (unless Notes is set).
	Stderr io.Writer

	// Notes receives why a build could not take the fast path, if set
	// (io.Discard: nowhere).
	Notes io.Writer

	// Rendered, if set, is told the API version and kind of every object
	// a build that succeeds renders, in output order, before they are
	// printed: what a caller would otherwise parse the output again for.
	Rendered func([]resid.Gvk)
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
	return strings.Join(e.Problems, "\n") + fmt.Sprintf("\nkrm-fn: %d %s; nothing was rendered", len(e.Problems), plural(len(e.Problems), "problem"))
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
	cfs, err := newConfinedFS(root, o.MaxBytes)
	if err != nil {
		return nil, err
	}
	real, err := cfs.check(dir)
	if err != nil {
		return nil, err
	}
	t := check(cfs, real, o.Policy)
	for _, f := range t.functions {
		// kustomize would run these before what renames and moves the
		// objects krm-fn renders: krm-fn, run by it, refuses a Component;
		// render refuses both, naming the files.
		switch {
		case f.component:
			t.problems = append(t.problems, kustomization.InComponent(shown(root, f.kustomization)))
		case f.renamedBy != "":
			t.problems = append(t.problems, kustomization.RenamedAfter(shown(root, f.kustomization), shown(root, f.renamedBy)))
		}
	}
	if len(t.problems) > 0 {
		return nil, &Error{Problems: t.problems}
	}
	served := &servedFS{FileSystem: cfs, files: map[string][]byte{}}
	plan, why, err := planRender(cfs, real)
	if err != nil {
		return nil, err
	}
	if plan != nil && t.renames {
		plan, why = nil, "the build may rename or move objects (namePrefix, nameSuffix, namespace, replacements, a JSON patch of a name), which kustomize tells krm-fn of only as it runs it"
	}
	if plan != nil && len(t.functions) == 1 {
		plan.crossEntry = t.crossEntry
		if err := served.serve(plan.kustomizationPath, plan.kustomization); err != nil {
			return nil, err
		}
		return plan.run(served, real, o)
	}
	if len(t.functions) > 0 {
		if o.Self == "" && !o.AllowFunctions {
			return nil, &Error{Problems: []string{fmt.Sprintf("%s: %s, so kustomize must run krm-fn as an exec function, and this build knows no krm-fn program to run", dir, why)}}
		}
		if o.Self != "" {
			if err := served.runSelf(t.functions, o.Self); err != nil {
				return nil, err
			}
		}
		notes := o.Notes
		if notes == nil {
			notes = o.Stderr
		}
		fmt.Fprintf(notes, "krm-fn render: %s: building %s with kustomize running krm-fn\n", why, dir)
	}
	m, err := krusty.MakeKustomizer(kustomizeOptions(o, krusty.ReorderOptionUnspecified, len(t.functions) > 0)).Run(served, real)
	if err != nil {
		return nil, err
	}
	o.rendered(m.Resources())
	return m.AsYaml()
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
	config            []byte // the function config, as kustomize hands it to the plugin
	pluginName        string
	sortOptions       *types.SortOptions
	served            *types.Kustomization // kustomization, parsed
	crossEntry        bool                 // whether the tree acts across the overlay's entries (build.go)
}

// planRender says how to render dir fast, or why it cannot.
func planRender(fsys filesys.FileSystem, dir string) (*renderPlan, string, error) {
	root, _, err := fsys.CleanedAbs(dir)
	if err != nil {
		return nil, "", err
	}
	kf, err := kustomization.Read(fsys, string(root))
	if err != nil {
		return nil, err.Error(), nil // kustomize says it better
	}
	path, b, k := kf.Path, kf.Raw, kf.Kustomization
	switch {
	case len(k.Transformers) == 0:
		return nil, "the kustomization has no transformers", nil
	case len(k.Validators) > 0:
		return nil, "the kustomization has validators, which must see the expanded objects", nil
	case len(k.BuildMetadata) > 0:
		return nil, "the kustomization asks for buildMetadata", nil
	}
	last := k.Transformers[len(k.Transformers)-1]
	if n, err := yaml.Parse(last); err == nil && n.YNode().Kind == yaml.MappingNode {
		return nil, "the last transformer is inline", nil
	}
	configPath := root.Join(last)
	if fsys.IsDir(configPath) || !fsys.Exists(configPath) {
		return nil, fmt.Sprintf("the last transformer %q is not a file", last), nil
	}
	cb, err := fsys.ReadFile(configPath)
	if err != nil {
		return nil, "", err
	}
	rs, err := provider.NewDepProvider().GetResourceFactory().SliceFromBytes(cb)
	if err != nil || len(rs) != 1 || v1alpha1.KindOf(rs[0].GetApiVersion(), rs[0].GetKind()) != v1alpha1.KindExposurePlatform {
		return nil, fmt.Sprintf("the last transformer %q is not one %s ExposurePlatform", last, v1alpha1.APIVersion), nil
	}
	config, err := rs[0].AsYAML()
	if err != nil {
		return nil, "", err
	}
	if spec, err := runtimeutil.GetFunctionSpec(yaml.MustParse(string(config))); err != nil || spec == nil || spec.DeferFailure {
		return nil, fmt.Sprintf("the ExposurePlatform %q does not name krm-fn in a config.kubernetes.io/function annotation", last), nil
	}

	// The overlay as served to kustomize: without the platform, and
	// unsorted (the order is applied after the expansion).
	kn, err := yaml.Parse(string(b))
	if err != nil {
		return nil, "", err
	}
	ts, err := kn.Pipe(yaml.Lookup("transformers"))
	if err != nil || ts == nil || ts.YNode().Kind != yaml.SequenceNode {
		return nil, "the kustomization's transformers are not a list", nil
	}
	ts.YNode().Content = ts.YNode().Content[:len(ts.YNode().Content)-1]
	if err := kn.PipeE(yaml.Clear("sortOptions")); err != nil {
		return nil, "", err
	}
	// Every resource says its file, for krm-fn's problems to name
	// (printResources clears it).
	if err := kn.PipeE(yaml.SetField("buildMetadata", yaml.NewListRNode(string(types.OriginAnnotations)))); err != nil {
		return nil, "", err
	}
	served, err := kn.String()
	if err != nil {
		return nil, "", err
	}
	parsed := *k
	parsed.Transformers = k.Transformers[:len(k.Transformers)-1]
	parsed.SortOptions = nil
	return &renderPlan{
		kustomizationPath: path,
		kustomization:     []byte(served),
		config:            config,
		pluginName:        fmt.Sprintf("api: %s, kind: %s, name: %s", rs[0].GetApiVersion(), rs[0].GetKind(), rs[0].GetName()),
		sortOptions:       k.SortOptions,
		served:            &parsed,
	}, "", nil
}

// servedFS is a file system with some files' content replaced, by their
// resolved paths.
type servedFS struct {
	filesys.FileSystem
	files map[string][]byte
}

func (s *servedFS) served(path string) ([]byte, bool) {
	real, err := resolve(path)
	if err != nil {
		return nil, false
	}
	b, ok := s.files[real]
	return b, ok
}

func (s *servedFS) ReadFile(path string) ([]byte, error) {
	if b, ok := s.served(path); ok {
		return slices.Clone(b), nil
	}
	return s.FileSystem.ReadFile(path)
}

func (s *servedFS) Open(path string) (filesys.File, error) {
	if _, ok := s.served(path); ok {
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
	root := o.Root
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
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
	rl := &framework.ResourceList{FunctionConfig: config, Items: items}
	rendering, err := (&fn.Processor{Stderr: func() io.Writer { return o.Stderr }}).Run(rl)
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
	return printResources(rs)
}

// printResources is what krusty does last and the kustomize CLI prints
// (ResMap.AsYaml), each resource on every CPU. A resource of more than
// largeObject nodes is printed as JSON instead: kustomize prints through
// go-yaml's emitter, which keeps about a kilobyte a node (docs/security.md).
func printResources(rs []*resource.Resource) ([]byte, error) {
	docs := make([][]byte, len(rs))
	err := parallel.Run(len(rs), func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			r := rs[i]
			if len(r.GetAnnotations(resource.BuildAnnotations...)) > 0 {
				r.RemoveBuildAnnotations() // rewrites every annotation: only when needed
			}
			if err := r.SetOrigin(nil); err != nil {
				return err
			}
			if err := r.ClearTransformations(); err != nil {
				return err
			}
			var err error
			if docs[i], err = yamlout.LargeAsJSON(r.YNode()); err != nil || docs[i] != nil {
				if err != nil {
					return fmt.Errorf("%s: %w", r.CurId(), err)
				}
				continue
			}
			// r.AsYAML, with the JSON made from the nodes directly.
			j, err := yamlout.JSON(&r.RNode)
			if err != nil {
				return err
			}
			if docs[i], err = sigsyaml.JSONToYAML(j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(d)
	}
	return out.Bytes(), nil
}

// shown is path as a problem names it: relative to the repository root.
func shown(root, path string) string {
	if rel, err := filepath.Rel(root, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}
