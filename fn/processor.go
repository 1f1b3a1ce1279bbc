package fn

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/kustomization"
	"github.com/krmfn/krm-fn/internal/parallel"
	"github.com/krmfn/krm-fn/internal/yamlout"
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

	// Component is the kustomization file of the Component kustomize runs
	// krm-fn from, if it does: an error (kustomization.InComponent).
	Component string
}

// Process expands the exposures of rl. On any error it emits no items.
func (p *Processor) Process(rl *framework.ResourceList) error {
	gen, err := p.Expand(rl)
	if err != nil {
		return err
	}
	nodes, err := yamlout.EncodeAll(gen)
	if err != nil {
		rl.Items = nil
		return internalError(err)
	}
	rl.Items = append(rl.Items, nodes...)
	return nil
}

// Expand is Process with the generated objects not yet encoded: rl.Items
// are the items that pass through, and the generated objects are
// returned, in output order, to follow them. Whoever writes the output
// encodes them as it goes (yamlout.WriteItems), so that they are never
// all held as nodes. Every problem is printed on Stderr and added to
// rl.Results; with any error, rl.Items is empty and the error a Failure.
func (p *Processor) Expand(rl *framework.ResourceList) ([]yamlout.Lazy, error) {
	var out *expansion
	if p.Component != "" {
		out = &expansion{results: results([]problem{{node: rl.FunctionConfig, severity: framework.Error, message: kustomization.InComponent(p.Component)}})}
	} else {
		var err error
		if out, err = expand(rl.FunctionConfig, rl.Items); err != nil {
			rl.Items = nil
			return nil, internalError(err)
		}
	}
	rl.Results = append(rl.Results, out.results...)
	stderr := io.Writer(os.Stderr)
	if p.Stderr != nil {
		stderr = p.Stderr()
	}
	errs := 0
	for _, r := range out.results {
		fmt.Fprintln(stderr, krmio.FormatResult(r))
		if r.Severity == framework.Error {
			errs++
		}
	}
	if errs > 0 {
		rl.Items = nil
		return nil, krmio.Failure{Errors: errs}
	}
	rl.Items = out.items
	gen := make([]yamlout.Lazy, len(out.generated))
	for i, g := range out.generated {
		gen[i] = g.object
	}
	return gen, nil
}

// Check runs every check of a render of items under config and returns
// the results, sorted, without building any object. The error is for
// failures of the function itself, never of the input.
func Check(config *yaml.RNode, items []*yaml.RNode) (framework.Results, error) {
	out, err := expand(config, items)
	if err != nil {
		return nil, internalError(err)
	}
	return out.results, nil
}

// Execute answers the ResourceList read from in on out as kyaml's
// framework.Execute does for p, but with the output written item by item,
// each generated object encoded just before it is printed
// (yamlout.WriteItems). It prints no error: the caller does.
func Execute(p *Processor, in io.Reader, out io.Writer) error {
	req, err := krmio.ReadResourceList(in)
	if err != nil {
		return err
	}
	gen, processErr := p.Expand(&req.ResourceList)
	w, err := req.Answer(out)
	if err != nil {
		return err
	}
	if err := yamlout.WriteItems(w, req.Items, gen); err != nil {
		return err
	}
	return processErr
}

// internalError is a failure of the function itself, not of its input.
func internalError(err error) error {
	return fmt.Errorf("krm-fn: internal error, please report it: %w", err)
}

// expansion is what a run makes of its input.
type expansion struct {
	items     []*yaml.RNode // the input's items that pass through
	generated []generated   // in output order
	results   framework.Results
}

