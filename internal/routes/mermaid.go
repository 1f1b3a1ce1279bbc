package routes

import (
	"fmt"
	"slices"
	"strings"
)

// writeMermaid prints r as a Mermaid flowchart in a fenced block, as
// GitHub renders one in a comment: a box per table, in it a node per host
// and one per route (its number and match, what it does), an arrow from
// the route to each Service it sends to (its weight), dotted to a mirror.
func writeMermaid(b *strings.Builder, r *Routes) {
	g := newGraph(fmt.Sprintf("%s: %s", heading(r), "routes in the order Envoy tries them"))
	if len(r.Tables) == 0 {
		g.node("none", "[", "]", "No routes: no exposure has hosts, mesh routing or tcp routes.", "")
	}
	for ti, t := range r.Tables {
		g.table(ti, tableTitle(t))
		for ci, c := range t.TCP {
			id := fmt.Sprintf("t%dc%d", ti, ci)
			g.node(id, "([", "])", tcpWhat(c), "")
			g.edges(id, c.Backends, nil)
		}
		for hi, h := range t.Hosts {
			hid := fmt.Sprintf("t%dh%d", ti, hi)
			label := strings.Join(h.Domains, ", ")
			if h.RedirectsToHTTPS {
				label += "\nplain HTTP → https"
			}
			g.node(hid, "([", "])", label, "")
			for ri, rt := range h.Routes {
				rid := fmt.Sprintf("%sr%d", hid, ri)
				class := ""
				if rt.Unreachable != "" {
					class = "unreachable"
				}
				g.node(rid, "[", "]", routeLabel(ri+1, rt), class)
				g.link(hid, rid, "", "-->")
				g.edges(rid, rt.Backends, rt.Mirrors)
			}
		}
		g.end()
	}
	g.write(b)
}

// routeLabel: the route's number and match, and what it does besides
// sending (a redirect, a response, a rewrite, its timeout).
func routeLabel(n int, r Route) string {
	lines := []string{fmt.Sprintf("%d. %s", n, matchText(r.Match))}
	switch {
	case r.Redirect != nil:
		lines = append(lines, redirectText(*r.Redirect))
	case r.Response != nil:
		lines = append(lines, actionText(r))
	}
	if r.Rewrite != nil {
		lines = append(lines, "rewrite: "+rewriteText(*r.Rewrite))
	}
	if r.Timeout != "" {
		lines = append(lines, "timeout "+r.Timeout)
	}
	if r.Unreachable != "" {
		lines = append(lines, "unreachable")
	}
	return strings.Join(lines, "\n")
}

// writeDiffMermaid prints the hosts a diff changes: each changed route
// with its old and new destinations (a weight that changed as "old% →
// new%"), added routes green, removed ones red, changed ones yellow.
func writeDiffMermaid(b *strings.Builder, d *Diff) {
	g := newGraph(fmt.Sprintf("%s → %s", sideText(d.Old), sideText(d.New)))
	if len(d.Changes) == 0 {
		g.node("same", "[", "]", "No difference in the routes.", "")
		g.write(b)
		return
	}
	table, host, ti, hi, ri := "", "", -1, -1, 0
	hid := ""
	for _, c := range d.Changes {
		if c.What == WhatAPI {
			g.node("api", "[", "]", fmt.Sprintf("api: %s → %s", jsonText(c.Fields[0].Old), jsonText(c.Fields[0].New)), "changed")
			continue
		}
		if t := fmt.Sprintf("%s port %d", c.Proxy, c.Port); t != table {
			if table != "" {
				g.end()
			}
			table, host, ti, hi = t, "", ti+1, -1
			g.table(ti, t)
		}
		switch c.What {
		case WhatTable, WhatHost:
			hi++
			id := fmt.Sprintf("t%dx%d", ti, hi)
			label := fieldsText(c, false)
			if c.What == WhatHost {
				label = c.Host + ": " + label
			}
			g.node(id, "[", "]", label, c.How)
			continue
		case WhatTCP:
			hi++
			id := fmt.Sprintf("t%dh%d", ti, hi)
			g.node(id, "([", "])", c.Match, c.How)
			diffEdges(g, id, c.OldTCP.backendsOrNil(), c.NewTCP.backendsOrNil())
			continue
		}
		if c.Host != host {
			host, hi, ri = c.Host, hi+1, 0
			hid = fmt.Sprintf("t%dh%d", ti, hi)
			g.node(hid, "([", "])", host, "")
		}
		rid := fmt.Sprintf("%sr%d", hid, ri)
		ri++
		var label string
		var oldB, newB []Backend
		switch c.How {
		case Added:
			label, newB = routeLabel(c.Position.New, *c.New), c.New.Backends
		case Removed:
			label, oldB = routeLabel(c.Position.Old, *c.Old), c.Old.Backends
		default:
			label = fmt.Sprintf("%d. %s", c.Position.New, c.Match)
			oldB, newB = c.Old.Backends, c.New.Backends
			var other []string
			for _, f := range c.Fields {
				if f.Field != "backends" {
					other = append(other, fmt.Sprintf("%s: %s → %s", f.Field, jsonText(f.Old), jsonText(f.New)))
				}
			}
			if len(other) > 0 {
				label += "\n" + strings.Join(other, "\n")
			}
			if !slices.ContainsFunc(c.Fields, func(f FieldChange) bool { return f.Field == "backends" }) {
				oldB, newB = nil, nil
			}
		}
		g.node(rid, "[", "]", label, c.How)
		g.link(hid, rid, "", "-->")
		diffEdges(g, rid, oldB, newB)
	}
	if table != "" {
		g.end()
	}
	g.write(b)
}

