package fn

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/internal/krmio"
	"sigs.k8s.io/kustomize/kyaml/kio/filters"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// TestOutputEstimateTracksTheRendering: what amplification estimates of
// the objects of a plan, before building any, is within a factor of two
// of the YAML they render, for every golden case that renders.
func TestOutputEstimateTracksTheRendering(t *testing.T) {
	for _, c := range goldenSeeds(t) {
		p, _ := stages(c.config.Copy(), copyAll(c.items), nil)
		if p == nil || len(p.objects) == 0 {
			continue
		}
		est, got := estimateAndRender(t, p)
		ratio := float64(est) / float64(got)
		t.Logf("%-60s estimate %7d, rendered %7d: %.2f", c.dir, est, got, ratio)
		if ratio < 0.5 || ratio > 2 {
			t.Errorf("%s: the estimate of its objects is %d bytes, and they render %d", c.dir, est, got)
		}
	}
}

// TestInputBytesTracksTheInput: inputBytes, what the nodes of the input
// hold, is within a factor of two of the YAML they print (comments left
// out: inputBytes does not count them), for every golden case.
func TestInputBytesTracksTheInput(t *testing.T) {
	for _, c := range goldenSeeds(t) {
		est := inputBytes(c.config, c.items)
		nodes, err := filters.StripCommentsFilter{}.Filter(append([]*yaml.RNode{c.config.Copy()}, copyAll(c.items)...))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, it := range nodes {
			fmt.Fprintln(&b, it.MustString())
		}
		ratio := float64(est) / float64(b.Len())
		if ratio < 0.5 || ratio > 2 {
			t.Errorf("%s: inputBytes is %d, the input prints %d bytes", c.dir, est, b.Len())
		}
	}
}

// amplifying are inputs shaped to copy one setting into many objects, at
// a size n: the platform's annotations into every Ingress, an exposure's
// routes into every shared host it claims, and (with the Gateway API) an
// exposure's trafficPolicy into a DestinationRule per subset.
var amplifying = map[string]func(n int) string{
	"platform annotations on every Ingress": func(n int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: exposure.krmfn.io/v1alpha1\n  kind: ExposurePlatform\n  metadata: {name: prd}\n  spec:\n    domain: domain.shop\n    alb:\n      group: prd\n      annotations: {alb.ingress.kubernetes.io/tags: %q}\nitems:\n", "env="+strings.Repeat("x", 100*n))
		for i := range 2 * n {
			fmt.Fprintf(&b, "- {apiVersion: exposure.krmfn.io/v1alpha1, kind: ServiceExposure, metadata: {name: s%d, namespace: team-%d}, spec: {hosts: [h%d], service: {port: 80}}}\n", i, i, i)
		}
		return b.String()
	},
	"routes on every shared host": func(n int) string {
		var b strings.Builder
		var hosts []string
		for i := range 100 {
			hosts = append(hosts, fmt.Sprintf("s%d", i))
		}
		fmt.Fprintf(&b, "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: exposure.krmfn.io/v1alpha1\n  kind: ExposurePlatform\n  metadata: {name: prd}\n  spec: {domain: domain.shop, sharedHosts: [%s]}\nitems:\n", strings.Join(hosts, ", "))
		fmt.Fprintf(&b, "- apiVersion: exposure.krmfn.io/v1alpha1\n  kind: ServiceExposure\n  metadata: {name: s, namespace: team-a}\n  spec:\n    hosts: [%s]\n    service: {port: 80}\n    routes:\n", strings.Join(hosts, ", "))
		for i := range 4 * n {
			fmt.Fprintf(&b, "    - match: {prefix: /p%06d/aaaaaaaa}\n", i)
		}
		return b.String()
	},
	"a trafficPolicy in every subset's DestinationRule": func(n int) string {
		// The Gateway API renders a Service and, for a trafficPolicy, a
		// DestinationRule per subset routed to: at most 16 routes of 16
		// backends.
		n = min(n, 256)
		var b strings.Builder
		b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n  apiVersion: exposure.krmfn.io/v1alpha1\n  kind: ExposurePlatform\n  metadata: {name: prd}\n  spec: {domain: domain.shop, api: gateway-api}\nitems:\n")
		b.WriteString("- apiVersion: exposure.krmfn.io/v1alpha1\n  kind: ServiceExposure\n  metadata: {name: s, namespace: team-a}\n  spec:\n    hosts: [s]\n    service: {port: 80}\n    trafficPolicy:\n      portLevelSettings:\n")
		for i := range min(16*n, 4096) {
			fmt.Fprintf(&b, "      - {port: {number: %d}, connectionPool: {tcp: {maxConnections: 100}}}\n", i+1)
		}
		b.WriteString("    subsets:\n")
		for i := range n {
			fmt.Fprintf(&b, "    - {name: v%d, labels: {version: v%d}}\n", i, i)
		}
		b.WriteString("    routes:\n")
		for i := range n {
			if i%16 == 0 {
				fmt.Fprintf(&b, "    - match: {exact: /r%02d}\n      backends:\n      - {subset: v%d, weight: 100}\n", i/16, i)
				continue
			}
			fmt.Fprintf(&b, "      - {subset: v%d, weight: 0}\n", i)
		}
		return b.String()
	}}