// expand is the whole function: the input's items that pass through, the
// generated objects in output order, and every problem found (with any
// error, no items). The error is for failures of the function itself,
// never of the input.
func expand(config *yaml.RNode, items []*yaml.RNode) (*expansion, error) {
	in, probs := readInput(config, items)
	if in == nil {
		return &expansion{results: results(probs)}, nil
	}

	platform := &v1alpha1.ExposurePlatform{}
	platformOK := true
	if in.platform != nil {
		errs := decode(in.platform, platform)
		if len(errs) == 0 {
			platform.Default()
			errs = platform.Validate()
		}
		probs = append(probs, fieldProblems(in.platform, framework.Error, errs)...)
		platformOK = len(errs) == 0
	} else {
		platform.Default()
	}

	// Each exposure on its own, on every CPU; then all of them together.
	var validPlatform *v1alpha1.ExposurePlatformSpec
	if platformOK {
		validPlatform = &platform.Spec
	}
	models := make([]*model.Exposure, len(in.exposures))
	errs := make([]field.ErrorList, len(in.exposures))
	specs := make([]*v1alpha1.ServiceExposure, len(in.exposures))
	_ = parallel.Run(len(in.exposures), func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			specs[i], errs[i] = decodeExposure(in.exposures[i])
		}
		return nil
	})
	r := buildRenames(in.rest, in.exposures, specs)
	_ = parallel.Run(len(in.exposures), func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			if specs[i] != nil {
				models[i], errs[i] = expandOne(specs[i], in.exposures[i], r, validPlatform)
			}
		}
		return nil
	})
	var srcs []source
	for i, n := range in.exposures {
		if models[i] != nil {
			srcs = append(srcs, source{node: n, x: models[i]})
		}
		probs = append(probs, fieldProblems(n, framework.Error, errs[i])...)
	}
	probs = append(probs, conflicts(srcs)...)
	probs = append(probs, otherServices(srcs)...)
	shared, sps := sharedHosts(srcs, &platform.Spec)
	probs = append(probs, sps...)
	probs = append(probs, grpcHealthChecks(srcs, shared)...)
	probs = append(probs, warnings(srcs, &platform.Spec)...)
	if hasErrors(probs) {
		return &expansion{results: results(probs)}, nil
	}

	// Build. A second run replaces what an earlier run generated for the
	// same exposures instead of duplicating it.
	owned := map[string]bool{}
	byOwner := map[string]*yaml.RNode{}
	for _, s := range srcs {
		owned[s.x.Owner] = true
		byOwner[s.x.Owner] = s.node
	}
	for _, h := range shared {
		owned[h.Owner] = true
	}
	gw := platformGateway(srcs, &platform.Spec)
	for _, g := range gw {
		owned[g.owner] = true
	}
	wps, wpps := waypointsOf(srcs, &platform.Spec)
	probs = append(probs, wpps...)
	for _, w := range wps {
		owned[w.Owner] = true
	}
	rest, rps := replaced(in.rest, owned)
	probs = append(probs, rps...)

	var out []generated
	for _, s := range srcs {
		out = append(out, generatedBy(s.x)...)
	}
	for _, h := range shared {
		out = append(out, sharedObjects(h, platform.Spec.API)...)
	}
	out = append(out, gw...)
	if _, _, ok := platform.Spec.NamespaceLabel(); ok {
		nss, nps, err := injectNamespaces(rest, srcs, &platform.Spec)
		if err != nil {
			return nil, err
		}
		out, probs = append(out, nss...), append(probs, nps...)
	}
	pps, err := injectPods(rest, srcs, &platform.Spec)
	if err != nil {
		return nil, err
	}
	probs = append(probs, pps...)
	out, wpps, err = useWaypoints(rest, out, wps, srcs)
	if err != nil {
		return nil, err
	}
	probs = append(probs, wpps...)
	sortGenerated(out)
	probs = append(probs, reserved(out, &platform.Spec, byOwner)...)
	probs = append(probs, collisions(rest, out, srcs, in.platform)...)
	if hasErrors(probs) {
		return &expansion{results: results(probs)}, nil
	}
	return &expansion{items: rest, generated: out, results: results(probs)}, nil
}

func hasErrors(ps []problem) bool {
	return slices.ContainsFunc(ps, func(p problem) bool { return p.severity == framework.Error })
}

// decodeExposure decodes the exposure of n; nil with its errors.
func decodeExposure(n *yaml.RNode) (*v1alpha1.ServiceExposure, field.ErrorList) {
	e := &v1alpha1.ServiceExposure{}
	errs := decode(n, e)
	if spec := n.Field("spec"); spec == nil || yaml.IsYNodeNilOrEmpty(spec.Value.YNode()) {
		errs = field.ErrorList{field.Required(field.NewPath("spec"), "a ServiceExposure needs at least spec.hosts and spec.service.port")}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return e, nil
}

// buildRenames maps the Services of a build as written to what they are
// now (kustomize.go): those among the items, and those the exposures
// render.
func buildRenames(items, exposures []*yaml.RNode, specs []*v1alpha1.ServiceExposure) renames {
	r := renames{}
	for _, it := range items {
		if it.GetApiVersion() == "v1" && it.GetKind() == "Service" {
			r.add(writtenRef(it), ref{it.GetNamespace(), it.GetName()})
		}
	}
	for i, e := range specs {
		if e == nil || e.Spec.Service.Create != nil && !*e.Spec.Service.Create {
			continue
		}
		n := exposures[i]
		as, now := written{writtenRef(n), ref{n.GetNamespace(), n.GetName()}}.ownService(e)
		r.add(as, now)
	}
	return r
}

// expandOne follows the build's renames in, defaults, validates and
// resolves the exposure e of node n under platform p (nil when the
// platform itself is invalid: then the exposure is checked on its own and
// not resolved).
func expandOne(e *v1alpha1.ServiceExposure, n *yaml.RNode, r renames, p *v1alpha1.ExposurePlatformSpec) (*model.Exposure, field.ErrorList) {
	followBuild(e, written{writtenRef(n), ref{n.GetNamespace(), n.GetName()}}, r)
	e.Default()
	if errs := e.Validate(p); len(errs) > 0 || p == nil {
		return nil, errs
	}
	return model.Resolve(e, p)
}
