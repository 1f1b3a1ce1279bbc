package routes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Diff is what changes from one routing to another: `krm-fn routes
// --diff -o json`.
type Diff struct {
	Version int     `json:"version"`
	Old     Summary `json:"old"`
	New     Summary `json:"new"`
	// Changes, in the order of the new tables (what is removed where it
	// was); none when the routes are the same.
	Changes []Change `json:"changes"`
}

// Summary says what one side of a diff is.
type Summary struct {
	Source   string `json:"source"`
	Platform string `json:"platform,omitempty"`
	API      string `json:"api"`
}

// The things a change is of (Change.What).
const (
	WhatAPI   = "api"   // the platform's API
	WhatTable = "table" // a table: its proxy, TLS, exportTo
	WhatHost  = "host"  // a virtual host: its redirect to HTTPS
	WhatRoute = "route" // a route of a host
	WhatTCP   = "tcp"   // a TCP proxy of a port
)

// How a thing changed (Change.How).
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Change is one difference.
type Change struct {
	What string `json:"what"`
	How  string `json:"how"`
	// Proxy and Port are the table's (the new side's proxy when both
	// have the table).
	Proxy string `json:"proxy,omitempty"`
	Port  uint32 `json:"port,omitempty"`
	// Host is the virtual host's first domain.
	Host string `json:"host,omitempty"`
	// Match is the route's match, as the table prints it ("POST prefix
	// /webhooks/"); for a TCP proxy, its server names.
	Match string `json:"match,omitempty"`
	// Position is the route's number in its host, 1 first, on each side
	// (0: not there).
	Position *Positions `json:"position,omitempty"`
	// Fields are the fields that changed, each with its value on both
	// sides (JSON as in Routes; null: not set).
	Fields []FieldChange `json:"fields,omitempty"`
	// Old and New are the route (a TCP proxy: OldTCP, NewTCP) on each
	// side it is on.
	Old    *Route    `json:"old,omitempty"`
	New    *Route    `json:"new,omitempty"`
	OldTCP *TCPRoute `json:"oldTCP,omitempty"`
	NewTCP *TCPRoute `json:"newTCP,omitempty"`
}

// Positions are a route's numbers on the two sides.
type Positions struct {
	Old int `json:"old"`
	New int `json:"new"`
}

// FieldChange is one field's value on each side.
type FieldChange struct {
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old"`
	New   json.RawMessage `json:"new"`
}

// Compare is what changes from old to cur. Tables pair by kind (gateway
// or mesh) and port (and, in the mesh, proxy and exportTo), hosts by
// domain, routes by match (the n-th route of a match with the n-th).
func Compare(old, cur *Routes) *Diff {
	d := &Diff{Version: Version, Old: summary(old), New: summary(cur), Changes: []Change{}}
	if old.API != cur.API {
		d.Changes = append(d.Changes, Change{What: WhatAPI, How: Changed, Fields: []FieldChange{field("api", old.API, cur.API)}})
	}
	olds := map[string]*Table{}
	for i := range old.Tables {
		olds[pairKey(old.Tables[i])] = &old.Tables[i]
	}
	seen := map[string]bool{}
	for i := range cur.Tables {
		t := &cur.Tables[i]
		k := pairKey(*t)
		seen[k] = true
		d.Changes = append(d.Changes, compareTables(olds[k], t)...)
	}
	for i := range old.Tables {
		if t := &old.Tables[i]; !seen[pairKey(*t)] {
			d.Changes = append(d.Changes, compareTables(t, nil)...)
		}
	}
	return d
}

func summary(r *Routes) Summary { return Summary{Source: r.Source, Platform: r.Platform, API: r.API} }

// pairKey pairs tables: a gateway's port whatever its Service's name
// (the two APIs name it differently), a mesh port by proxy and exportTo.
func pairKey(t Table) string {
	if strings.HasPrefix(t.Proxy, gatewayProxy) {
		return fmt.Sprintf("gateway %d", t.Port)
	}
	return fmt.Sprintf("%s %d %s", t.Proxy, t.Port, strings.Join(t.ExportTo, ","))
}

func field(name string, old, cur any) FieldChange {
	return FieldChange{Field: name, Old: raw(old), New: raw(cur)}
}

func raw(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the types of Routes always encode
	return json.RawMessage(bytes.TrimSpace(b.Bytes()))
}

