package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/krmfn/krm-fn/fn"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1"
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

// Check runs krm-fn's checks on what was imported, as a render of it
// runs them: the errors, each naming the object and the field.
func (r *Result) Check() (framework.Results, error) {
	nodes, err := r.Nodes()
	if err != nil {
		return nil, err
	}
	var errs framework.Results
	for _, res := range fn.Check(nodes[0], nodes[1:], nil) {
		if res.Severity == framework.Error {
			errs = append(errs, res)
		}
	}
	return errs, nil
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
	r, err := p.Run(rl)
	if err != nil {
		return nil, fmt.Errorf("what was imported does not render:\n%s", strings.TrimSpace(stderr.String()))
	}
	objs, err := r.Objects()
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
			case !inA && what == "mesh service" && passThrough(k, y):
				continue // routes the mesh's calls where they go without it
			case !inA:
				out = append(out, fmt.Sprintf("%s %s: routed by the rendering (%s), not by the input", what, k, b.from[k].kind+" "+b.from[k].namespace+"/"+b.from[k].name))
				continue
			}
			where := func(r route) string { return fmt.Sprintf("%s %s", a.from[k], r.at) }
			for _, p := range align(x, y) {
				switch {
				case p.b < 0:
					out = append(out, fmt.Sprintf("%s %s: route %d (%s): not in the rendering", what, k, p.a, where(x[p.a])))
				case p.a < 0:
					out = append(out, fmt.Sprintf("%s %s: rendered route %d is in the rendering only: %s", what, k, p.b, canonical(y[p.b].http)))
				case proto.Equal(x[p.a].http, y[p.b].http): // Istio's messages, as protobuf compares them
				default:
					for _, d := range diffJSON("", jsonView(x[p.a].http), jsonView(y[p.b].http)) {
						out = append(out, fmt.Sprintf("%s %s: route %d (%s): %s", what, k, p.a, where(x[p.a]), d))
					}
				}
			}
		}
	}
	routes("host", a.gateway, b.gateway)
	routes("mesh service", a.mesh, b.mesh)
	for _, k := range sortedKeys(a.mesh) {
		if _, inB := b.mesh[k]; inB && a.exported[k] != b.exported[k] {
			out = append(out, fmt.Sprintf("mesh service %s: routes seen in namespaces %s by the input (%s), %s by the rendering (%s)",
				k, a.exported[k], a.from[k], b.exported[k], b.from[k].kind+" "+b.from[k].namespace+"/"+b.from[k].name))
		}
	}
	for _, k := range sortedKeys(a.rules, b.rules) {
		for _, d := range differences(a.rules[k], b.rules[k]) { // none: a DestinationRule that does nothing
			out = append(out, fmt.Sprintf("destination rule of %s: %s", k, d))
		}
	}
	for _, k := range sortedKeys(a.services) {
		y, ok := b.services[k]
		if !ok {
			continue // left as written
		}
		for _, d := range differences(a.services[k], y) {
			out = append(out, fmt.Sprintf("Service %s: %s", k, d))
		}
	}
	out = append(out, compareL4(a.l4, b.l4)...)
	if a.hasALB {
		for _, h := range sortedKeys(a.gateway) {
			x, ok := a.alb[h]
			if !ok {
				continue // the input's ALB does not send it to the gateway
			}
			var y any // none
			if alb, ok := b.alb[h]; ok {
				y = alb
			}
			for _, d := range differences(x, y) {
				out = append(out, fmt.Sprintf("ALB of host %s: %s", h, d))
			}
		}
	}
	return out
}

// differences lists where a, the input's routing, and b, the rendering's
// (nil: none), differ: nothing when go-cmp finds them equal (Istio's
// messages in them compared as protobuf compares them), else each
// difference as "path: input X, rendered Y", in the terms of the
// objects' JSON.
func differences(a, b any) []string {
	if cmp.Equal(a, b, equalMessages) {
		return nil
	}
	return diffJSON("", jsonView(a), jsonView(b))
}

var equalMessages = cmp.Comparer(proto.Equal)

// jsonView is v as its JSON says it, to tell where it differs: an Istio
// message in protojson's terms; nil as an object with nothing set.
func jsonView(v any) any {
	var b []byte
	switch m := v.(type) {
	case nil:
		return map[string]any{}
	case proto.Message:
		b = []byte(canonical(m))
	default:
		b, _ = json.Marshal(v)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
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

// pair is a route of the input (a) and of the rendering (b) that stand
// for each other; -1 when one side has none.
type pair struct{ a, b int }

// maxAligned bounds the routes align searches for their best pairing: the
// product of their numbers (4M: a table of 32 MB), reached by a hostile
// input, never by a host's real routes.
const maxAligned = 1 << 22

// align pairs the routes of x and y: the longest common run of equal
// routes, and between them routes of the same match (their differences
// are then shown field by field); the others stand alone.
func align(x, y []route) []pair {
	if len(x)*len(y) > maxAligned {
		// Too many to search (the table is their product): in order.
		var out []pair
		for i := range max(len(x), len(y)) {
			p := pair{i, i}
			if i >= len(x) {
				p.a = -1
			}
			if i >= len(y) {
				p.b = -1
			}
			out = append(out, p)
		}
		return out
	}
	// The routes by identity: equal routes have the same.
	ids := map[string]int{}
	identity := func(r route) int {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(r.http)
		if err != nil {
			return -1 - len(ids) // never equal to another
		}
		id, ok := ids[string(b)]
		if !ok {
			id = len(ids)
			ids[string(b)] = id
		}
		return id
	}
	cx, cy := make([]int, len(x)), make([]int, len(y))
	for i, r := range x {
		cx[i] = identity(r)
	}
	for j, r := range y {
		cy[j] = identity(r)
	}
	// lcs[i][j] is the longest common subsequence of cx[i:] and cy[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if cx[i] == cy[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []pair
	var gapA, gapB []int
	flush := func() {
		next := 0 // gapB[:next] is paired or passed
		var alone []int
		for _, i := range gapA {
			k := slices.IndexFunc(gapB[next:], func(j int) bool {
				return proto.Equal(x[i].http.Match[0], y[j].http.Match[0])
			})
			if k < 0 {
				out = append(out, pair{i, -1})
				continue
			}
			for _, j := range gapB[next : next+k] {
				alone = append(alone, j)
			}
			out = append(out, pair{i, gapB[next+k]})
			next += k + 1
		}
		for _, j := range append(alone, gapB[next:]...) {
			out = append(out, pair{-1, j})
		}
		gapA, gapB = nil, nil
	}
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case cx[i] == cy[j]:
			flush()
			out = append(out, pair{i, j})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			gapA = append(gapA, i)
			i++
		default:
			gapB = append(gapB, j)
			j++
		}
	}
	for ; i < len(x); i++ {
		gapA = append(gapA, i)
	}
	for ; j < len(y); j++ {
		gapB = append(gapB, j)
	}
	flush()
	return out
}

// passThrough says whether routes, the mesh's for Service fqdn, send
// every call to that Service as it would go without them.
func passThrough(fqdn string, routes []route) bool {
	if len(routes) != 1 {
		return false
	}
	r := routes[0].http
	want := &networking.HTTPRoute{
		Match: []*networking.HTTPMatchRequest{{Uri: &networking.StringMatch{MatchType: &networking.StringMatch_Prefix{Prefix: "/"}}}},
		Route: []*networking.HTTPRouteDestination{{Destination: &networking.Destination{Host: fqdn, Port: r.GetRoute()[0].GetDestination().GetPort()}}},
	}
	return len(r.GetRoute()) == 1 && proto.Equal(r, want)
}
