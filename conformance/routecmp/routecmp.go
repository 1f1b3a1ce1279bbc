// Package routecmp compares the routing table krm-fn computes from the
// specs (`krm-fn routes -o json`, docs/routes.md) with the one istiod
// computes from what krm-fn renders (the proof layer's istio-proof
// report: its "tables", conformance/proof/istio/report.go): the proof
// that krm-fn routes shows what Envoy receives.
//
// Both speak of the same things in the same terms: a table per proxy
// (the gateway Service, or the sidecars) and port, virtual hosts by
// domain, routes in the order Envoy tries them with the same match,
// backend, rewrite, redirect, retry, CORS and header fields. What only
// one side knows is left out: the endpoints and Envoy's listener and
// route configuration names (istiod's), the spec each route comes from
// and the routes no request reaches, which istiod leaves out of what
// Envoy receives (krm-fn routes'). The package needs nothing but the two
// JSON documents, so that it builds without the proof layer's modules.
//
// Over the proof layer's sources (conformance/proof_test.go, once a run r
// of source src has its istio-proof report r.Istio), with the krm-fn the
// layer built:
//
//	args, err := routecmp.Args(root, src.Name) // an overlay, or a golden case
//	if err == nil {
//		out, err := run(t.Context(), root, nil, krmFn, append([]string{"routes", "-o", "json"}, args...)...)
//		if err != nil { ... } // an overlay kustomize must run krm-fn for is not read: t.Log it
//		istio, _ := json.Marshal(r.Istio)
//		diffs, err := routecmp.Compare([]byte(out.stdout), istio)
//		for _, d := range diffs {
//			t.Errorf("%s: krm-fn routes is not what istiod computes: %s", src.Name, d)
//		}
//	}
package routecmp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Compare compares krm-fn routes' JSON (routes) with istio-proof's report
// (or any JSON object with its "tables"): every route, TCP proxy and
// redirect krm-fn routes shows must be what istiod computes, in the same
// order; a virtual host istiod routes on a gateway krm-fn routes shows,
// and that krm-fn routes does not show, is a difference too. It returns
// each difference as a line.
func Compare(routes, istio []byte) ([]string, error) {
	var mine krmRoutes
	if err := decode(routes, &mine); err != nil {
		return nil, fmt.Errorf("krm-fn routes' JSON: %w", err)
	}
	var theirs istioReport
	if err := json.Unmarshal(istio, &theirs); err != nil {
		return nil, fmt.Errorf("istio-proof's report: %w", err)
	}
	c := &comparison{}
	for _, t := range mine.Tables {
		c.table(t, theirs.Tables)
	}
	c.extraHosts(mine.Tables, theirs.Tables)
	return c.diffs, nil
}

// decode decodes krm-fn routes' JSON strictly: a field it does not know
// is a field this comparison would leave out.
func decode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

type comparison struct {
	diffs []string
}

func (c *comparison) add(format string, args ...any) {
	c.diffs = append(c.diffs, fmt.Sprintf(format, args...))
}

func (c *comparison) table(t krmTable, theirs []istioTable) {
	where := fmt.Sprintf("%s port %d", t.Proxy, t.Port)
	switch {
	case strings.HasPrefix(t.Proxy, "waypoint "):
		return // istio-proof computes no waypoint's routes
	case t.Proxy == "sidecar":
		c.sidecar(t, theirs)
		return
	}
	i := slices.IndexFunc(theirs, func(o istioTable) bool { return o.Proxy == t.Proxy && o.Port == t.Port })
	if i < 0 {
		c.add("%s: istiod has no such table (krm-fn routes shows %d hosts and %d TCP proxies there)", where, len(t.Hosts), len(t.TCP))
		return
	}
	o := theirs[i]
	if t.TLS != o.TLS {
		c.add("%s: krm-fn routes says tls %t, istiod %t", where, t.TLS, o.TLS)
	}
	c.tcp(where, t.TCP, o.TCP)
	for _, h := range t.Hosts {
		c.host(where, h, o.Hosts)
	}
}

