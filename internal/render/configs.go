package render

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/kustomization"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Function configs, by construction.
//
// kustomize runs a program for a function config it loads from a
// kustomization's generators, transformers or validators: a file, an
// inline config, or, for a directory, whatever kustomize's build of that
// directory makes (its generators, patches, commonAnnotations,
// replacements and components included). A check of the files cannot see
// what a build makes, so render does not let kustomize find configs
// itself: for every kustomization of the build it computes, with
// kustomize's own parser and build (plugins off), exactly the configs
// kustomize would load, checks each, and serves them where kustomize reads
// them (servedFS): a file's at the file's path, an inline entry's in the
// kustomization, and a directory's build's in a file of the kustomization's
// directory that the entry then names (.krm-fn-<field>-<index>.yaml, never
// on disk). krm-fn's own kinds are served naming this krm-fn program with
// no arguments; kustomize's builtins as they are; anything else is
// refused. The kustomization files themselves are served from the bytes
// walked, and any other is refused: whatever a repository holds, the only
// program kustomize can be made to run is krm-fn.

// fnFields are a kustomization's fields of function configs.
var fnFields = []string{"generators", "transformers", "validators"}

func fnEntries(k *types.Kustomization, field string) []string {
	switch field {
	case "generators":
		return k.Generators
	case "transformers":
		return k.Transformers
	default:
		return k.Validators
	}
}

// config is a function config as kustomize loads it from a kustomization.
type config struct {
	node  *yaml.RNode
	field string
	index int    // of the entry that yields it
	entry string // the entry as written
	from  string // the file holding it, or the directory whose build makes it; "" for an inline one
	built bool   // from is a directory
}

// fnEntry is an entry of a kustomization's generators, transformers or
// validators, and the configs kustomize loads from it, checked.
type fnEntry struct {
	index   int
	inline  bool
	file    string        // where kustomize reads its configs (resolved); "" for an inline one
	served  string        // the entry as served: as written, or a directory's file, or inline configs
	configs []config      // as loaded (the repository's)
	nodes   []*yaml.RNode // as served
}

// loaded is what serveConfigs found.
type loaded struct {
	fsys      *servedFS
	functions []function // krm-fn's own configs
	problems  []string
	renames   bool       // a builtin transformer may rename or move objects
	top       []*fnEntry // the transformers of the kustomization built
	// patches and replacements are the builtin configs' that copy into
	// every object they select.
	patches      []selectorPatch
	replacements []replacementCopy
}

// loadOrder is the configs of entries in the order kustomize loads them
// (kusttarget's configureExternalTransformers): the inline entries' first,
// then the others', each in the order written.
func loadOrder(entries []*fnEntry) []config {
	var inline, paths []config
	for _, e := range entries {
		if e.inline {
			inline = append(inline, e.configs...)
		} else {
			paths = append(paths, e.configs...)
		}
	}
	return append(inline, paths...)
}

