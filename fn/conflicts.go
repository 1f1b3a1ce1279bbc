package fn

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// source is one exposure being expanded with the node it came from.
type source struct {
	node *yaml.RNode
	x    *exposure
}

// conflicts finds the problems that only show across exposures of one
// environment: the same exposure twice, a host claimed twice, a Service
// exposed twice (two DestinationRules for one host), and Ingresses of one
// ALB group that disagree on group-wide annotations.
func conflicts(srcs []source) framework.Results {
	var rs framework.Results
	owners := map[string]source{}
	type claim struct {
		src source
		idx int
	}
	hosts := map[string]claim{}
	services := map[string]source{}
	groups := map[string]source{}
	for _, s := range srcs {
		if first, ok := owners[s.x.owner]; ok {
			rs = append(rs, result(s.node, framework.Error, "metadata.name",
				fmt.Sprintf("the same ServiceExposure is in the input twice (also %s)", describeNode(first.node))))
			continue
		}
		owners[s.x.owner] = s
		for i, h := range s.x.hosts {
			if first, ok := hosts[h]; ok {
				rs = append(rs, result(s.node, framework.Error, fmt.Sprintf("spec.hosts[%d]", i),
					fmt.Sprintf("host %q is also claimed by %s (spec.hosts[%d]): one host can route to one service only; remove it from one of them",
						h, describeNode(first.src.node), first.idx)))
				continue
			}
			hosts[h] = claim{s, i}
		}
		if first, ok := services[s.x.service.fqdn]; ok {
			rs = append(rs, result(s.node, framework.Error, "spec.service",
				fmt.Sprintf("Service %s/%s is also exposed by %s: two DestinationRules for one host conflict; expose it once, with all its hosts and routes",
					s.x.service.namespace, s.x.service.name, describeNode(first.node))))
		} else {
			services[s.x.service.fqdn] = s
		}
		g := s.x.ingress.group
		if g == "" {
			continue
		}
		first, ok := groups[g]
		if !ok {
			groups[g] = s
			continue
		}
		if diff := groupWideDiff(s.x.ingress.annotations, first.x.ingress.annotations); diff != "" {
			rs = append(rs, result(s.node, framework.Error, "spec.ingress",
				fmt.Sprintf("ALB group %q is shared with %s, but they disagree on group-wide settings (%s), and the AWS Load Balancer Controller stops reconciling a group that does: set spec.ingress.group to give this exposure an ALB of its own, or align the settings",
					g, describeNode(first.node), diff)))
		}
	}
	return rs
}

// groupWideDiff says which group-wide annotations differ between a and b,
// as "key: a-value vs b-value" pairs; "" when none do.
func groupWideDiff(a, b map[string]string) string {
	var diffs []string
	for _, k := range groupWideAnnotations {
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