// TestOutputEstimateTracksAmplifiedShapes: the estimate follows the
// rendering of the shapes that copy the most too.
func TestOutputEstimateTracksAmplifiedShapes(t *testing.T) {
	for name, shape := range amplifying {
		rl, err := krmio.ReadResourceList(strings.NewReader(shape(16)))
		if err != nil {
			t.Fatal(err)
		}
		p, rs := stages(rl.FunctionConfig, rl.Items, nil)
		if p == nil {
			t.Fatalf("%s: %v", name, rs)
		}
		est, got := estimateAndRender(t, p)
		ratio := float64(est) / float64(got)
		t.Logf("%-50s estimate %8d, rendered %8d: %.2f", name, est, got, ratio)
		if ratio < 0.5 || ratio > 2 {
			t.Errorf("%s: the estimate of its objects is %d bytes, and they render %d", name, est, got)
		}
	}
}

// TestAmplificationIsRefused: each shape, large enough, is refused before
// any object is built, naming what copies the most; a large environment
// that copies nothing is not.
func TestAmplificationIsRefused(t *testing.T) {
	for name, c := range map[string]struct {
		n    int
		want string
	}{
		"platform annotations on every Ingress":             {500, "ExposurePlatform prd: spec.alb.annotations: are copied to each of the 1000 Ingresses the run renders"},
		"routes on every shared host":                       {2000, "ServiceExposure team-a/s: spec.hosts: claims 100 shared hosts, and the VirtualService of each holds all its routes"},
		"a trafficPolicy in every subset's DestinationRule": {256, "ServiceExposure team-a/s: metadata.name: renders about"},
	} {
		in := amplifying[name](c.n)
		var stdout, stderr strings.Builder
		err := Execute(&Processor{Stderr: func() io.Writer { return &stderr }}, strings.NewReader(in), &stdout)
		if err == nil || !strings.Contains(stderr.String(), c.want) || !strings.Contains(stderr.String(), "more than 100 times its input") {
			t.Errorf("%s (%d bytes): want %q, got %v:\n%s", name, len(in), c.want, err, stderr.String())
		}
		t.Logf("%s (%d KiB): %s", name, len(in)>>10, stderr.String())
	}
}

// estimateAndRender is what the sizer estimates of p's objects, and the
// bytes of YAML they render.
func estimateAndRender(t *testing.T, p *plan) (est, got int64) {
	t.Helper()
	sz := newSizer(p.env)
	for _, g := range p.objects {
		obj, err := g.object()
		if err != nil {
			t.Fatal(err)
		}
		b, err := sigsyaml.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		est += sz.object(g)
		got += int64(len(b))
	}
	return est, got
}