func compareTables(old, cur *Table) []Change {
	var out []Change
	ref := cur
	how := Changed
	switch {
	case old == nil:
		how, old = Added, &Table{}
	case cur == nil:
		how, ref, cur = Removed, old, &Table{}
	}
	base := Change{What: WhatTable, Proxy: ref.Proxy, Port: ref.Port}
	if how != Changed {
		c := base
		c.How = how
		out = append(out, c)
	} else {
		var fs []FieldChange
		if old.Proxy != cur.Proxy {
			fs = append(fs, field("proxy", old.Proxy, cur.Proxy))
		}
		if old.TLS != cur.TLS {
			fs = append(fs, field("tls", old.TLS, cur.TLS))
		}
		if !slices.Equal(old.ExportTo, cur.ExportTo) {
			fs = append(fs, field("exportTo", old.ExportTo, cur.ExportTo))
		}
		if len(fs) > 0 {
			c := base
			c.How, c.Fields = Changed, fs
			out = append(out, c)
		}
	}
	out = append(out, compareTCP(base, old.TCP, cur.TCP)...)
	olds := map[string]*Host{}
	for i := range old.Hosts {
		olds[old.Hosts[i].Domains[0]] = &old.Hosts[i]
	}
	seen := map[string]bool{}
	for i := range cur.Hosts {
		h := &cur.Hosts[i]
		seen[h.Domains[0]] = true
		out = append(out, compareHosts(base, olds[h.Domains[0]], h)...)
	}
	for i := range old.Hosts {
		if h := &old.Hosts[i]; !seen[h.Domains[0]] {
			out = append(out, compareHosts(base, h, nil)...)
		}
	}
	return out
}

func compareTCP(base Change, old, cur []TCPRoute) []Change {
	key := func(t TCPRoute) string { return strings.Join(t.ServerNames, ",") }
	var out []Change
	olds := map[string]*TCPRoute{}
	for i := range old {
		olds[key(old[i])] = &old[i]
	}
	seen := map[string]bool{}
	add := func(o, n *TCPRoute) {
		c := base
		c.What, c.OldTCP, c.NewTCP = WhatTCP, o, n
		ref := n
		switch {
		case o == nil:
			c.How = Added
		case n == nil:
			c.How, ref = Removed, o
		default:
			c.How = Changed
			for _, f := range []struct {
				name string
				o, n any
			}{{"from", o.From, n.From}, {"origin", o.Origin, n.Origin}, {"backends", o.Backends, n.Backends}} {
				if a, b := raw(f.o), raw(f.n); !bytes.Equal(a, b) {
					c.Fields = append(c.Fields, FieldChange{Field: f.name, Old: a, New: b})
				}
			}
			if len(c.Fields) == 0 {
				return
			}
		}
		c.Match = tcpWhat(*ref)
		out = append(out, c)
	}
	for i := range cur {
		seen[key(cur[i])] = true
		add(olds[key(cur[i])], &cur[i])
	}
	for i := range old {
		if !seen[key(old[i])] {
			add(&old[i], nil)
		}
	}
	return out
}

func compareHosts(base Change, old, cur *Host) []Change {
	var out []Change
	ref := cur
	switch {
	case old == nil:
		old = &Host{}
	case cur == nil:
		ref, cur = old, &Host{}
	}
	base.Host = ref.Domains[0]
	if len(old.Domains) > 0 && len(cur.Domains) > 0 && old.RedirectsToHTTPS != cur.RedirectsToHTTPS {
		c := base
		c.What, c.How, c.Fields = WhatHost, Changed, []FieldChange{field("redirectsToHTTPS", old.RedirectsToHTTPS, cur.RedirectsToHTTPS)}
		out = append(out, c)
	}
	keys := func(rs []Route) []string {
		n := map[string]int{}
		out := make([]string, len(rs))
		for i, r := range rs {
			m := matchText(r.Match)
			n[m]++
			out[i] = fmt.Sprintf("%s\x00%d", m, n[m])
		}
		return out
	}
	ok, nk := keys(old.Routes), keys(cur.Routes)
	// The relative order of the routes on both sides: a route moved when
	// it is not where it was among them.
	var commonOld, commonNew []string
	for _, k := range ok {
		if slices.Contains(nk, k) {
			commonOld = append(commonOld, k)
		}
	}
	for _, k := range nk {
		if slices.Contains(ok, k) {
			commonNew = append(commonNew, k)
		}
	}
	route := func(i int, k string) {
		c := base
		c.What = WhatRoute
		j := slices.Index(ok, k)
		switch {
		case j < 0:
			c.How, c.New, c.Position = Added, &cur.Routes[i], &Positions{New: i + 1}
			c.Match = matchText(cur.Routes[i].Match)
		case i < 0:
			c.How, c.Old, c.Position = Removed, &old.Routes[j], &Positions{Old: j + 1}
			c.Match = matchText(old.Routes[j].Match)
		default:
			c.How, c.Old, c.New, c.Position = Changed, &old.Routes[j], &cur.Routes[i], &Positions{Old: j + 1, New: i + 1}
			c.Match = matchText(cur.Routes[i].Match)
			c.Fields = routeFields(old.Routes[j], cur.Routes[i])
			if slices.Index(commonOld, k) != slices.Index(commonNew, k) {
				c.Fields = append([]FieldChange{field("position", j+1, i+1)}, c.Fields...)
			}
			if len(c.Fields) == 0 {
				return
			}
		}
		out = append(out, c)
	}
	// In the new order, each route removed where it was: before the new
	// route of its number.
	removed := 0
	removeUpTo := func(n int) {
		for ; removed < len(ok) && removed <= n; removed++ {
			if !slices.Contains(nk, ok[removed]) {
				route(-1, ok[removed])
			}
		}
	}
	for i, k := range nk {
		removeUpTo(i)
		route(i, k)
	}
	removeUpTo(len(ok))
	return out
}

