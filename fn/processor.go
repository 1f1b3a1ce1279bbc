package fn

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Processor is the krm-fn ResourceListProcessor. It is a transformer when
// the function config is an ExposurePlatform (or absent) and a generator
// when it is a ServiceExposure.
type Processor struct {
	// Stderr receives every problem as a readable line: kustomize shows
	// users the function's stderr, never its results. Default: os.Stderr.
	Stderr func() io.Writer
}

// kindOrder is the order of the generated kinds in the output.
var kindOrder = [...]string{"Namespace", "Service", "Gateway", "VirtualService", "DestinationRule", "Ingress"}

// The generated kinds, as indices in kindOrder.
const (
	kindNamespace = iota
	kindService
	kindGateway
	kindVirtualService
	kindDestinationRule
	kindIngress
)

// Process expands the exposures of rl. On any error it emits no items.
func (p *Processor) Process(rl *framework.ResourceList) error {
	gen, err := p.process(rl)
	if err != nil {
		return err
	}
	nodes, err := encodeAll(gen)
	if err != nil {
		rl.Items = nil
		return internalError(err)
	}
	rl.Items = append(rl.Items, nodes...)
	return nil
}

// process is Process with the generated objects not yet encoded: they are
// returned, in output order, to follow rl.Items. Whoever writes the output
// encodes them as it goes, so that they are never all held as nodes.
func (p *Processor) process(rl *framework.ResourceList) ([]generated, error) {
	items, gen, rs, err := expand(rl.FunctionConfig, rl.Items)
	if err != nil {
		rl.Items = nil
		return nil, internalError(err)
	}
	rs.Sort()
	rl.Results = append(rl.Results, rs...)
	stderr := io.Writer(os.Stderr)
	if p.Stderr != nil {
		stderr = p.Stderr()
	}
	errs := 0
	for _, r := range rs {
		fmt.Fprintln(stderr, formatResult(r))
		if r.Severity == framework.Error {
			errs++
		}
	}
	if errs > 0 {
		rl.Items = nil
		return nil, failure{errors: errs}
	}
	rl.Items = items
	return gen, nil
}

// internalError is a failure of the function itself, not of its input.
func internalError(err error) error {
	return fmt.Errorf("krm-fn: internal error, please report it: %w", err)
}

