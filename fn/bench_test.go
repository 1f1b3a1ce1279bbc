package fn_test

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/bench/workload"
	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/internal/cli"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// benchSizes are the environment sizes the benchmarks render; the targets
// (docs/benchmarks.md) are for 1000 and 10000 exposures.
var benchSizes = []int{1, 10, 100, 1000, 10000}

// BenchmarkProcess measures the rendering itself: decoded input items in,
// output items out, as kyaml's framework hands them to the processor.
func BenchmarkProcess(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("exposures=%d", n), func(b *testing.B) {
			config, items := benchInput(b, n)
			benchProcess(b, n, config, items, 5*n)
		})
	}
}

// BenchmarkCommand measures what kustomize waits for, short of starting
// the process: a ResourceList read from bytes, expanded and written out.
func BenchmarkCommand(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("exposures=%d", n), func(b *testing.B) {
			config, items := benchInput(b, n)
			var in bytes.Buffer
			w := kio.ByteWriter{Writer: &in, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, FunctionConfig: config}
			if err := w.Write(items); err != nil {
				b.Fatal(err)
			}
			var out bytes.Buffer
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				out.Reset()
				cmd := cli.NewCommand()
				cmd.SetArgs([]string{})
				cmd.SetIn(bytes.NewReader(in.Bytes()))
				cmd.SetOut(&out)
				cmd.SetErr(io.Discard)
				if err := cmd.Execute(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/exposure")
		})
	}
}

// benchInput is the benchmark's environment of n exposures
// (bench/workload) across n/50+1 namespaces, as kyaml nodes.
func benchInput(b *testing.B, n int) (*yaml.RNode, []*yaml.RNode) {
	b.Helper()
	return typedNode(b, workload.Platform()), exposureItems(b, n, n/50+1)
}

// exposureItems are the n exposures of the benchmark's environment
// (bench/workload) across namespaces namespaces, as kyaml nodes.
func exposureItems(t testing.TB, n, namespaces int) []*yaml.RNode {
	t.Helper()
	var items []*yaml.RNode
	for _, e := range workload.Exposures(workload.Options{Services: n, Namespaces: namespaces}) {
		items = append(items, typedNode(t, e))
	}
	return items
}

func typedNode(t testing.TB, obj any) *yaml.RNode {
	t.Helper()
	b, err := sigsyaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return yaml.MustParse(string(b))
}

// BenchmarkProcessGatewayAPI is BenchmarkProcess with api: gateway-api: the
// same environment, without the retries the Gateway API has not, its
// routes in the Gateway API's order.
func BenchmarkProcessGatewayAPI(b *testing.B) {
	for _, n := range benchSizes[:4] {
		b.Run(fmt.Sprintf("exposures=%d", n), func(b *testing.B) {
			platform := workload.Platform()
			platform.Spec.API = v1alpha1.APIGatewayAPI
			config := typedNode(b, platform)
			var items []*yaml.RNode
			for _, e := range workload.Exposures(workload.Options{Services: n, Namespaces: n/50 + 1}) {
				for i := range e.Spec.Routes {
					e.Spec.Routes[i].Retries = nil
				}
				slices.SortStableFunc(e.Spec.Routes, func(a, b v1alpha1.Route) int { return v1alpha1.GatewayAPIPrecedence(a.Match, b.Match) })
				items = append(items, typedNode(b, e))
			}
			benchProcess(b, n, config, items, 3*n)
		})
	}
}

// benchProcess renders the environment config, items of n exposures until
// the benchmark has its measure, checking each run renders at least min
// items.
func benchProcess(b *testing.B, n int, config *yaml.RNode, items []*yaml.RNode, min int) {
	p := &fn.Processor{Stderr: func() io.Writer { return io.Discard }}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rl := &framework.ResourceList{FunctionConfig: config, Items: items}
		if err := p.Process(rl); err != nil {
			b.Fatal(err)
		}
		if len(rl.Items) < min {
			b.Fatalf("%d items out for %d exposures", len(rl.Items), n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/exposure")
}
