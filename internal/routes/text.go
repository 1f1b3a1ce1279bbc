package routes

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Write prints r in format (Formats).
func Write(w io.Writer, r *Routes, format string) error {
	var b strings.Builder
	switch format {
	case FormatJSON:
		return writeJSON(w, r)
	case FormatMermaid:
		writeMermaid(&b, r)
	default:
		writeTable(&b, r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// heading says what the tables are of.
func heading(r *Routes) string {
	platform := "the built-in defaults"
	if r.Platform != "" {
		platform = "ExposurePlatform " + r.Platform
	}
	return fmt.Sprintf("%s — %s, api: %s", r.Source, platform, r.API)
}

// apiNote says how the routes of r are rendered.
func apiNote(api string) string {
	if api == "gateway-api" {
		return "Routes as istiod hands Envoy the Gateway API routes krm-fn renders: merged per host, most specific\n" +
			"match first (exact, then prefix, then regex; longer first; with a method, more headers, more query\n" +
			"parameters); \"segments P\" (a PathPrefix) matches P and P/..., not Px. The first route that matches wins."
	}
	return "Routes as istiod hands Envoy the VirtualServices krm-fn renders, in the order written (a shared host's\n" +
		"in its precedence). The first route that matches wins."
}

// writeTable prints r for a terminal: each table, each host's routes in
// order, each route's match and destinations on its line, what else it
// does below it.
func writeTable(b *strings.Builder, r *Routes) {
	fmt.Fprintf(b, "%s\n%s\n", heading(r), apiNote(r.API))
	if len(r.Tables) == 0 {
		b.WriteString("\nNo routes: no exposure has hosts, mesh routing or tcp routes.\n")
	}
	for _, t := range r.Tables {
		fmt.Fprintf(b, "\n%s\n", tableTitle(t))
		for _, c := range t.TCP {
			fmt.Fprintf(b, "  %s → %s\n", tcpWhat(c), backendsText(c.Backends))
			fmt.Fprintf(b, "      from: %s ← %s\n", c.From, c.Origin)
		}
		for _, h := range t.Hosts {
			fmt.Fprintf(b, "  %s", strings.Join(h.Domains, ", "))
			if h.RedirectsToHTTPS {
				b.WriteString(" (plain HTTP: redirected to https first)")
			}
			b.WriteString("\n")
			for i, rt := range h.Routes {
				writeRoute(b, "    ", fmt.Sprintf("%d.", i+1), rt)
			}
		}
	}
}

// tableTitle: "gateway istio-system/istio-ingressgateway port 443 (TLS)".
func tableTitle(t Table) string {
	s := fmt.Sprintf("%s port %d", t.Proxy, t.Port)
	switch {
	case slices.Contains(t.ExportTo, "*"):
		s += " (calls from every namespace's sidecars)"
	case len(t.ExportTo) == 1:
		s += " (calls from the sidecars of namespace " + t.ExportTo[0] + ")"
	case len(t.ExportTo) > 1:
		s += " (calls from the sidecars of namespaces " + strings.Join(t.ExportTo, ", ") + ")"
	case t.TLS:
		s += " (TLS)"
	case len(t.Hosts) > 0:
		s += " (HTTP)"
	default:
		s += " (TCP)"
	}
	return s
}

func tcpWhat(c TCPRoute) string {
	if len(c.ServerNames) > 0 {
		return "TLS passthrough of " + strings.Join(c.ServerNames, ", ")
	}
	return "TCP"
}

// writeRoute prints a route: its number, match and action on a line, then
// its other settings indented.
func writeRoute(b *strings.Builder, indent, number string, r Route) {
	fmt.Fprintf(b, "%s%s %s → %s\n", indent, number, matchText(r.Match), actionText(r))
	pad := indent + strings.Repeat(" ", len(number)+1)
	for _, d := range details(r) {
		fmt.Fprintf(b, "%s%s\n", pad, d)
	}
}

// details are the lines of what a route does besides its action.
func details(r Route) []string {
	var out []string
	if r.Unreachable != "" {
		out = append(out, "UNREACHABLE: "+r.Unreachable)
	}
	if r.Rewrite != nil {
		out = append(out, "rewrite: "+rewriteText(*r.Rewrite))
	}
	if r.Timeout != "" {
		out = append(out, "timeout: "+r.Timeout)
	}
	if r.Retries != nil {
		out = append(out, "retries: "+retriesText(*r.Retries))
	}
	for _, m := range r.Mirrors {
		out = append(out, fmt.Sprintf("mirror: %g%% to %s", m.Percent, backendText(m.Backend)))
	}
	if r.Headers != nil {
		out = append(out, "headers: "+headersText(*r.Headers))
	}
	if r.CORS != nil {
		out = append(out, "cors: "+corsText(*r.CORS))
	}
	if r.Fault != nil {
		out = append(out, "fault: "+faultText(*r.Fault))
	}
	from := "from: " + r.From
	if r.Name != "" {
		from += fmt.Sprintf(" (route %q)", r.Name)
	}
	return append(out, from+" ← "+r.Origin)
}

// matchText: "POST prefix /webhooks/, header x-canary exact 1".
func matchText(m Match) string {
	parts := []string{m.Path}
	if m.Method != "" {
		parts[0] = m.Method + " " + m.Path
	}
	for _, h := range m.Headers {
		parts = append(parts, "header "+h.Name+" "+h.Match)
	}
	for _, q := range m.Query {
		parts = append(parts, "query "+q.Name+" "+q.Match)
	}
	return strings.Join(parts, ", ")
}

func actionText(r Route) string {
	switch {
	case r.Redirect != nil:
		return redirectText(*r.Redirect)
	case r.Response != nil:
		if r.Response.Body == "" {
			return fmt.Sprintf("respond %d", r.Response.Status)
		}
		return fmt.Sprintf("respond %d %q", r.Response.Status, r.Response.Body)
	}
	return backendsText(r.Backends)
}

func backendsText(bs []Backend) string {
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		s := backendText(b)
		if len(bs) > 1 {
			s += fmt.Sprintf(" %d%%", b.Weight)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// backendText: "shop/reviews:9080 subset v2", "shop/reviews-v2:9080 (subset v2)".
func backendText(b Backend) string {
	s := fmt.Sprintf("%s/%s:%d", b.Namespace, b.Name, b.Port)
	if b.Subset != "" {
		s += " subset " + b.Subset
	}
	if b.SubsetService != "" {
		s += " (subset " + b.SubsetService + ")"
	}
	return s
}

func rewriteText(r Rewrite) string {
	var parts []string
	if r.Prefix != "" {
		parts = append(parts, "prefix to "+r.Prefix)
	}
	if r.Regex != "" {
		parts = append(parts, fmt.Sprintf("path s/%s/%s/", r.Regex, r.Substitution))
	}
	if r.Host != "" {
		parts = append(parts, "host to "+r.Host)
	}
	return strings.Join(parts, ", ")
}

// redirectText: "redirect 308 to https://docs.example.com, prefix
// replaced by /"; "redirect 301 to https, same host" when it changes the
// scheme (or port) alone.
func redirectText(r Redirect) string {
	out := fmt.Sprintf("redirect %d", r.Status)
	switch {
	case r.Host != "":
		target := r.Host
		if r.Scheme != "" {
			target = r.Scheme + "://" + target
		}
		if r.Port != 0 {
			target += fmt.Sprintf(":%d", r.Port)
		}
		out += " to " + target
	case r.Scheme != "" || r.Port != 0:
		var parts []string
		if r.Scheme != "" {
			parts = append(parts, r.Scheme)
		}
		if r.Port != 0 {
			parts = append(parts, fmt.Sprintf("port %d", r.Port))
		}
		out += " to " + strings.Join(parts, ", ") + ", same host"
	}
	switch {
	case r.Path != "":
		out += ", path " + r.Path
	case r.Prefix != "":
		out += ", prefix replaced by " + r.Prefix
	}
	return out
}

func retriesText(r Retries) string {
	s := fmt.Sprintf("%d", r.Attempts)
	if r.PerTryTimeout != "" {
		s += ", " + r.PerTryTimeout + " a try,"
	}
	s += " on " + r.RetryOn
	if len(r.RetriableStatusCodes) > 0 {
		codes := make([]string, len(r.RetriableStatusCodes))
		for i, c := range r.RetriableStatusCodes {
			codes[i] = fmt.Sprint(c)
		}
		s += " " + strings.Join(codes, ",")
	}
	if r.Default {
		s = "Istio's default, " + s
	}
	return s
}

func headersText(h HeaderOps) string {
	var parts []string
	for _, c := range []struct {
		what    string
		changes *HeaderChanges
	}{{"request", h.Request}, {"response", h.Response}} {
		if c.changes == nil {
			continue
		}
		var ops []string
		for _, op := range []struct {
			verb string
			m    map[string]string
		}{{"set", c.changes.Set}, {"add", c.changes.Add}} {
			for _, k := range slices.Sorted(maps.Keys(op.m)) {
				ops = append(ops, fmt.Sprintf("%s %s: %s", op.verb, k, op.m[k]))
			}
		}
		if len(c.changes.Remove) > 0 {
			ops = append(ops, "remove "+strings.Join(c.changes.Remove, ", "))
		}
		parts = append(parts, c.what+" "+strings.Join(ops, ", "))
	}
	return strings.Join(parts, "; ")
}

func corsText(c CORS) string {
	parts := []string{"origins " + strings.Join(c.AllowOrigins, ", ")}
	if c.AllowMethods != "" {
		parts = append(parts, "methods "+c.AllowMethods)
	}
	if c.AllowHeaders != "" {
		parts = append(parts, "headers "+c.AllowHeaders)
	}
	if c.ExposeHeaders != "" {
		parts = append(parts, "exposes "+c.ExposeHeaders)
	}
	if c.MaxAge != "" {
		parts = append(parts, "max age "+c.MaxAge+"s")
	}
	if c.AllowCredentials != nil {
		parts = append(parts, fmt.Sprintf("credentials %t", *c.AllowCredentials))
	}
	return strings.Join(parts, "; ")
}

func faultText(f Fault) string {
	var parts []string
	if f.Delay != "" {
		parts = append(parts, fmt.Sprintf("delay %s for %g%%", f.Delay, f.DelayPercent))
	}
	if f.AbortStatus != 0 {
		parts = append(parts, fmt.Sprintf("abort %d for %g%%", f.AbortStatus, f.AbortPercent))
	}
	return strings.Join(parts, ", ")
}
