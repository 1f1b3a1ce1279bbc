package fn

import (
	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/emit"
	"github.com/krmfn/krm-fn/fn/model"
	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/parallel"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// exposure is an exposure of the input resolved on its own: the node it
// was read from, which problems name, and its model.
type exposure struct {
	node *yaml.RNode
	x    *model.Exposure
}

// exposures are the resolved exposures of a run, in the order of the
// input, with the node of each model.
type exposures struct {
	list   []exposure
	nodes  map[*model.Exposure]*yaml.RNode
	owners map[string]*yaml.RNode // the node of each owner annotation value
	lines  *krmio.Lines           // where the input's objects are in their files
}

// ofOwner is the node of the exposure whose owner annotation value is
// owner; nil for another owner (a shared host, a Gateway).
func (xs exposures) ofOwner(owner string) *yaml.RNode { return xs.owners[owner] }

// models are the models of xs, in order.
func (xs exposures) models() []*model.Exposure {
	out := make([]*model.Exposure, len(xs.list))
	for i, e := range xs.list {
		out[i] = e.x
	}
	return out
}

// problem is a problem about exposure x, at path.
func (xs exposures) problem(x *model.Exposure, sev framework.Severity, path *field.Path, msg string) problem {
	return problem{node: xs.nodes[x], severity: sev, message: msg}.at(path)
}

// describe names the spec of exposure x, with its file when known.
func (xs exposures) describe(x *model.Exposure) string { return xs.describeNode(xs.nodes[x]) }

// describeNode names the object of n, with its file and line when known.
func (xs exposures) describeNode(n *yaml.RNode) string { return describeAt(n, xs.lines) }

// resolve follows the build's renames in, defaults, validates and
// resolves each decoded exposure (specs[i] of in.exposures[i], nil when
// there was nothing to decode; decoding[i] the errors of decoding it)
// under platform, on every CPU. With a platform that is not ok, the
// exposures are checked on their own, not resolved.
func resolve(in *input, specs []*v1alpha1.ServiceExposure, decoding []field.ErrorList, platform *v1alpha1.ExposurePlatform, ok bool) (exposures, []problem) {
	var p *v1alpha1.ExposurePlatformSpec
	if ok {
		p = &platform.Spec
	}
	r := buildRenames(in.rest, in.exposures, specs)
	models := make([]*model.Exposure, len(specs))
	errs := make([]field.ErrorList, len(specs))
	_ = parallel.Run(len(specs), func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			if specs[i] == nil {
				errs[i] = decoding[i]
				continue
			}
			models[i], errs[i] = guarded(func() (*model.Exposure, field.ErrorList) {
				return resolveOne(specs[i], decoding[i], in.exposures[i], r, p)
			})
		}
		return nil
	})
	xs := exposures{nodes: map[*model.Exposure]*yaml.RNode{}, owners: map[string]*yaml.RNode{}}
	var ps []problem
	for i, n := range in.exposures {
		if models[i] != nil {
			xs.list = append(xs.list, exposure{node: n, x: models[i]})
			xs.nodes[models[i]] = n
			xs.owners[models[i].Owner] = n
		}
		ps = append(ps, fieldProblems(n, framework.Error, errs[i])...)
	}
	return xs, ps
}

// resolveOne follows the build's renames in, defaults, validates and
// resolves the exposure e of node n (as far as it decoded: decoding are
// the errors of the rest) under platform p (nil when the platform itself
// is invalid: then the exposure is checked on its own and not resolved).
func resolveOne(e *v1alpha1.ServiceExposure, decoding field.ErrorList, n *yaml.RNode, r renames, p *v1alpha1.ExposurePlatformSpec) (*model.Exposure, field.ErrorList) {
	followBuild(e, written{writtenRef(n), ref{n.GetNamespace(), n.GetName()}}, r)
	e.Default()
	if errs := validated(decoding, e.Validate(p)); len(errs) > 0 || p == nil {
		return nil, errs
	}
	return model.Resolve(e, p)
}

// buildRenames maps the Services of a build as written to what they are
// now (kustomize.go): those among the items, and those the exposures
// render.
func buildRenames(items, nodes []*yaml.RNode, specs []*v1alpha1.ServiceExposure) renames {
	r := renames{}
	for _, it := range items {
		if k, ok := emit.KindOf(it.GetApiVersion(), it.GetKind()); ok && k == emit.KindService {
			r.add(writtenRef(it), ref{it.GetNamespace(), it.GetName()})
		}
	}
	for i, e := range specs {
		if e == nil || e.Spec.Service.Create != nil && !*e.Spec.Service.Create {
			continue
		}
		n := nodes[i]
		as, now := written{writtenRef(n), ref{n.GetNamespace(), n.GetName()}}.ownService(e)
		r.add(as, now)
	}
	return r
}
