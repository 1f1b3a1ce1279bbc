package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/krmfn/krm-fn/internal/krmio"
	"github.com/krmfn/krm-fn/internal/render"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
)

// Formats of a report: what `validate -o` takes.
const (
	FormatText   = "text"   // one line per problem (krmio.FormatResult), as every command prints them
	FormatJSON   = "json"   // a JSON list of problems, for tools
	FormatGitHub = "github" // GitHub Actions workflow commands: an annotation per problem, on its file and line
)

// Formats are the formats of a report.
var Formats = []string{FormatText, FormatJSON, FormatGitHub}

// Report gathers the problems of many builds and files and prints each
// once: a problem of a base that several overlays build is one problem,
// naming the overlays it was found in.
type Report struct {
	problems []*Problem
	index    map[string]*Problem
}

// Problem is one problem, and where it was found.
type Problem struct {
	Severity  string   `json:"severity"` // error or warning
	File      string   `json:"file,omitempty"`
	Line      int      `json:"line,omitempty"`
	Kind      string   `json:"kind,omitempty"`
	Namespace string   `json:"namespace,omitempty"`
	Name      string   `json:"name,omitempty"`
	Field     string   `json:"field,omitempty"`
	Message   string   `json:"message"`
	Overlays  []string `json:"overlays,omitempty"` // the overlays whose builds found it
	// Platforms are the ExposurePlatforms, among the files no overlay
	// reads, under which it was found (when not under all of them).
	Platforms []string `json:"platforms,omitempty"`

	text       string // as one line (krmio.FormatResult)
	namespaces bool   // found in objects of several namespaces
}

// AddResults adds krm-fn's results of the build of overlay ("": of the
// files no overlay reads); platform names the ExposurePlatform they were
// found under, if any.
func (r *Report) AddResults(overlay, platform string, rs framework.Results) {
	for _, res := range rs {
		p := &Problem{Severity: string(res.Severity), Message: res.Message, text: krmio.FormatResult(res)}
		if res.File != nil {
			p.File = res.File.Path
			p.Line, _ = strconv.Atoi(res.Tags[krmio.LineTag])
		}
		if ref := res.ResourceRef; ref != nil {
			p.Kind, p.Namespace, p.Name = ref.Kind, ref.Namespace, ref.Name
		}
		if res.Field != nil {
			p.Field = res.Field.Path
		}
		r.add(p, overlay, platform)
	}
}

// Results is what adds the results of the build of overlay (for
// render.Options.Results).
func (r *Report) Results(overlay string) func(framework.Results) {
	return func(rs framework.Results) { r.AddResults(overlay, "", rs) }
}

// AddError adds a problem of the build of overlay that is no result of
// krm-fn's (the build refused, kustomize failed): its message.
func (r *Report) AddError(overlay, message string) {
	r.add(&Problem{Severity: string(framework.Error), Message: message, text: krmio.OneLine(message)}, overlay, "")
}

// AddFileError adds err, a file of path that cannot be read (a FIFO, a
// file that does not parse), as a problem of that file.
func (r *Report) AddFileError(path string, err error) {
	msg := err.Error()
	r.add(&Problem{Severity: string(framework.Error), File: path, Message: msg, text: krmio.OneLine(msg)}, "", "")
}

// AddBuildError adds the problems of err, the error of the build of
// overlay: those of a build the policy refuses, or the error itself (but
// for krm-fn's own failure, whose problems are its results).
func (r *Report) AddBuildError(overlay string, err error) {
	var rerr *render.Error
	switch {
	case errors.As(err, &rerr):
		for _, p := range rerr.Problems {
			r.AddError(overlay, p)
		}
	case !errors.As(err, new(krmio.Failure)):
		r.AddError(overlay, strings.TrimRight(err.Error(), "\n"))
	}
}

