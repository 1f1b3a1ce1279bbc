package fn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
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
			out, err := Render(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
}

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
	var path string
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if p := root.Join(name); fsys.Exists(p) {
			if path != "" {
				return nil, "more than one kustomization file", nil
			}
			path = p
		}
	}
	if path == "" {
		return nil, "no kustomization file", nil
	}
	b, err := fsys.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	var k types.Kustomization
	if err := sigsyaml.Unmarshal(b, &k); err != nil {
		return nil, fmt.Sprintf("%s: %v", path, err), nil
	}
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
	if err != nil || len(rs) != 1 || rs[0].GetApiVersion() != APIVersion || rs[0].GetKind() != KindExposurePlatform {
		return nil, fmt.Sprintf("the last transformer %q is not one %s ExposurePlatform", last, APIVersion), nil
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
			return execute(&Processor{Stderr: func() io.Writer { return stderr }},
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
// item (writeItems).
type itemWriter struct{ w kio.ByteWriter }

func (i itemWriter) Write(nodes []*yaml.RNode) error { return writeItems(i.w, nodes, nil) }

// resourceKey is what makes two resource ids equal to kustomize
// (resid.ResId.Equals): group, version, kind, name and effective
// namespace.
type resourceKey struct{ group, version, kind, name, namespace string }

func keyOf(id resid.ResId) resourceKey {
	return resourceKey{id.Group, id.Version, id.Kind, id.Name, id.EffectiveNamespace()}
}

// merge is kustomize's UpdateResMapValues (api/internal/plugins/utils) in
// linear time: the function's output resources replace the old ones with
// the same id in place, new ones are appended in output order, old ones
// missing from the output are dropped.
func merge(old []*resource.Resource, output []byte, pluginName string) ([]*resource.Resource, error) {
	generated, err := provider.NewDepProvider().GetResourceFactory().SliceFromBytes(output)
	if err != nil {
		return nil, err
	}
	at := make(map[resourceKey]int, len(old))
	for i, r := range old {
		at[keyOf(r.CurId())] = i
	}
	list := slices.Clone(old)
	seen := make(map[resourceKey]bool, len(generated))
	for _, r := range generated {
		a := r.GetAnnotations()
		delete(a, kustomizeIDAnnotation)
		if err := r.SetAnnotations(a); err != nil {
			return nil, err
		}
		k := keyOf(r.CurId())
		if seen[k] {
			id, err := json.Marshal(r.CurId())
			if err != nil {
				id = []byte(r.CurId().String())
			}
			return nil, fmt.Errorf("plugin %s generated duplicate resource: %s", pluginName, id)
		}
		seen[k] = true
		if i, ok := at[k]; ok {
			list[i].ResetRNode(r)
		} else {
			list = append(list, r)
		}
	}
	return slices.DeleteFunc(list, func(r *resource.Resource) bool { return !seen[keyOf(r.CurId())] }), nil
}

// sortResources orders rs as kustomize's SortOrderTransformer does for
// the kustomization's sortOptions (legacy when unset, as the CLI).
//
// kustomize keeps that code in api/internal/builtins, which no other
// module can import, and its Transform re-adds every resource to a ResMap
// that checks each against all the others (quadratic). The comparison
// below is its legacyIDSorter.Less, line for line; a test checks the
// result against kustomize's own ordering.
func sortResources(rs []*resource.Resource, o *types.SortOptions) error {
	if o == nil {
		o = &types.SortOptions{Order: types.LegacySortOrder}
	}
	switch o.Order {
	case types.FIFOSortOrder:
		if o.LegacySortOptions != nil {
			return fmt.Errorf("the field 'sortOptions.legacySortOptions' is set but the selected sort order is '%v', not 'legacy'", o.Order)
		}
		return nil
	case types.LegacySortOrder:
	default:
		return fmt.Errorf("the field 'sortOptions.order' must be one of [%s, %s]", types.FIFOSortOrder, types.LegacySortOrder)
	}
	first, last := legacyOrderFirst, legacyOrderLast
	if o.LegacySortOptions != nil {
		first, last = o.LegacySortOptions.OrderFirst, o.LegacySortOptions.OrderLast
	}
	typeOrders := map[string]int{}
	for i, n := range first {
		typeOrders[n] = -len(first) + i
	}
	for i, n := range last {
		typeOrders[n] = 1 + i
	}
	type keyed struct {
		id  resid.ResId
		key string
		r   *resource.Resource
	}
	ks := make([]keyed, len(rs))
	for i, r := range rs {
		id := r.CurId()
		ks[i] = keyed{id, legacyResIDSortString(id), r}
	}
	sort.Slice(ks, func(i, j int) bool {
		a, b := ks[i].id, ks[j].id
		if !a.Gvk.Equals(b.Gvk) {
			return gvkLessThan(a.Gvk, b.Gvk, typeOrders)
		}
		return ks[i].key < ks[j].key
	})
	for i, k := range ks {
		rs[i] = k.r
	}
	return nil
}

func gvkLessThan(gvk1, gvk2 resid.Gvk, typeOrders map[string]int) bool {
	index1 := typeOrders[gvk1.Kind]
	index2 := typeOrders[gvk2.Kind]
	if index1 != index2 {
		return index1 < index2
	}
	if (gvk1.Kind == types.NamespaceKind && gvk2.Kind == types.NamespaceKind) && (gvk1.Group == "" || gvk2.Group == "") {
		return legacyGVKSortString(gvk1) > legacyGVKSortString(gvk2)
	}
	return legacyGVKSortString(gvk1) < legacyGVKSortString(gvk2)
}

func legacyGVKSortString(x resid.Gvk) string {
	g, v, k := x.Group, x.Version, x.Kind
	if g == "" {
		g = "~G"
	}
	if v == "" {
		v = "~V"
	}
	if k == "" {
		k = "~K"
	}
	return strings.Join([]string{g, v, k}, "_")
}

func legacyResIDSortString(id resid.ResId) string {
	ns, nm := id.Namespace, id.Name
	if ns == "" {
		ns = "~X"
	}
	if nm == "" {
		nm = "~N"
	}
	return strings.Join([]string{id.Gvk.String(), ns, nm}, "|")
}

// kustomize's default legacy order (defaultOrderFirst, defaultOrderLast).
var (
	legacyOrderFirst = []string{
		"Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
		"PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap",
		"Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
		"PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
	}
	legacyOrderLast = []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
)