// sidecar compares a mesh table with the sidecars' of the namespaces it
// is exported to: every one of their tables of the port must route the
// host alike.
func (c *comparison) sidecar(t krmTable, theirs []istioTable) {
	all := slices.Contains(t.ExportTo, "*")
	for _, h := range t.Hosts {
		where := fmt.Sprintf("sidecar port %d (exported to %s)", t.Port, strings.Join(t.ExportTo, ", "))
		seen := 0
		for _, o := range theirs {
			if o.Proxy != "sidecar" || o.Port != t.Port {
				continue
			}
			if !all && !slices.ContainsFunc(o.Namespaces, func(ns string) bool { return slices.Contains(t.ExportTo, ns) }) {
				continue
			}
			seen++
			c.host(fmt.Sprintf("%s, sidecars of %s", where, strings.Join(o.Namespaces, ", ")), h, o.Hosts)
		}
		if seen == 0 {
			c.add("%s: host %s: no sidecar istiod computes routes it", where, h.Domains[0])
		}
	}
}

func (c *comparison) host(where string, h krmHost, theirs []istioHost) {
	d := h.Domains[0]
	i := slices.IndexFunc(theirs, func(o istioHost) bool { return o.serves(d) })
	if i < 0 {
		c.add("%s: host %s: istiod has no virtual host for it", where, d)
		return
	}
	o := theirs[i]
	where += ", host " + d
	if h.RedirectsToHTTPS != o.RedirectsToHTTPS {
		c.add("%s: krm-fn routes says redirectsToHTTPS %t, istiod %t", where, h.RedirectsToHTTPS, o.RedirectsToHTTPS)
	}
	var mine []envoyRoute
	for _, r := range h.Routes {
		if r.Unreachable == "" {
			mine = append(mine, r.envoyRoute())
		}
	}
	var got []envoyRoute
	for _, r := range o.Routes {
		if r.From != "" { // a route of istiod's own
			got = append(got, r.envoyRoute())
		}
	}
	for n := range max(len(mine), len(got)) {
		switch {
		case n >= len(got):
			c.add("%s: route %d (%s): istiod has no such route (it has %d)", where, n+1, mine[n].Match.Path, len(got))
		case n >= len(mine):
			c.add("%s: route %d (%s, from %s): istiod has it, krm-fn routes does not show it", where, n+1, got[n].Match.Path, got[n].From)
		default:
			for _, f := range differences(mine[n], got[n]) {
				c.add("%s: route %d (%s): %s", where, n+1, mine[n].Match.Path, f)
			}
		}
	}
}

// tcp compares the TCP proxies of a port, by server name (TLS
// passthrough) or as the port's (a tcp route).
func (c *comparison) tcp(where string, mine []krmTCP, theirs []istioTCP) {
	flat := func(names []string, from string, bs []backend) map[string]string {
		out := map[string]string{}
		if len(names) == 0 {
			names = []string{""}
		}
		for _, n := range names {
			out[n] = fmt.Sprintf("%s → %s", from, backendsText(bs))
		}
		return out
	}
	want, got := map[string]string{}, map[string]string{}
	for _, t := range mine {
		for k, v := range flat(t.ServerNames, t.From, t.Backends) {
			want[k] = v
		}
	}
	for _, t := range theirs {
		for k, v := range flat(t.ServerNames, t.From, t.Backends) {
			got[k] = v
		}
	}
	for _, k := range sortedKeys(want) {
		what := "TCP"
		if k != "" {
			what = "TLS passthrough of " + k
		}
		if got[k] != want[k] {
			c.add("%s: %s: krm-fn routes says %s, istiod %s", where, what, want[k], orNone(got[k]))
		}
	}
	for _, k := range sortedKeys(got) {
		if _, ok := want[k]; !ok {
			c.add("%s: istiod has a TCP proxy for %q that krm-fn routes does not show: %s", where, k, got[k])
		}
	}
}