// add adds p, found in overlay, under platform: once. A problem at a line
// of a file is the same in every build (a base's), whatever namespace
// each gives the object.
func (r *Report) add(p *Problem, overlay, platform string) {
	key := p.text
	if p.Line > 0 {
		key = strings.Join([]string{p.Severity, p.File, strconv.Itoa(p.Line), p.Kind, p.Name, p.Field, p.Message}, "\x00")
	}
	if r.index == nil {
		r.index = map[string]*Problem{}
	}
	prev, ok := r.index[key]
	if !ok {
		prev = p
		r.index[key] = p
		r.problems = append(r.problems, p)
	}
	if prev.Namespace != p.Namespace {
		prev.namespaces = true
	}
	if overlay != "" && !slices.Contains(prev.Overlays, overlay) {
		prev.Overlays = append(prev.Overlays, overlay)
	}
	if platform != "" && !slices.Contains(prev.Platforms, platform) {
		prev.Platforms = append(prev.Platforms, platform)
	}
}

// Errors counts the problems that are errors.
func (r *Report) Errors() int {
	n := 0
	for _, p := range r.problems {
		if p.Severity != string(framework.Warning) && p.Severity != string(framework.Info) {
			n++
		}
	}
	return n
}

// Write prints the problems on w in format; platforms is how many
// ExposurePlatforms the files no overlay reads had (a problem found
// under every one of them does not list them).
func (r *Report) Write(w io.Writer, format string, platforms int) error {
	for _, p := range r.problems {
		if len(p.Platforms) == platforms {
			p.Platforms = nil
		}
	}
	switch format {
	case FormatJSON:
		list := r.problems
		if list == nil {
			list = []*Problem{}
		}
		b, err := json.MarshalIndent(list, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case FormatGitHub:
		for _, p := range r.problems {
			fmt.Fprintln(w, p.annotation())
		}
	default:
		for _, p := range r.problems {
			fmt.Fprintln(w, p.line())
		}
	}
	return nil
}

// line is p as one line of text: as krm-fn prints it, then where it was
// found.
func (p *Problem) line() string {
	s := p.text
	if p.namespaces {
		// One line for the objects of every overlay: named without the
		// namespace each gives it.
		s = strings.Replace(s, krmio.Describe(p.Kind, p.Namespace, p.Name), krmio.Describe(p.Kind, "", p.Name), 1)
	}
	return s + p.where()
}

// where says in which overlays and under which platforms p was found.
func (p *Problem) where() string {
	var parts []string
	if len(p.Overlays) > 0 {
		parts = append(parts, "in "+strings.Join(p.Overlays, ", "))
	}
	if len(p.Platforms) > 0 {
		parts = append(parts, "with ExposurePlatform "+strings.Join(p.Platforms, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// annotation is p as a GitHub Actions workflow command: an error or a
// warning on its file and line, which GitHub shows on the pull request's
// diff (docs.github.com, "Workflow commands for GitHub Actions").
func (p *Problem) annotation() string {
	command := "error"
	if p.Severity == string(framework.Warning) || p.Severity == string(framework.Info) {
		command = "warning"
	}
	var props []string
	if p.File != "" {
		props = append(props, "file="+escapeProperty(filepath.ToSlash(p.File)))
		if p.Line > 0 {
			props = append(props, "line="+strconv.Itoa(p.Line))
		}
	}
	props = append(props, "title="+escapeProperty("krm-fn"))
	msg := p.Message
	if p.Field != "" {
		msg = p.Field + ": " + msg
	}
	if p.Kind != "" {
		ns := p.Namespace
		if p.namespaces {
			ns = ""
		}
		msg = krmio.Describe(p.Kind, ns, p.Name) + ": " + msg
	}
	return "::" + command + " " + strings.Join(props, ",") + "::" + escapeData(msg+p.where())
}

// escapeData and escapeProperty escape a workflow command's message and
// property values as GitHub's toolkit does (@actions/core, command.ts).
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
