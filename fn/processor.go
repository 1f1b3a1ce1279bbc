package fn

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/krmfn/krm-fn/fn/model"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/kustomization"
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

	// Source, if set, is the text of the file at path, as the items'
	// annotations name their files (kpt's path, kustomize's origin): a
	// problem then names the line of its field in its file, where the
	// file holds it (krmio.Lines).
	Source func(path string) ([]byte, bool)
}

// Execute answers the ResourceList read from in on out as kyaml's
// framework.Execute does for p, but writes the output item by item, each
// generated object built and encoded just before it is printed
// (Rendering.Write). It prints no error: the caller does.
func Execute(p *Processor, in io.Reader, out io.Writer) error {
	req, err := krmio.ReadResourceList(in)
	if err != nil {
		return err
	}
	r, runErr := p.Run(&req.ResourceList)
	w, err := req.Answer(out)
	if err != nil {
		return err
	}
	if err := r.Write(w); err != nil {
		return err
	}
	return runErr
}

// Process renders the exposures of rl, as kyaml's framework runs a
// processor: the generated objects follow the items that pass through.
// On any error it emits no items.
func (p *Processor) Process(rl *framework.ResourceList) error {
	r, err := p.Run(rl)
	if err != nil {
		return err
	}
	nodes, err := r.Objects()
	if err != nil {
		rl.Items = nil
		return internalError(err)
	}
	rl.Items = append(rl.Items, nodes...)
	return nil
}

// Run renders the exposures of rl: rl.Items become the items that pass
// through, and the generated objects, not yet built, are the rendering's,
// to follow them. Whoever writes the output builds and encodes them as it
// goes (Rendering.Write), so that they are never all held at once. Every
// problem is printed on Stderr and added to rl.Results; with any error,
// rl.Items is empty and the error a krmio.Failure.
func (p *Processor) Run(rl *framework.ResourceList) (*Rendering, error) {
	var r *Rendering
	var rs framework.Results
	if p.Component != "" {
		rs = results([]problem{{node: rl.FunctionConfig, severity: framework.Error, message: kustomization.InComponent(p.Component)}}, nil)
	} else {
		var err error
		if r, rs, err = run(rl.FunctionConfig, rl.Items, &krmio.Lines{Source: p.Source}); err != nil {
			rl.Items = nil
			return nil, internalError(err)
		}
	}
	rl.Results = append(rl.Results, rs...)
	stderr := io.Writer(os.Stderr)
	if p.Stderr != nil {
		stderr = p.Stderr()
	}
	errs := 0
	for _, res := range rs {
		fmt.Fprintln(stderr, krmio.FormatResult(res))
		if res.Severity == framework.Error {
			errs++
		}
	}
	if errs > 0 {
		rl.Items = nil
		return nil, krmio.Failure{Errors: errs}
	}
	rl.Items = r.Items
	return r, nil
}

// Check runs every check of a render of items under config and returns
// the results, sorted, without building any object or labelling any
// item. source, if set, is the text of the items' files (Processor's
// Source).
func Check(config *yaml.RNode, items []*yaml.RNode, source func(path string) ([]byte, bool)) framework.Results {
	_, rs := stages(config, items, &krmio.Lines{Source: source})
	return rs
}

// internalError is a failure of the function itself, not of its input.
func internalError(err error) error {
	return fmt.Errorf("krm-fn: internal error, please report it: %w", err)
}

// run is the whole function: what it renders of config and items (nil
// with any error), and every problem found, sorted. The error is for
// failures of the function itself, never of the input.
func run(config *yaml.RNode, items []*yaml.RNode, lines *krmio.Lines) (*Rendering, framework.Results, error) {
	p, rs := stages(config, items, lines)
	if p == nil {
		return nil, rs, nil
	}
	r, err := p.output()
	return r, rs, err
}

// stages runs the function's stages up to the output, each a call: the
// plan (nil with any error), and every problem found, sorted. Each
// exposure is checked on its own first; the checks across exposures read
// the environment of those that pass; the checks of what the plan would
// render against the input run when those pass: fix one layer, and the
// next shows.
func stages(config *yaml.RNode, items []*yaml.RNode, lines *krmio.Lines) (*plan, framework.Results) {
	in, probs := read(config, items)
	if in == nil {
		return nil, results(probs, lines)
	}
	platform, platformOK, ps := decodePlatform(in.platform)
	probs = append(probs, ps...)
	specs, decoding := decodeExposures(in.exposures)
	xs, ps := resolve(in, specs, decoding, platform, platformOK)
	xs.lines = lines
	probs = append(probs, ps...)

	env := model.NewEnvironment(&platform.Spec, xs.models())
	probs = append(probs, check(env, xs)...)
	if hasErrors(probs) {
		return nil, results(probs, lines)
	}

	p := newPlan(env, in)
	probs = append(probs, checkPlan(p, xs)...)
	if !hasErrors(probs) {
		probs = append(probs, amplification(p, xs, inputBytes(config, items))...)
	}
	if hasErrors(probs) {
		return nil, results(probs, lines)
	}
	return p, results(probs, lines)
}

// check runs the checks across the exposures of env (xs, the nodes they
// were read from), which read env and change nothing.
func check(env *model.Environment, xs exposures) []problem {
	return slices.Concat(
		conflicts(xs),
		destinations(env, xs),
		sharedHostClaims(env, xs),
		grpcHealthChecks(env, xs),
		gatewayTLSConflicts(env, xs),
		wildcardSchemes(env, xs),
		warnings(env, xs),
	)
}

// checkPlan runs the checks of what plan p would render and label
// against the input (xs: the exposures' nodes), which change nothing.
func checkPlan(p *plan, xs exposures) []problem {
	return slices.Concat(
		meshInGatewayNamespace(p, xs),
		notReplaced(p, xs),
		injectionChecks(p, xs),
		waypointLabels(p, xs),
		reserved(p, xs),
		collisions(p, xs),
		handWritten(p, xs),
	)
}

func hasErrors(ps []problem) bool {
	return slices.ContainsFunc(ps, func(p problem) bool { return p.severity == framework.Error })
}
