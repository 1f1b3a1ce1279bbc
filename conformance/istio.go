package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// validate runs `istioctl validate` on one object: Istio's own validation
// of its kinds (what istiod's webhook would reject or warn about), and its
// checks of Services (port names) and Deployments (app and version labels).
// Other kinds pass through it. Run per object so that every line it prints
// belongs to that object.
//
// It prints, on stderr: a free line per Service or Deployment warning; a
// block `"<file>" has warnings:` of `* Kind/ns/name: text` items; a block
// `Error: N errors occurred:` of the same items; and `validation succeed`.
func (c *Checker) validate(ctx context.Context, o Object) []Finding {
	out, err := run(ctx, "", o.YAML, c.Tools.Istioctl, "validate", "-f", "-")
	var fs []Finding
	add := func(sev Severity, words string) {
		fs = append(fs, Finding{Object: o.ID(), Component: IstioValidate, Severity: sev, Words: words})
	}
	block := Warning
	for _, line := range strings.Split(out.stderr+"\n"+out.stdout, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line == "validation succeed" || strings.HasSuffix(line, " is valid"):
		case strings.HasSuffix(line, " has warnings:"):
			block = Warning
		case strings.HasPrefix(line, "Error: ") && strings.HasSuffix(line, " occurred:"):
			block = Error
		case strings.HasPrefix(line, "Error: "):
			add(Error, strings.TrimPrefix(line, "Error: "))
		case strings.HasPrefix(line, "* "):
			add(block, strings.TrimPrefix(line, "* "))
		default:
			add(Warning, line)
		}
	}
	if err != nil && !hasError(fs) {
		add(Error, err.Error())
	}
	return fs
}

func hasError(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// analysisMessage is one entry of `istioctl analyze -o json`.
type analysisMessage struct {
	Code    string `json:"code"`
	Level   string `json:"level"`
	Message string `json:"message"`
	Origin  string `json:"origin"` // "Kind namespace/name"
}

// analyze runs `istioctl analyze` offline over a whole source: Istio's
// analyzers look across objects, e.g. for a VirtualService naming a
// Gateway that does not exist (a short gateway name resolves in the
// VirtualService's own namespace). Errors and warnings are findings; Info
// messages (advice such as "this namespace is not labelled for injection",
// which depends on the live cluster) are not.
func (c *Checker) analyze(ctx context.Context, file string) []Finding {
	out, err := run(ctx, "", nil, c.Tools.Istioctl, "analyze", "--use-kube=false", "--all-namespaces", "-o", "json", file)
	var msgs []analysisMessage
	if jsonErr := json.Unmarshal([]byte(out.stdout), &msgs); jsonErr != nil {
		words := fmt.Sprintf("no analysis came back (%v)", jsonErr)
		if err != nil {
			words = err.Error()
		}
		return []Finding{{Component: IstioAnalyze, Severity: Error, Words: words}}
	}
	var fs []Finding
	for _, m := range msgs {
		sev := Severity("")
		switch m.Level {
		case "Error":
			sev = Error
		case "Warning":
			sev = Warning
		default:
			continue
		}
		fs = append(fs, Finding{Object: m.Origin, Component: IstioAnalyze, Severity: sev,
			Words: fmt.Sprintf("%s [%s]", m.Message, m.Code)})
	}
	// istioctl exits non-zero when it found errors; any other failure
	// without a message to show is a finding of its own.
	if err != nil && !hasError(fs) {
		fs = append(fs, Finding{Component: IstioAnalyze, Severity: Error, Words: err.Error()})
	}
	return fs
}