// routeFields are the fields of a route that differ, in Route's order.
func routeFields(o, n Route) []FieldChange {
	var out []FieldChange
	for _, f := range []struct {
		name string
		o, n any
	}{
		{"name", o.Name, n.Name}, {"from", o.From, n.From}, {"origin", o.Origin, n.Origin},
		{"backends", o.Backends, n.Backends}, {"rewrite", o.Rewrite, n.Rewrite}, {"redirect", o.Redirect, n.Redirect},
		{"response", o.Response, n.Response}, {"timeout", o.Timeout, n.Timeout}, {"retries", o.Retries, n.Retries},
		{"cors", o.CORS, n.CORS}, {"headers", o.Headers, n.Headers}, {"mirrors", o.Mirrors, n.Mirrors},
		{"fault", o.Fault, n.Fault}, {"unreachable", o.Unreachable, n.Unreachable},
	} {
		if a, b := raw(f.o), raw(f.n); !bytes.Equal(a, b) {
			out = append(out, FieldChange{Field: f.name, Old: a, New: b})
		}
	}
	return out
}

// WriteDiff prints d in format (Formats).
func WriteDiff(w io.Writer, d *Diff, format string) error {
	var b strings.Builder
	switch format {
	case FormatJSON:
		return writeJSON(w, d)
	case FormatMermaid:
		writeDiffMermaid(&b, d)
	default:
		writeDiffTable(&b, d)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeDiffTable prints d for a terminal: per table and host, each route
// added (+), removed (-) or changed (~, with what changed).
func writeDiffTable(b *strings.Builder, d *Diff) {
	fmt.Fprintf(b, "--- %s\n+++ %s\n", sideText(d.Old), sideText(d.New))
	if len(d.Changes) == 0 {
		b.WriteString("\nNo difference in the routes.\n")
		return
	}
	apiChanged := slices.ContainsFunc(d.Changes, func(c Change) bool { return c.What == WhatAPI })
	table, host := "", ""
	counts := map[string]int{}
	for _, c := range d.Changes {
		if c.What == WhatRoute && c.How == Changed && fieldsText(c, apiChanged) == "" {
			continue // its object's name alone, as every route's
		}
		counts[c.What+" "+c.How]++
		if c.What == WhatAPI {
			fmt.Fprintf(b, "\napi: %s → %s: every route is rendered from other objects (%s), and with other names\n", jsonText(c.Fields[0].Old), jsonText(c.Fields[0].New), objectsOf(jsonText(c.Fields[0].New)))
			continue
		}
		if t := fmt.Sprintf("%s port %d", c.Proxy, c.Port); t != table {
			table, host = t, ""
			fmt.Fprintf(b, "\n%s\n", t)
		}
		if c.Host != "" && c.Host != host {
			host = c.Host
			fmt.Fprintf(b, "  %s\n", host)
		}
		switch c.What {
		case WhatTable:
			fmt.Fprintf(b, "  %s %s\n", sign(c.How), fieldsText(c, apiChanged))
		case WhatHost:
			fmt.Fprintf(b, "  %s %s\n", sign(c.How), fieldsText(c, apiChanged))
		case WhatTCP:
			if c.How == Changed {
				fmt.Fprintf(b, "  ~ %s: %s\n", c.Match, fieldsText(c, apiChanged))
				continue
			}
			t := c.NewTCP
			if t == nil {
				t = c.OldTCP
			}
			fmt.Fprintf(b, "  %s %s → %s\n", sign(c.How), c.Match, backendsText(t.Backends))
		case WhatRoute:
			switch c.How {
			case Added:
				writeRoute(b, "  + ", fmt.Sprintf("%d.", c.Position.New), *c.New)
			case Removed:
				writeRoute(b, "  - ", fmt.Sprintf("%d.", c.Position.Old), *c.Old)
			default:
				fmt.Fprintf(b, "  ~ %d. %s: %s\n", c.Position.New, c.Match, fieldsText(c, apiChanged))
			}
		}
	}
	var parts []string
	for _, what := range []string{WhatTable, WhatHost, WhatRoute, WhatTCP} {
		for _, how := range []string{Added, Removed, Changed} {
			if n := counts[what+" "+how]; n > 0 {
				noun := what
				if n > 1 {
					noun += "s"
				}
				if what == WhatTCP {
					noun = "TCP prox" + map[bool]string{false: "y", true: "ies"}[n > 1]
				}
				parts = append(parts, fmt.Sprintf("%d %s %s", n, noun, how))
			}
		}
	}
	if counts[WhatAPI+" "+Changed] > 0 {
		parts = append([]string{"the API changed"}, parts...)
	}
	fmt.Fprintf(b, "\n%s.\n", capitalize(strings.Join(parts, ", ")))
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func sideText(s Summary) string {
	platform := "the built-in defaults"
	if s.Platform != "" {
		platform = "ExposurePlatform " + s.Platform
	}
	return fmt.Sprintf("%s (%s, api: %s)", s.Source, platform, s.API)
}

func sign(how string) string {
	switch how {
	case Added:
		return "+"
	case Removed:
		return "-"
	}
	return "~"
}

// fieldsText says what changed: each field "old → new" as the table
// prints it, a change of weights alone as each backend's weights. With
// the API changed, a route's name and object are left out: every route
// changes both.
func fieldsText(c Change, apiChanged bool) string {
	if c.How != Changed {
		return c.What + " " + c.How
	}
	var parts []string
	for _, f := range c.Fields {
		if apiChanged && c.What == WhatRoute && (f.Field == "name" || f.Field == "from") {
			continue
		}
		if f.Field == "backends" {
			if s, ok := weightsText(f); ok {
				parts = append(parts, s)
				continue
			}
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s", f.Field, valueText(f.Field, f.Old), valueText(f.Field, f.New)))
	}
	return strings.Join(parts, "; ")
}

// valueText is a field's value as the table prints it.
func valueText(name string, m json.RawMessage) string {
	if string(m) == "null" {
		return "none"
	}
	text := func(v any, f func() string) string {
		if json.Unmarshal(m, v) != nil {
			return string(m)
		}
		return f()
	}
	switch name {
	case "backends":
		var v []Backend
		return text(&v, func() string { return backendsText(v) })
	case "rewrite":
		var v Rewrite
		return text(&v, func() string { return rewriteText(v) })
	case "redirect":
		var v Redirect
		return text(&v, func() string { return redirectText(v) })
	case "response":
		var v Route
		return text(&v.Response, func() string { return actionText(v) })
	case "retries":
		var v Retries
		return text(&v, func() string { return retriesText(v) })
	case "cors":
		var v CORS
		return text(&v, func() string { return corsText(v) })
	case "headers":
		var v HeaderOps
		return text(&v, func() string { return headersText(v) })
	case "fault":
		var v Fault
		return text(&v, func() string { return faultText(v) })
	case "mirrors":
		var v []Mirror
		return text(&v, func() string {
			var parts []string
			for _, mr := range v {
				parts = append(parts, fmt.Sprintf("%g%% to %s", mr.Percent, backendText(mr.Backend)))
			}
			return strings.Join(parts, ", ")
		})
	}
	return jsonText(m)
}

// weightsText: "weights shop/reviews:9080 subset v1 90% → 80%, ..." when
// only the backends' weights changed.
func weightsText(f FieldChange) (string, bool) {
	var o, n []Backend
	if json.Unmarshal(f.Old, &o) != nil || json.Unmarshal(f.New, &n) != nil || len(o) != len(n) {
		return "", false
	}
	var parts []string
	for i := range o {
		ow, nw := o[i], n[i]
		ow.Weight, nw.Weight = 0, 0
		if ow != nw {
			return "", false
		}
		if o[i].Weight != n[i].Weight {
			parts = append(parts, fmt.Sprintf("%s %d%% → %d%%", backendText(n[i]), o[i].Weight, n[i].Weight))
		}
	}
	return "weights " + strings.Join(parts, ", "), len(parts) > 0
}

// jsonText is a field's value as the table prints it: a string bare,
// anything else as JSON, "none" for nothing.
func jsonText(m json.RawMessage) string {
	var s string
	if json.Unmarshal(m, &s) == nil {
		if s == "" {
			return "none"
		}
		return s
	}
	if string(m) == "null" {
		return "none"
	}
	return string(m)
}

// objectsOf names the objects routes are rendered from under api.
func objectsOf(api string) string {
	if api == "gateway-api" {
		return "HTTPRoutes"
	}
	return "VirtualServices"
}