func (t *TCPRoute) backendsOrNil() []Backend {
	if t == nil {
		return nil
	}
	return t.Backends
}

// diffEdges links a route to the backends of both sides: "old% → new%"
// for one on both, struck through for one removed.
func diffEdges(g *graph, from string, old, cur []Backend) {
	key := func(b Backend) Backend { b.Weight = 0; return b }
	for _, n := range cur {
		label := ""
		i := slices.IndexFunc(old, func(o Backend) bool { return key(o) == key(n) })
		switch {
		case i >= 0 && old[i].Weight != n.Weight:
			label = fmt.Sprintf("%d%% → %d%%", old[i].Weight, n.Weight)
		case i < 0 && len(old) > 0:
			label = fmt.Sprintf("new %d%%", n.Weight)
		case len(cur) > 1:
			label = fmt.Sprintf("%d%%", n.Weight)
		}
		g.link(from, g.service(n), label, "-->")
	}
	for _, o := range old {
		if !slices.ContainsFunc(cur, func(n Backend) bool { return key(o) == key(n) }) {
			label := "removed"
			if len(old) > 1 {
				label = fmt.Sprintf("removed (%d%%)", o.Weight)
			}
			g.link(from, g.service(o), label, "-.->")
		}
	}
}

// graph writes a Mermaid flowchart: its boxes and nodes as they come, the
// Services (shared by every route that sends to them) and the links last.
type graph struct {
	title    string
	lines    []string
	links    []string
	services map[string]string
	order    []string
	classes  map[string]bool
}

func newGraph(title string) *graph {
	return &graph{title: title, services: map[string]string{}, classes: map[string]bool{}}
}

func (g *graph) table(i int, title string) {
	g.lines = append(g.lines, fmt.Sprintf("  subgraph t%d[%s]", i, quote(title)))
}

func (g *graph) end() { g.lines = append(g.lines, "  end") }

// node adds a node of shape open...close; class styles it (added,
// removed, changed, unreachable).
func (g *graph) node(id, open, close, label, class string) {
	s := fmt.Sprintf("    %s%s%s%s", id, open, quote(label), close)
	if class != "" {
		s += ":::" + class
		g.classes[class] = true
	}
	g.lines = append(g.lines, s)
}

func (g *graph) link(from, to, label, arrow string) {
	if label != "" {
		arrow += "|" + quote(label) + "|"
	}
	g.links = append(g.links, fmt.Sprintf("  %s %s %s", from, arrow, to))
}

// edges links a route to its backends (their weights) and mirrors.
func (g *graph) edges(from string, bs []Backend, ms []Mirror) {
	for _, b := range bs {
		label := ""
		if len(bs) > 1 {
			label = fmt.Sprintf("%d%%", b.Weight)
		}
		g.link(from, g.service(b), label, "-->")
	}
	for _, m := range ms {
		g.link(from, g.service(m.Backend), fmt.Sprintf("mirror %g%%", m.Percent), "-.->")
	}
}

// service is the node of a backend's Service (port and subset).
func (g *graph) service(b Backend) string {
	b.Weight = 0
	label := backendText(b)
	id, ok := g.services[label]
	if !ok {
		id = fmt.Sprintf("s%d", len(g.services))
		g.services[label] = id
		g.order = append(g.order, label)
	}
	return id
}

var classStyles = map[string]string{
	"added":       "fill:#e6ffec,stroke:#1a7f37",
	"removed":     "fill:#ffebe9,stroke:#cf222e,stroke-dasharray:4",
	"changed":     "fill:#fff8c5,stroke:#9a6700",
	"unreachable": "fill:#eeeeee,stroke:#888888,stroke-dasharray:4",
}

func (g *graph) write(b *strings.Builder) {
	b.WriteString("```mermaid\n")
	fmt.Fprintf(b, "---\ntitle: '%s'\n---\n", strings.ReplaceAll(g.title, "'", "''"))
	b.WriteString("flowchart LR\n")
	for _, l := range g.lines {
		b.WriteString(l + "\n")
	}
	for _, label := range g.order {
		fmt.Fprintf(b, "  %s[(%s)]\n", g.services[label], quote(label))
	}
	for _, l := range g.links {
		b.WriteString(l + "\n")
	}
	for _, c := range []string{"added", "removed", "changed", "unreachable"} {
		if g.classes[c] {
			fmt.Fprintf(b, "  classDef %s %s\n", c, classStyles[c])
		}
	}
	b.WriteString("```\n")
}

// quote is a Mermaid string: its characters that Mermaid reads as syntax
// written as entities, its lines broken with <br/>.
func quote(s string) string {
	r := strings.NewReplacer("#", "#35;", `"`, "#quot;", "<", "#lt;", ">", "#gt;", "|", "#124;", "`", "#96;", "\n", "<br/>")
	return `"` + r.Replace(s) + `"`
}