// extraHosts reports the virtual hosts istiod routes (with a route of an
// object's) on the gateways krm-fn routes shows, that krm-fn routes does
// not show: krm-fn forgot one, or an object of the input routes a host
// on krm-fn's gateway, which krm-fn routes (krm-fn's routing) does not
// show either.
func (c *comparison) extraHosts(mine []krmTable, theirs []istioTable) {
	shown, proxies := map[string]bool{}, map[string]bool{}
	for _, t := range mine {
		proxies[t.Proxy] = true
		for _, h := range t.Hosts {
			shown[fmt.Sprintf("%s %d %s", t.Proxy, t.Port, h.Domains[0])] = true
		}
	}
	for _, o := range theirs {
		if o.Proxy == "sidecar" || !proxies[o.Proxy] {
			// istiod routes a mesh host on a sidecar's port 80 too (its
			// route configuration "80" takes the virtual hosts of every
			// port), which krm-fn routes does not show; and another
			// gateway's pods may carry the platform's gateway's labels.
			continue
		}
		for _, h := range o.Hosts {
			routed := slices.ContainsFunc(h.Routes, func(r istioRoute) bool { return r.From != "" })
			known := slices.ContainsFunc(h.Domains, func(d string) bool { return shown[fmt.Sprintf("%s %d %s", o.Proxy, o.Port, d)] })
			if d, _, ok := strings.Cut(h.Name, ":"); ok && shown[fmt.Sprintf("%s %d %s", o.Proxy, o.Port, d)] {
				known = true
			}
			if routed && !known {
				var froms []string
				for _, r := range h.Routes {
					if r.From != "" && !slices.Contains(froms, r.From) {
						froms = append(froms, r.From)
					}
				}
				c.add("%s port %d: istiod routes host %s (from %s), which krm-fn routes does not show", o.Proxy, o.Port, strings.Join(h.Domains, ", "), strings.Join(froms, ", "))
			}
		}
	}
}

// envoyRoute is a route as both sides can say it: what Envoy receives.
type envoyRoute struct {
	Name     string
	From     string
	Match    match
	Backends []backend
	Rewrite  rewrite
	Redirect redirect
	Response response
	Timeout  string
	Retries  retries
	CORS     *cors
	Headers  headerOps
	Mirrors  []mirror
	Fault    fault
}

// differences lists the fields of a and b that differ.
func differences(a, b envoyRoute) []string {
	var out []string
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"name", a.Name, b.Name}, {"from", a.From, b.From}, {"match", a.Match, b.Match},
		{"backends", a.Backends, b.Backends}, {"rewrite", a.Rewrite, b.Rewrite}, {"redirect", a.Redirect, b.Redirect},
		{"response", a.Response, b.Response}, {"timeout", a.Timeout, b.Timeout}, {"retries", a.Retries, b.Retries},
		{"cors", a.CORS, b.CORS}, {"headers", a.Headers, b.Headers}, {"mirrors", a.Mirrors, b.Mirrors},
		{"fault", a.Fault, b.Fault},
	} {
		ja, jb := text(f.a), text(f.b)
		if ja != jb {
			out = append(out, fmt.Sprintf("%s: krm-fn routes says %s, istiod %s", f.name, ja, jb))
		}
	}
	return out
}

func text(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(b.String())
}

// backends keeps what Envoy sends to: of several, those of a weight
// (istiod leaves out the others); one, without its weight.
func keepBackends(bs []backend) []backend {
	if len(bs) == 1 {
		b := bs[0]
		b.Weight = 0
		return []backend{b}
	}
	var out []backend
	for _, b := range bs {
		if b.Weight > 0 {
			out = append(out, b)
		}
	}
	return out
}

func backendsText(bs []backend) string {
	var parts []string
	for _, b := range keepBackends(bs) {
		s := fmt.Sprintf("%s:%d", b.Service, b.Port)
		if b.Subset != "" {
			s += " subset " + b.Subset
		}
		if b.Weight > 0 {
			s += fmt.Sprintf(" %d%%", b.Weight)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// percent rounds a share as Envoy holds it (a millionth).
func percent(p float64) float64 { return math.Round(p*10000) / 10000 }

// serves says whether the virtual host serves domain d: one of its
// domains, or its name, "<domain>:<port>" (istio-proof's domains of a
// sidecar's host may be none: it drops a name for its trailing-dot form,
// and then that form).
func (h istioHost) serves(d string) bool {
	name, _, _ := strings.Cut(h.Name, ":")
	return slices.Contains(h.Domains, d) || name == d
}

// Args are the arguments of `krm-fn routes` for a source of the
// conformance suite, named as its findings name it (from the repository
// at root): an overlay directory, or a golden case's expected.yaml (the
// case's config.yaml and input.yaml).
func Args(root, source string) ([]string, error) {
	dir := filepath.Join(root, source)
	if filepath.Base(source) == "expected.yaml" {
		dir = filepath.Dir(dir)
		args := []string{filepath.Join(dir, "config.yaml")}
		if _, err := os.Stat(filepath.Join(dir, "input.yaml")); err == nil {
			args = append(args, filepath.Join(dir, "input.yaml"))
		}
		return args, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "kustomization.yaml")); err != nil {
		return nil, fmt.Errorf("%s is neither an overlay nor a golden case's expected.yaml", source)
	}
	return []string{dir}, nil
}