// serveConfigs serves every kustomization of t, and the files kustomize
// reads function configs from, with those configs computed and checked
// (see above).
func (s *servedFS) serveConfigs(t *tree, o Options) (*loaded, error) {
	out := &loaded{fsys: s}
	for _, kd := range t.kustomizations { // those included come first
		n, err := yaml.Parse(string(kd.raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kd.file, err)
		}
		for _, field := range fnFields {
			var entries []*fnEntry
			for i, written := range fnEntries(kd.k, field) {
				e, err := s.entry(kd, field, i, written, o)
				if err != nil {
					out.problems = append(out.problems, err.Error())
					continue
				}
				for _, c := range e.configs {
					node, problem := out.check(kd, c, o)
					if problem != "" {
						out.problems = append(out.problems, problem)
						continue
					}
					e.nodes = append(e.nodes, node)
				}
				entries = append(entries, e)
			}
			if len(entries) == 0 {
				continue
			}
			if kd.top && field == "transformers" {
				out.top = entries
			}
			if err := s.serveEntries(n, field, entries); err != nil {
				return nil, err
			}
		}
		if err := s.serveNode(kd.file, n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// serveEntries serves entries, the field of kustomization n: their
// configs where kustomize reads them, and the list in n.
func (s *servedFS) serveEntries(n *yaml.RNode, field string, entries []*fnEntry) error {
	files, err := setEntries(n, field, entries)
	if err != nil {
		return err
	}
	for path, text := range files {
		if err := s.serve(path, text); err != nil {
			return err
		}
	}
	return nil
}

// setEntries sets field of kustomization n to entries as served, and
// returns the files their configs are served in, by path.
func setEntries(n *yaml.RNode, field string, entries []*fnEntry) (map[string][]byte, error) {
	files := map[string][]byte{}
	list := yaml.NewListRNode()
	for _, e := range entries {
		text, err := documents(e.nodes)
		if err != nil {
			return nil, err
		}
		node := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: e.served}
		if e.inline {
			node.Value, node.Style = text, yaml.LiteralStyle
		} else {
			files[e.file] = []byte(text)
		}
		list.YNode().Content = append(list.YNode().Content, node)
	}
	return files, n.PipeE(yaml.SetField(field, list))
}

// serveNode serves the kustomization n at path, having checked that
// kustomize reads in what is served the function configs n holds (a check
// behind kustomization.Parse's refusal of keys written twice).
func (s *servedFS) serveNode(path string, n *yaml.RNode) error {
	text, err := n.String()
	if err != nil {
		return err
	}
	served, err := kustomization.Parse(path, []byte(text))
	if err != nil {
		return fmt.Errorf("krm-fn render: %s as served: %w (please report it)", path, err)
	}
	for _, field := range fnFields {
		var want []string
		if list, err := n.Pipe(yaml.Lookup(field)); err == nil && list != nil {
			for _, e := range list.YNode().Content {
				want = append(want, e.Value)
			}
		}
		if !slices.Equal(fnEntries(served.Kustomization, field), want) {
			return fmt.Errorf("krm-fn render: %s: kustomize would read other %s than krm-fn checked (please report it)", path, field)
		}
	}
	return s.serve(path, []byte(text))
}

// documents is nodes as one YAML stream.
func documents(nodes []*yaml.RNode) (string, error) {
	var b strings.Builder
	for i, n := range nodes {
		text, err := n.String()
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.WriteString(text)
	}
	return b.String(), nil
}

// entry is the entry written, the index-th of field of kustomization kd,
// with the configs kustomize loads from it: an inline entry's, a file's as
// kustomize parses it, or those of a directory as kustomize builds it.
func (s *servedFS) entry(kd *kust, field string, index int, written string, o Options) (*fnEntry, error) {
	e := &fnEntry{index: index, served: written}
	if nodes, ok := inlineConfigs(written); ok {
		e.inline = true
		for _, n := range nodes {
			e.configs = append(e.configs, config{node: n, field: field, index: index, entry: written})
		}
		return e, nil
	}
	path := written
	if !filepath.IsAbs(path) {
		path = filepath.Join(kd.dir, written)
	}
	real, err := s.cfs.check(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %s[%d]: %w", kd.file, field, index, err)
	}
	var nodes []*yaml.RNode
	built := s.IsDir(real)
	if built {
		nodes, err = s.buildConfigs(real, o)
		name := fmt.Sprintf(".krm-fn-%s-%d.yaml", field, index)
		e.file, e.served = filepath.Join(kd.dir, name), name
	} else {
		nodes, err = s.fileConfigs(real)
		e.file = real
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %s[%d] %q: %w", kd.file, field, index, written, err)
	}
	for _, n := range nodes {
		e.configs = append(e.configs, config{node: n, field: field, index: index, entry: written, from: real, built: built})
	}
	return e, nil
}

// fileConfigs are the configs of a file, parsed as kustomize parses it.
func (s *servedFS) fileConfigs(path string) ([]*yaml.RNode, error) {
	b, err := s.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := resmap.NewFactory(provider.NewDepProvider().GetResourceFactory()).NewResMapFromBytes(b)
	if err != nil {
		return nil, err
	}
	var nodes []*yaml.RNode
	for _, r := range m.Resources() {
		nodes = append(nodes, &r.RNode)
	}
	return nodes, nil
}

// buildConfigs are the configs kustomize's build of dir makes, with
// plugins off (unless the policy allows functions): dir's own
// kustomizations are served already, their configs checked.
func (s *servedFS) buildConfigs(dir string, o Options) ([]*yaml.RNode, error) {
	opts := kustomizeOptions(o, krusty.ReorderOptionNone, false)
	m, err := runKustomize(s, dir, opts, true)
	if err != nil {
		return nil, fmt.Errorf("building it to find the function configs it makes: %w", err)
	}
	var nodes []*yaml.RNode
	for _, r := range m.Resources() {
		nodes = append(nodes, &r.RNode)
	}
	return nodes, nil
}

// check checks one config kustomize would load from kd: krm-fn's own
// kinds are recorded and returned naming this krm-fn program (o.Self);
// kustomize's builtins are returned as they are, other functions only
// when the policy allows them. The problem, if any, names the
// kustomization, the entry, the object and what it asks for.
func (l *loaded) check(kd *kust, c config, o Options) (*yaml.RNode, string) {
	n := c.node
	what := fmt.Sprintf("%s: %s %s", describeConfig(kd, c), n.GetKind(), n.GetName())
	spec, err := runtimeutil.GetFunctionSpec(n)
	switch {
	case err != nil:
		return nil, fmt.Sprintf("%s: %v", what, err)
	case isBuiltin(n):
		if long := longFieldPath(n.YNode(), 0); long != "" {
			return nil, fmt.Sprintf("%s: the field path %s has more than %d parts, more than krm-fn lets kustomize walk (docs/security.md)", what, excerpt(long), krmio.MaxDepth)
		}
		if c.field == "transformers" && slices.Contains(renamingBuiltins, n.GetKind()) {
			l.renames = true
		}
		if problem := l.copies(kd, n, what); problem != "" {
			return nil, problem
		}
		return n, ""
	case v1alpha1.InGroup(n.GetApiVersion()):
		if spec == nil {
			return nil, fmt.Sprintf("%s: a krm-fn function config needs the annotation %s (exec: {path: krm-fn}); see docs/api.md", what, runtimeutil.FunctionAnnotationKey)
		}
		file := c.from
		if file == "" || c.built {
			file = kd.file
		}
		l.functions = append(l.functions, function{kustomization: kd.file, dir: kd.dir, component: kd.component, field: c.field,
			entry: c.entry, index: c.index, file: file, kind: v1alpha1.KindOf(n.GetApiVersion(), n.GetKind()),
			top: kd.top, renamedBy: kd.renamedBy})
		if o.Self == "" {
			return n, ""
		}
		self, err := namingSelf(n, o.Self)
		if err != nil {
			return nil, fmt.Sprintf("%s: %v", what, err)
		}
		return self, ""
	case o.AllowFunctions:
		return n, ""
	case spec != nil:
		return nil, fmt.Sprintf("%s: %s asks to run %s; krm-fn renders untrusted repositories without running any function but its own kinds (docs/security.md)",
			what, functionAnnotation(n), describeFunction(spec))
	default:
		return nil, fmt.Sprintf("%s: not a kustomize builtin, so kustomize would run a plugin program for it; krm-fn renders untrusted repositories without running any (docs/security.md)", what)
	}
}

// copies records what a builtin patch or replacement config n (loaded by
// kd) may copy into the objects it selects, for the same bound as the
// kustomizations' own patches and replacements (tree.amplification).
func (l *loaded) copies(kd *kust, n *yaml.RNode, what string) string {
	switch n.GetKind() {
	case "PatchTransformer", "PatchJson6902Transformer", "PatchStrategicMergeTransformer":
		var c struct {
			Path   string          `json:"path"`
			Patch  string          `json:"patch"`
			Target *types.Selector `json:"target"`
		}
		if err := n.Document().Decode(&c); err != nil || c.Target == nil {
			return "" // kustomize says what is wrong, or the patch names its one object
		}
		b := []byte(c.Patch)
		if c.Path != "" {
			var err error
			if b, err = l.fsys.ReadFile(filepath.Join(kd.dir, c.Path)); err != nil {
				return fmt.Sprintf("%s: %v", what, err)
			}
		}
		nodes, _ := krmio.Scan(b)
		l.patches = append(l.patches, selectorPatch{kustomization: kd.file, index: -1, what: what, target: c.Target, nodes: nodes})
	case "ReplacementTransformer":
		var c struct {
			Replacements []types.ReplacementField `json:"replacements"`
		}
		if err := n.Document().Decode(&c); err != nil {
			return ""
		}
		for i, r := range c.Replacements {
			if r.Path != "" {
				return fmt.Sprintf("%s: replacements[%d]: a replacement from a file, in a builtin config: list it in the kustomization's replacements instead, where krm-fn can bound it", what, i)
			}
			if long := longReplacementPath(r.Replacement); long != "" {
				return fmt.Sprintf("%s: replacements[%d]: the field path %s has more than %d parts, more than krm-fn lets kustomize walk (docs/security.md)", what, i, excerpt(long), krmio.MaxDepth)
			}
			c := replacementCopy{kustomization: kd.file, index: i, what: what, targets: r.Targets}
			if r.Source != nil {
				c.sourceKind = r.Source.Kind
			}
			l.replacements = append(l.replacements, c)
		}
	}
	return ""
}

// describeConfig says where kustomize loads config c of kd from, for a
// problem: the file holding it, or the entry and what made it.
func describeConfig(kd *kust, c config) string {
	switch {
	case c.from == "":
		return fmt.Sprintf("%s: %s[%d] (inline)", kd.file, c.field, c.index)
	case c.built:
		return fmt.Sprintf("%s: %s[%d] %q, as kustomize builds that directory", kd.file, c.field, c.index, c.entry)
	default:
		return c.from
	}
}