// expand is the whole function: the input's items that pass through, the
// generated objects in output order, and every problem found. The error is
// for failures of the function itself, never of the input.
func expand(config *yaml.RNode, items []*yaml.RNode) ([]*yaml.RNode, []generated, framework.Results, error) {
	var rs framework.Results
	var exposureNodes, platformNodes, rest []*yaml.RNode
	for i, it := range items {
		switch {
		case it.YNode().Kind != yaml.MappingNode:
			rs = append(rs, result(nil, framework.Error, "", fmt.Sprintf("item %d of the input is not an object (a YAML mapping): %q", i, truncate(it.MustString(), 40))))
		case badMetadata(it) != "":
			rs = append(rs, result(nil, framework.Error, badMetadata(it),
				fmt.Sprintf("item %d of the input (%s %s) is not a Kubernetes object: this must be a mapping", i, it.GetApiVersion(), it.GetKind())))
		case !isOurs(it):
			rest = append(rest, it)
		case it.GetKind() == KindServiceExposure && it.GetApiVersion() == APIVersion:
			exposureNodes = append(exposureNodes, it)
		case it.GetKind() == KindExposurePlatform && it.GetApiVersion() == APIVersion:
			platformNodes = append(platformNodes, it)
		default:
			rs = append(rs, result(it, framework.Error, "", unknownKind(it)))
		}
	}

	// Which mode, which platform.
	platformNode := config
	switch {
	case config == nil || config.IsNilOrEmpty():
		platformNode = nil
	case config.YNode().Kind != yaml.MappingNode:
		rs = append(rs, result(nil, framework.Error, "", fmt.Sprintf("the function config is not an object (a YAML mapping): %q", truncate(config.MustString(), 40))))
		return nil, nil, rs, nil
	case badMetadata(config) != "":
		rs = append(rs, result(nil, framework.Error, badMetadata(config),
			fmt.Sprintf("the function config (%s %s) is not a Kubernetes object: this must be a mapping", config.GetApiVersion(), config.GetKind())))
		return nil, nil, rs, nil
	case config.GetKind() == "":
		platformNode = nil
	case config.GetKind() == KindExposurePlatform && config.GetApiVersion() == APIVersion:
	case config.GetKind() == KindServiceExposure && config.GetApiVersion() == APIVersion:
		platformNode = nil
		// A generator expands its config only; other exposures pass.
		rest = append(rest, exposureNodes...)
		exposureNodes = []*yaml.RNode{config}
	default:
		rs = append(rs, result(config, framework.Error, "",
			fmt.Sprintf("%s %s is not a krm-fn function config: use an %s ExposurePlatform (transformer) or ServiceExposure (generator)",
				config.GetApiVersion(), config.GetKind(), APIVersion)))
		return nil, nil, rs, nil
	}
	if platformNode == nil && len(platformNodes) > 0 {
		platformNode = platformNodes[0]
		platformNodes = platformNodes[1:]
	}
	for _, extra := range platformNodes {
		rs = append(rs, result(extra, framework.Error, "",
			fmt.Sprintf("one ExposurePlatform renders an environment, and %s already does: remove this one", describeNode(platformNode))))
	}

	platform := &ExposurePlatform{}
	platformOK := true
	if platformNode != nil {
		errs := decode(platformNode, platform)
		if len(errs) == 0 {
			platform.Default()
			errs = platform.Validate()
		}
		rs = append(rs, resultsFor(platformNode, framework.Error, errs)...)
		platformOK = len(errs) == 0
	} else {
		platform.Default()
	}

	// Each exposure on its own, on every CPU; then all of them together.
	var validPlatform *ExposurePlatformSpec
	if platformOK {
		validPlatform = &platform.Spec
	}
	models := make([]*exposure, len(exposureNodes))
	problems := make([]field.ErrorList, len(exposureNodes))
	_ = inParallel(len(exposureNodes), func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			models[i], problems[i] = expandOne(exposureNodes[i], validPlatform)
		}
		return nil
	})
	var srcs []source
	for i, n := range exposureNodes {
		if models[i] != nil {
			srcs = append(srcs, source{node: n, x: models[i]})
		}
		rs = append(rs, resultsFor(n, framework.Error, problems[i])...)
	}
	rs = append(rs, conflicts(srcs)...)
	rs = append(rs, warnings(srcs, &platform.Spec)...)
	if rs.ExitCode() != 0 {
		return nil, nil, rs, nil
	}

	// Build. A second run replaces what an earlier run generated for the
	// same exposures instead of duplicating it.
	owned := map[string]bool{}
	for _, s := range srcs {
		owned[s.x.owner] = true
	}
	rest = slices.DeleteFunc(rest, func(n *yaml.RNode) bool { return owned[n.GetAnnotations()[AnnotationOwner]] })

	var out []generated
	for _, s := range srcs {
		out = append(out, generatedBy(s.x)...)
	}
	switch platform.Spec.Injection {
	case InjectionNamespace:
		nss, nrs, err := injectNamespaces(rest, srcs)
		if err != nil {
			return nil, nil, nil, err
		}
		out, rs = append(out, nss...), append(rs, nrs...)
	case InjectionWorkload:
		wrs, err := injectWorkloads(rest, srcs)
		if err != nil {
			return nil, nil, nil, err
		}
		rs = append(rs, wrs...)
	}
	sortGenerated(out)
	rs = append(rs, collisions(rest, out, srcs)...)
	if rs.ExitCode() != 0 {
		return nil, nil, rs, nil
	}
	return rest, out, rs, nil
}

