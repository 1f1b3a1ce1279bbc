package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/internal/fastyaml"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Verify renders res with krm-fn's processor, in process, and compares
// the routing of the rendering with that of input: every difference is
// one line. The error is for a rendering that fails (with its problems)
// or input that cannot be read.
func Verify(input []*yaml.RNode, res *Result) ([]string, error) {
	rendered, err := Render(res)
	if err != nil {
		return nil, err
	}
	in, probs := read(input)
	if len(probs) > 0 {
		return nil, probs
	}
	out, probs := read(rendered)
	if len(probs) > 0 {
		return nil, fmt.Errorf("the rendering cannot be read back: %w", probs)
	}
	return compare(routingOf(in), routingOf(out)), nil
}

// Render renders the platform and exposures of res as krm-fn does.
func Render(res *Result) ([]*yaml.RNode, error) {
	nodes, err := res.Nodes()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	p := &fn.Processor{Stderr: func() io.Writer { return &stderr }}
	rl := &framework.ResourceList{FunctionConfig: nodes[0], Items: nodes[1:]}
	gen, err := p.Expand(rl)
	if err != nil {
		return nil, fmt.Errorf("what was imported does not render:\n%s", strings.TrimSpace(stderr.String()))
	}
	objs, err := fastyaml.EncodeAll(gen)
	if err != nil {
		return nil, err
	}
	return append(rl.Items, objs...), nil
}

// compare lists the differences between the routing of the input, a,
// and of the rendering, b.
func compare(a, b *routing) []string {
	var out []string
	routes := func(what string, ra, rb map[string][]route) {
		for _, k := range sortedKeys(ra, rb) {
			x, inA := ra[k]
			y, inB := rb[k]
			switch {
			case !inB:
				out = append(out, fmt.Sprintf("%s %s: routed by %s, not by the rendering", what, k, a.from[k]))
				continue
			case !inA:
				out = append(out, fmt.Sprintf("%s %s: routed by the rendering (%s), not by the input", what, k, b.from[k].kind+" "+b.from[k].namespace+"/"+b.from[k].name))
				continue
			}
			for i := range max(len(x), len(y)) {
				switch {
				case i >= len(y):
					out = append(out, fmt.Sprintf("%s %s: route %d (%s %s): not in the rendering", what, k, i, a.from[k], x[i].at))
				case i >= len(x):
					out = append(out, fmt.Sprintf("%s %s: route %d: in the rendering only: %s", what, k, i, canonical(y[i].http)))
				default:
					for _, d := range diffJSON("", decodeJSON(canonical(x[i].http)), decodeJSON(canonical(y[i].http))) {
						out = append(out, fmt.Sprintf("%s %s: route %d (%s %s): %s", what, k, i, a.from[k], x[i].at, d))
					}
				}
			}
		}
	}
	routes("host", a.gateway, b.gateway)
	routes("mesh service", a.mesh, b.mesh)
	for _, k := range sortedKeys(a.rules, b.rules) {
		x, y := a.rules[k], b.rules[k]
		if x == "" {
			x = "{}"
		}
		if y == "" {
			y = "{}"
		}
		for _, d := range diffJSON("", decodeJSON(x), decodeJSON(y)) {
			out = append(out, fmt.Sprintf("destination rule of %s: %s", k, d))
		}
	}
	if a.hasALB {
		for _, h := range sortedKeys(a.gateway) {
			if a.alb[h] == "" {
				continue // the input's ALB does not send it to the gateway
			}
			for _, d := range diffJSON("", decodeJSON(a.alb[h]), decodeJSON(orEmpty(b.alb[h]))) {
				out = append(out, fmt.Sprintf("ALB of host %s: %s", h, d))
			}
		}
	}
	return out
}

func orEmpty(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}

func decodeJSON(s string) any {
	var v any
	_ = json.Unmarshal([]byte(s), &v)
	return v
}

// diffJSON lists where a and b differ, each as "path: input X, rendered Y".
func diffJSON(path string, a, b any) []string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		var out []string
		for _, k := range sortedKeys(am, bm) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			out = append(out, diffJSON(p, am[k], bm[k])...)
		}
		return out
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		var out []string
		for i := range al {
			out = append(out, diffJSON(fmt.Sprintf("%s[%d]", path, i), al[i], bl[i])...)
		}
		return out
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if slices.Equal(ja, jb) {
		return nil
	}
	return []string{fmt.Sprintf("%s: input %s, rendered %s", path, show(a), show(b))}
}

func show(v any) string {
	if v == nil {
		return "none"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
