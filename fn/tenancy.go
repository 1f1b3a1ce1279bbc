package fn

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// albOf is an ALB rule set krm-fn renders to the one ingress gateway: an
// exposure's own Ingress, or a shared host's.
type albOf struct {
	scheme string
	who    string   // the exposure, or "the platform's shared host h"
	hosts  []string // its hosts
	owner  string
}

// wildcardSchemes refuses a wildcard host ("*", "*.x") on an ALB of one
// scheme when other hosts of the environment are on an ALB of another:
// every ALB forwards to the one ingress gateway, which routes by Host, so
// a wildcard rule, which lets any Host through, would take the
// internet's requests naming an internal host to it.
func wildcardSchemes(env *model.Environment, xs exposures) []problem {
	var albs []albOf
	for _, s := range xs.list {
		if len(s.x.Hosts) > 0 {
			albs = append(albs, albOf{s.x.Ingress.Annotations[v1alpha1.ALBScheme], xs.describeNode(s.node), s.x.Hosts, s.x.Owner})
		}
	}
	for _, h := range env.SharedHosts {
		albs = append(albs, albOf{h.Ingress.Annotations[v1alpha1.ALBScheme], fmt.Sprintf("the platform's shared host %q", h.Host), []string{h.Host}, h.Owner})
	}
	slices.SortStableFunc(albs, func(a, b albOf) int { return cmp.Compare(a.owner, b.owner) })
	other := func(scheme string) *albOf {
		for i := range albs {
			if albs[i].scheme != scheme {
				return &albs[i]
			}
		}
		return nil
	}
	refuse := func(host, scheme string) string {
		o := other(scheme)
		if o == nil {
			return ""
		}
		return fmt.Sprintf("wildcard host %q would be served by an %s ALB, and %s serves %s through the same ingress gateway from an %s ALB: the gateway routes by Host, and a wildcard ALB rule lets any Host through, so the %s ALB would reach those hosts; use exact hosts here, or the same scheme",
			host, scheme, o.who, strings.Join(o.hosts, ", "), o.scheme, scheme)
	}
	var ps []problem
	for _, s := range xs.list {
		for j, h := range s.x.Hosts {
			if msg := refuse(h, s.x.Ingress.Annotations[v1alpha1.ALBScheme]); strings.HasPrefix(h, "*") && msg != "" {
				ps = append(ps, s.problem(framework.Error, field.NewPath("spec", "hosts").Index(s.x.HostIndex[j]), field.Forbidden(nil, msg).ErrorBody()))
			}
		}
	}
	for _, h := range env.SharedHosts {
		msg := refuse(h.Host, h.Ingress.Annotations[v1alpha1.ALBScheme])
		if !strings.HasPrefix(h.Host, "*") || msg == "" {
			continue
		}
		for _, x := range h.Claimants {
			i := slices.Index(x.SharedHosts, h.Host)
			ps = append(ps, xs.problem(x, framework.Error, field.NewPath("spec", "hosts").Index(x.SharedIndex[i]), field.Forbidden(nil, "the platform's shared "+msg).ErrorBody()))
		}
	}
	return ps
}