// expandOne decodes, defaults, validates and resolves one exposure under
// platform p (nil when the platform itself is invalid: then the exposure
// is checked on its own and not resolved).
func expandOne(n *yaml.RNode, p *ExposurePlatformSpec) (*exposure, field.ErrorList) {
	e := &ServiceExposure{}
	errs := decode(n, e)
	if spec := n.Field("spec"); spec == nil || yaml.IsYNodeNilOrEmpty(spec.Value.YNode()) {
		errs = field.ErrorList{field.Required(field.NewPath("spec"), "a ServiceExposure needs at least spec.hosts and spec.service.port")}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	e.Default()
	if errs := e.Validate(p); len(errs) > 0 || p == nil {
		return nil, errs
	}
	return resolve(e, p)
}

// generatedBy lists the objects exposure x generates.
func generatedBy(x *exposure) []generated {
	gen := []generated{
		{kind: kindGateway, apiVersion: istioNetworkingV1, namespace: x.namespace, name: x.gateway.name, build: lazily(buildGateway, x)},
		{kind: kindVirtualService, apiVersion: istioNetworkingV1, namespace: x.namespace, name: x.name, build: lazily(buildVirtualService, x)},
		{kind: kindDestinationRule, apiVersion: istioNetworkingV1, namespace: x.namespace, name: x.name, build: lazily(buildDestinationRule, x)},
		{kind: kindIngress, apiVersion: "networking.k8s.io/v1", namespace: x.ingress.namespace, name: x.ingress.name, build: lazily(buildIngress, x)},
	}
	if x.service.create {
		gen = append(gen, generated{kind: kindService, apiVersion: "v1", namespace: x.service.namespace, name: x.service.name, build: lazily(buildService, x)})
	}
	for i := range gen {
		gen[i].owner = x.owner
	}
	return gen
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// badMetadata returns the path of the first of metadata, its labels and
// its annotations that is present but not a mapping, or "". kyaml's
// accessors (GetName, GetAnnotations, ...) expect mappings there.
func badMetadata(n *yaml.RNode) string {
	for _, path := range [][]string{{"metadata"}, {"metadata", "labels"}, {"metadata", "annotations"}} {
		if p := notMapping(n.YNode(), path...); p != "" {
			return p
		}
	}
	return ""
}

// notMapping returns the dotted path of the first node along path, from
// the mapping n, that is present, not null and not a mapping; or "" when
// every one is a mapping or the path stops early.
func notMapping(n *yaml.Node, path ...string) string {
	for i, key := range path {
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == key {
				next = n.Content[j+1]
			}
		}
		if next == nil || next.Tag == yaml.NodeTagNull {
			return ""
		}
		if next.Kind != yaml.MappingNode {
			return strings.Join(path[:i+1], ".")
		}
		n = next
	}
	return ""
}

// isOurs says whether n is of the exposure.krmfn.io group.
func isOurs(n *yaml.RNode) bool {
	return strings.HasPrefix(n.GetApiVersion(), Group+"/")
}

func unknownKind(n *yaml.RNode) string {
	return fmt.Sprintf("%s %s is not a krm-fn kind: use %s ServiceExposure or ExposurePlatform", n.GetApiVersion(), n.GetKind(), APIVersion)
}

// sortGenerated orders generated objects by kind, namespace and name.
func sortGenerated(gen []generated) {
	slices.SortStableFunc(gen, func(a, b generated) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
	})
}

// collisions reports generated objects that would overwrite an object of
// the input or another generated object.
func collisions(rest []*yaml.RNode, out []generated, srcs []source) framework.Results {
	type id struct{ group, kind, namespace, name string }
	groupOf := func(apiVersion string) string {
		group, _, found := strings.Cut(apiVersion, "/")
		if !found {
			return ""
		}
		return group
	}
	byOwner := map[string]*yaml.RNode{}
	for _, s := range srcs {
		byOwner[s.x.owner] = s.node
	}
	seen := map[id]*yaml.RNode{}
	for _, n := range rest {
		seen[id{groupOf(n.GetApiVersion()), n.GetKind(), n.GetNamespace(), n.GetName()}] = n
	}
	generatedBy := map[id]string{}
	var rs framework.Results
	for _, g := range out {
		k := id{groupOf(g.apiVersion), kindOrder[g.kind], g.namespace, g.name}
		prevOwner, twice := generatedBy[k]
		if !twice {
			generatedBy[k] = g.owner
		}
		prev, inInput := seen[k]
		what := func() string { return describe(k.kind, k.namespace, k.name) }
		var msg string
		switch {
		case twice && byOwner[prevOwner] != nil:
			msg = fmt.Sprintf("generates %s, which %s generates too: rename one of them", what(), describeNode(byOwner[prevOwner]))
		case inInput && k.kind == "Service":
			msg = fmt.Sprintf("generates %s, which the input already has (%s): set spec.service.create: false to use the existing Service", what(), describeNode(prev))
		case inInput:
			msg = fmt.Sprintf("generates %s, which the input already has (%s): rename the exposure or remove that object", what(), describeNode(prev))
		default:
			continue
		}
		rs = append(rs, result(byOwner[g.owner], framework.Error, "metadata.name", msg))
	}
	return rs
}
