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

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/internal/fastyaml"
	"github.com/krmfn/krm-fn/internal/kustomization"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// Render renders the kustomization in dir: the bytes `kustomize build
// --enable-alpha-plugins --enable-exec dir` prints. The function's
// problems, and why it could not take the fast path, go to stderr.
func Render(dir string, stderr io.Writer) ([]byte, error) {
	fsys := filesys.MakeFsOnDisk()
	plan, why, err := planRender(fsys, dir)
	if err != nil {
		return nil, err
	}
	if plan == nil {
		fmt.Fprintf(stderr, "krm-fn render: %s: building %s with kustomize alone\n", why, dir)
		m, err := krusty.MakeKustomizer(renderOptions(krusty.ReorderOptionUnspecified)).Run(fsys, dir)
		if err != nil {
			return nil, err
		}
		return m.AsYaml()
	}
	return plan.run(fsys, dir, stderr)
}

// renderOptions are the kustomize CLI's options for `build
// --enable-alpha-plugins --enable-exec`.
func renderOptions(reorder krusty.ReorderOption) *krusty.Options {
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = reorder
	opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
	opts.PluginConfig.FnpLoadingOptions.EnableExec = true
	opts.PluginConfig.HelmConfig.Command = "helm"
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
	served, err := kn.String()
	if err != nil {
		return nil, "", err
	}
	return &renderPlan{
		kustomizationPath: path,
		kustomization:     []byte(served),
		config:            config,
		pluginName:        fmt.Sprintf("api: %s, kind: %s, name: %s", rs[0].GetApiVersion(), rs[0].GetKind(), rs[0].GetName()),
		sortOptions:       k.SortOptions,
	}, "", nil
}

// servedFS is a file system with one file's content replaced.
type servedFS struct {
	filesys.FileSystem
	path string
	data []byte
}

func (s servedFS) ReadFile(path string) ([]byte, error) {
	if filepath.Clean(path) == s.path {
		return slices.Clone(s.data), nil
	}
	return s.FileSystem.ReadFile(path)
}

func (s servedFS) Open(path string) (filesys.File, error) {
	if filepath.Clean(path) == s.path {
		return nil, fmt.Errorf("krm-fn render: %s is read with ReadFile only", path)
	}
	return s.FileSystem.Open(path)
}

// kustomize's annotation for a resource's id while a function plugin runs
// (api/internal/plugins/utils).
const kustomizeIDAnnotation = "kustomize.config.k8s.io/id"

func (p *renderPlan) run(fsys filesys.FileSystem, dir string, stderr io.Writer) ([]byte, error) {
	m, err := krusty.MakeKustomizer(renderOptions(krusty.ReorderOptionNone)).Run(
		servedFS{FileSystem: fsys, path: p.kustomizationPath, data: p.kustomization}, dir)
	if err != nil {
		return nil, err
	}

	// What kustomize's function plugin hands krm-fn: every resource with
	// its id as an annotation.
	in := m.DeepCopy()
	for _, r := range in.Resources() {
		id, err := sigsyaml.Marshal(r.CurId())
		if err != nil {
			return nil, err
		}
		a := r.GetAnnotations()
		a[kustomizeIDAnnotation] = string(id)
		if err := r.SetAnnotations(a); err != nil {
			return nil, err
		}
	}
	input, err := in.AsYaml()
	if err != nil {
		return nil, err
	}
	output, err := p.expand(input, stderr)
	if err != nil {
		return nil, err
	}
	rs, err := merge(m.Resources(), output, p.pluginName)
	if err != nil {
		return nil, err
	}
	if err := sortResources(rs, p.sortOptions); err != nil {
		return nil, err
	}

	// What krusty does last, and the CLI's printing (ResMap.AsYaml).
	var out bytes.Buffer
	for i, r := range rs {
		r.RemoveBuildAnnotations()
		if err := r.SetOrigin(nil); err != nil {
			return nil, err
		}
		if err := r.ClearTransformations(); err != nil {
			return nil, err
		}
		y, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(y)
	}
	return out.Bytes(), nil
}

// expand runs krm-fn on input as kustomize runs an exec function plugin
// (kyaml's runfn with an exec filter), with the function in process.
func (p *renderPlan) expand(input []byte, stderr io.Writer) ([]byte, error) {
	config, err := yaml.Parse(string(p.config))
	if err != nil {
		return nil, err
	}
	if err := config.PipeE(yaml.SetAnnotation("config.kubernetes.io/local-config", "true")); err != nil {
		return nil, err
	}
	filter := &runtimeutil.FunctionFilter{
		FunctionConfig: config,
		Run: func(r io.Reader, w io.Writer) error {
			return fn.Execute(&fn.Processor{Stderr: func() io.Writer { return stderr }},
				&kio.ByteReadWriter{Reader: r, Writer: w, KeepReaderAnnotations: true})
		},
	}
	var out bytes.Buffer
	err = kio.Pipeline{
		Inputs:  []kio.Reader{&kio.ByteReader{Reader: bytes.NewReader(input)}},
		Filters: []kio.Filter{filter},
		Outputs: []kio.Writer{itemWriter{kio.ByteWriter{Writer: &out}}},
	}.Execute()
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// itemWriter is a kio.Writer that writes as its ByteWriter does, item by
// item (fastyaml.WriteItems).
type itemWriter struct{ w kio.ByteWriter }

func (i itemWriter) Write(nodes []*yaml.RNode) error { return fastyaml.WriteItems(i.w, nodes, nil) }
