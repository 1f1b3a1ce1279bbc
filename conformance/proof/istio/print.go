package main

import (
	"cmp"
	"fmt"
	"io"
	"strings"
)

// printTables prints a report for a reader: each table's routes in the
// order Envoy tries them, then the problems.
func printTables(w io.Writer, rep *Report) error {
	var b strings.Builder
	for _, t := range rep.Tables {
		fmt.Fprintf(&b, "%s port %d", t.Proxy, t.Port)
		if len(t.Namespaces) > 0 {
			fmt.Fprintf(&b, " (from %s)", strings.Join(t.Namespaces, ", "))
		}
		if t.Listener != "" {
			fmt.Fprintf(&b, " — listener %s", t.Listener)
		}
		if t.RouteConfig != "" {
			fmt.Fprintf(&b, ", routes %s", t.RouteConfig)
		}
		if t.TLS {
			b.WriteString(", TLS only")
		}
		b.WriteString("\n")
		for _, s := range t.TLSServers {
			fmt.Fprintf(&b, "  TLS ends for %s: %s, from %s", cmp.Or(strings.Join(s.ServerNames, ", "), "any host"), cmp.Or(s.Credential, "no certificate"), s.MinVersion)
			if s.ClientCertificate {
				b.WriteString(", client certificates required")
			}
			b.WriteString("\n")
		}
		for _, r := range t.TCP {
			what := "TCP"
			if len(r.ServerNames) > 0 {
				what = "TLS passthrough of " + strings.Join(r.ServerNames, ", ")
			}
			fmt.Fprintf(&b, "  %s → %s", what, backendsText(r.Backends))
			if r.From != "" {
				fmt.Fprintf(&b, "   [%s]", r.From)
			}
			b.WriteString("\n")
		}
		for _, h := range t.Hosts {
			fmt.Fprintf(&b, "  %s", strings.Join(h.Domains, ", "))
			if h.RedirectsToHTTPS {
				b.WriteString(" (plain HTTP redirected to https)")
			}
			b.WriteString("\n")
			for i, r := range h.Routes {
				fmt.Fprintf(&b, "    %d. %s → %s", i+1, matchText(r.Match), actionText(r))
				if r.From != "" {
					fmt.Fprintf(&b, "   [%s]", r.From)
				}
				b.WriteString("\n")
			}
		}
	}
	if len(rep.Problems) > 0 {
		b.WriteString("problems:\n")
		for _, p := range rep.Problems {
			fmt.Fprintf(&b, "  %s: %s: %s\n", p.Class, p.Object, p.Message)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func matchText(m Match) string {
	parts := []string{m.Path}
	if m.Method != "" {
		parts = append([]string{m.Method}, parts...)
	}
	for _, h := range m.Headers {
		parts = append(parts, "header "+h.Name+" "+h.Match)
	}
	for _, q := range m.Query {
		parts = append(parts, "query "+q.Name+" "+q.Match)
	}
	if m.IgnoreCase {
		parts = append(parts, "(any case)")
	}
	return strings.Join(parts, ", ")
}

func actionText(r Route) string {
	switch {
	case r.Redirect != nil:
		return redirectText(*r.Redirect)
	case r.Response != nil:
		return fmt.Sprintf("respond %d %q", r.Response.Status, r.Response.Body)
	}
	out := backendsText(r.Backends)
	if r.Rewrite != nil {
		if r.Rewrite.Prefix != "" {
			out += ", prefix rewritten to " + r.Rewrite.Prefix
		}
		if r.Rewrite.Regex != "" {
			out += fmt.Sprintf(", path rewritten s/%s/%s/", r.Rewrite.Regex, r.Rewrite.Substitution)
		}
		if r.Rewrite.Host != "" {
			out += ", host rewritten to " + r.Rewrite.Host
		}
	}
	if r.Timeout != "" {
		out += ", timeout " + r.Timeout
	}
	return out
}

// redirectText: "redirect 308 to https://docs.example.com, prefix
// replaced by /".
func redirectText(r Redirect) string {
	target := r.Scheme
	if target != "" {
		target += "://"
	}
	target += r.Host
	if r.Port != 0 {
		target += fmt.Sprintf(":%d", r.Port)
	}
	out := fmt.Sprintf("redirect %d", r.Status)
	if target != "" {
		out += " to " + target
	}
	switch {
	case r.Path != "":
		out += ", path " + r.Path
	case r.Prefix != "":
		out += ", prefix replaced by " + r.Prefix
	case r.Regex != "":
		out += fmt.Sprintf(", path rewritten s/%s/%s/", r.Regex, r.Substitution)
	}
	if r.StripQuery {
		out += ", query dropped"
	}
	return out
}

// backendsText lists backends with their weights: "a:80 90%, b:80 10%".
func backendsText(bs []Backend) string {
	var parts []string
	for _, b := range bs {
		s := b.String()
		if b.Weight != 0 {
			s += fmt.Sprintf(" %d%%", b.Weight)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
