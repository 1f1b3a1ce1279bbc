package importer

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// BenchmarkImport imports, prints and verifies Istio's request routing
// example (testdata/import/header-routing) with its gateway route
// matching n more paths: each match becomes a route of its own, and
// --verify renders them all and compares them one by one. Memory is
// what to watch (-benchmem): docs/adoption.md gives the figures.
func BenchmarkImport(b *testing.B) {
	src, err := os.ReadFile("../../testdata/import/header-routing/manifests.yaml")
	if err != nil {
		b.Fatal(err)
	}
	const first = "    - uri: {exact: /productpage}\n"
	if !bytes.Contains(src, []byte(first)) {
		b.Fatalf("the example has no %q", first)
	}
	for _, n := range []int{1000, 30000} {
		var more strings.Builder
		for i := range n {
			fmt.Fprintf(&more, "    - uri: {exact: /page-%d}\n", i)
		}
		in := bytes.Replace(src, []byte(first), []byte(more.String()+first), 1)
		b.Run(fmt.Sprintf("matches=%d/%dKB", n, len(in)>>10), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(in), OmitReaderAnnotations: true}).Read()
				if err != nil {
					b.Fatal(err)
				}
				res, err := Import(nodes, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := res.YAML(); err != nil {
					b.Fatal(err)
				}
				diffs, err := Verify(nodes, res)
				if err != nil || len(diffs) > 0 {
					b.Fatalf("verify: %v %v", err, diffs)
				}
			}
		})
	}
}
