package fn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// problem is a problem about e's exposure.
func (e exposure) problem(sev framework.Severity, path *field.Path, msg string) problem {
	return problem{node: e.node, severity: sev, message: msg}.at(path)
}

// conflicts finds the problems that only show across exposures of one
// environment: the same exposure twice, a host claimed twice, a Service
// exposed twice (two DestinationRules for one host), and Ingresses of one
// ALB group that disagree on group-wide annotations.
func conflicts(xs exposures) []problem {
	// By namespace and name, whatever the order of the input: validate
	// reads files in another order than kustomize builds them, and both
	// must blame the same exposure of two.
	sorted := slices.Clone(xs.list)
	slices.SortStableFunc(sorted, func(a, b exposure) int { return strings.Compare(a.x.Owner, b.x.Owner) })
	var ps []problem
	owners := map[string]exposure{}
	type claim struct {
		src exposure
		idx int
	}
	hosts := map[string]claim{}
	services := map[string]exposure{}
	groups := map[string]exposure{}
	for _, s := range sorted {
		if first, ok := owners[s.x.Owner]; ok {
			ps = append(ps, s.problem(framework.Error, field.NewPath("metadata", "name"),
				fmt.Sprintf("the same ServiceExposure is in the input twice (also %s)", xs.describeNode(first.node))))
			continue
		}
		owners[s.x.Owner] = s
		for j, h := range s.x.Hosts {
			i := s.x.HostIndex[j]
			if first, ok := hosts[h]; ok {
				ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "hosts").Index(i),
					fmt.Sprintf("host %q is also claimed by %s (spec.hosts[%d]): one host can route to one service only%s; remove it from one of them",
						h, xs.describeNode(first.src.node), first.idx, tlsClash(s.x, first.src.x))))
				continue
			}
			hosts[h] = claim{s, i}
		}
		if first, ok := services[s.x.Service.FQDN]; ok {
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "service"),
				fmt.Sprintf("Service %s/%s is also exposed by %s: two DestinationRules for one host conflict; expose it once, with all its hosts and routes",
					s.x.Service.Namespace, s.x.Service.Name, xs.describeNode(first.node))))
		} else {
			services[s.x.Service.FQDN] = s
		}
		g := s.x.Ingress.Group
		if g == "" || len(s.x.Hosts) == 0 { // no Ingress of its own
			continue
		}
		first, ok := groups[g]
		if !ok {
			groups[g] = s
			continue
		}
		if diff := groupWideDiff(s.x.Ingress.Annotations, first.x.Ingress.Annotations); diff != "" {
			ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "ingress"),
				fmt.Sprintf("ALB group %q is shared with %s, but they disagree on group-wide settings (%s), and the AWS Load Balancer Controller stops reconciling a group that does: set spec.ingress.group to give this exposure an ALB of its own, or align the settings",
					g, xs.describeNode(first.node), diff)))
		}
	}
	return ps
}

// groupWideDiff says which group-wide annotations differ between a and b,
// as "key: a-value vs b-value" pairs; "" when none do.
func groupWideDiff(a, b map[string]string) string {
	var diffs []string
	for _, k := range v1alpha1.GroupWideAnnotations {
		va, oka := a[k]
		vb, okb := b[k]
		if va == vb && oka == okb {
			continue
		}
		diffs = append(diffs, fmt.Sprintf("%s: %s vs %s", k, orUnset(va, oka), orUnset(vb, okb)))
	}
	return strings.Join(diffs, "; ")
}

func orUnset(v string, ok bool) string {
	if !ok {
		return "(unset)"
	}
	return fmt.Sprintf("%q", v)
}
