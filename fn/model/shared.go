package model

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/api/v1alpha1"
)

// SharedOwnerPrefix starts the owner annotation of what a shared host
// renders: "host:<host>".
const SharedOwnerPrefix = "host:"

// NewSharedHost is the shared host h (qualified) under platform p, without
// routes: its objects' names, its Gateway, and its Ingress, with the
// platform's ALB settings (an exposure's overrides cannot apply to a host
// others share).
func NewSharedHost(h string, p *v1alpha1.ExposurePlatformSpec) *SharedHost {
	ann, group, _ := ingressAnnotations(&v1alpha1.ServiceExposureSpec{}, p) // the platform's own settings and group: always a valid name
	_ = orderWildcards(ann, group, []string{h})                             // the platform's annotations cannot set group.order
	name := SharedName(h)
	return &SharedHost{
		Host:    h,
		Name:    name,
		Owner:   SharedOwnerPrefix + h,
		Gateway: Gateway{Name: name, Selector: p.Gateway.Selector, Port: p.Gateway.Port},
		Ingress: platformIngress(name, ann, group, p),
		// With the environment's TLSGateway serving it.
		ALBReencrypts: p.ALBReencrypts(),
	}
}

// SharedName is the name of the objects of shared host h: "shared-" and
// the host's labels joined by "-" ("*" as "wildcard"), a DNS label (a
// Gateway's name must be one). Where that could be another host's name
// too (the host has a "-" of its own, or the name is too long and is cut),
// a hash of the host ends it, so that two hosts never share a name.
func SharedName(h string) string {
	name := "shared-" + strings.ReplaceAll(strings.ReplaceAll(h, "*", "wildcard"), ".", "-")
	if len(name) <= 63 && !strings.Contains(h, "-") {
		return name
	}
	sum := sha256.Sum256([]byte(h))
	return strings.TrimRight(name[:min(len(name), 54)], "-") + "-" + hex.EncodeToString(sum[:4])
}

// SharesHosts says whether the routes of x go on the shared hosts it
// claims: not when spec.ingress changes the platform's ALB settings (a
// shared host's one Ingress takes the platform's), nor for gRPC (that
// Ingress has the platform's HTTP/1.1 target group, through which gRPC
// does not pass). The checks refuse such a claim.
func (x *Exposure) SharesHosts() bool {
	return !x.IngressOverrides && x.Service.Protocol != v1alpha1.ProtocolGRPC
}

// sharedHosts assembles the hosts of the platform's sharedHosts that
// exposures claim: each with the routes of all its claims, in the host's
// precedence (most specific first), but those of the same requests as an
// earlier claim of another exposure. Hosts claimed by the same exposures
// share those routes: they are ordered once.
func sharedHosts(exposures []*Exposure, p *v1alpha1.ExposurePlatformSpec) []*SharedHost {
	claimants := map[string][]*Exposure{}
	for _, x := range exposures {
		if !x.SharesHosts() {
			continue
		}
		for _, h := range x.SharedHosts {
			claimants[h] = append(claimants[h], x)
		}
	}
	type ordered struct {
		routes     []*Route
		duplicates []Duplicate
	}
	done := map[string]ordered{}
	var hosts []*SharedHost
	for _, h := range slices.Sorted(maps.Keys(claimants)) {
		sh := NewSharedHost(h, p)
		sh.Claimants = slices.SortedFunc(slices.Values(claimants[h]), func(a, b *Exposure) int { return strings.Compare(a.Owner, b.Owner) })
		for i, x := range sh.Claimants {
			if i == 0 {
				sh.Carried = x.Carried
			} else {
				sh.Carried = sh.Carried.Common(x.Carried)
			}
			if !slices.Contains(sh.Namespaces, x.Namespace) {
				sh.Namespaces = append(sh.Namespaces, x.Namespace)
			}
		}
		slices.Sort(sh.Namespaces)
		sh.Carried = sh.Carried.Shared()
		var key strings.Builder
		for _, x := range sh.Claimants {
			key.WriteString(x.Owner)
			key.WriteByte(0)
		}
		o, ok := done[key.String()]
		if !ok {
			o.routes, o.duplicates = orderClaims(sh.Claimants)
			done[key.String()] = o
		}
		sh.Routes, sh.Duplicates = o.routes, o.duplicates
		hosts = append(hosts, sh)
	}
	return hosts
}

// orderClaims orders the routes of the exposures that claim a shared host
// in the host's precedence: the routes, and the claims of the same
// requests as an earlier claim of another exposure, left out of them.
func orderClaims(xs []*Exposure) ([]*Route, []Duplicate) {
	n := 0
	for _, x := range xs {
		n += len(x.Routes)
	}
	cs := make([]Claim, 0, n)
	for _, x := range xs {
		for i := range x.Routes {
			cs = append(cs, Claim{x, i})
		}
	}
	slices.SortStableFunc(cs, func(a, b Claim) int {
		return cmp.Or(cmpPrecedence(a.X.Routes[a.Route].Match, b.X.Routes[b.Route].Match),
			strings.Compare(a.X.Owner, b.X.Owner), cmp.Compare(a.Route, b.Route))
	})
	routes := make([]*Route, 0, len(cs))
	var duplicates []Duplicate
	seen := make(map[string]Claim, len(cs))
	for _, c := range cs {
		key := matchKey(c.X.Routes[c.Route].Match)
		if first, ok := seen[key]; ok && first.X != c.X {
			duplicates = append(duplicates, Duplicate{Claim: c, First: first})
			continue
		}
		seen[key] = c
		routes = append(routes, &c.X.Routes[c.Route])
	}
	return routes, duplicates
}

// cmpPrecedence orders the matches of a shared host, most specific first:
// exact paths, then prefixes longest first, then regexes (in the order
// claimed); on the same path, one with a method, headers or query
// parameters before one without.
func cmpPrecedence(a, b v1alpha1.Match) int {
	if c := cmp.Compare(a.PathRank(), b.PathRank()); c != 0 || a.PathRank() == 2 {
		return c
	}
	path := func(m v1alpha1.Match) string { return m.Exact + m.Prefix }
	conditions := func(m v1alpha1.Match) int {
		if m.Method != "" || len(m.Headers) > 0 || len(m.QueryParams) > 0 {
			return 0
		}
		return 1
	}
	return cmp.Or(
		-cmp.Compare(len(path(a)), len(path(b))), // longest first
		strings.Compare(path(a), path(b)),
		cmp.Compare(conditions(a), conditions(b)))
}

// matchKey says what requests a match selects, for finding two claims of
// the same requests.
func matchKey(m v1alpha1.Match) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q %q %q %q", m.Exact, m.Prefix, m.Regex, m.Method)
	for _, set := range []map[string]v1alpha1.StringMatch{m.Headers, m.QueryParams} {
		for _, k := range slices.Sorted(maps.Keys(set)) {
			fmt.Fprintf(&b, " %q=%q/%q/%q", k, set[k].Exact, set[k].Prefix, set[k].Regex)
		}
		b.WriteString(" |")
	}
	return b.String()
}
