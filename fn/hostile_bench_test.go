package fn_test

import (
	"bytes"
	"os"
	"testing"
)

// Hostile inputs must be rejected quickly and in little memory: these
// benchmarks measure it (ns/op, B/op) for the corpus' alias bomb (a
// billion nodes if expanded), deeply nested document, and 300 invalid
// routeDefaults taken by 300 routes (90,000 route errors, said as 300).
// Targets: < 1 s, < 100 MiB.
//
//	go test ./fn -run '^$' -bench Hostile -benchmem
func BenchmarkHostileAliasBomb(b *testing.B) {
	benchHostile(b, "../testdata/adversarial/yaml-alias-bomb/input.yaml", false)
}

func BenchmarkHostileDeepNesting(b *testing.B) {
	benchHostile(b, "../testdata/adversarial/stdin-deeply-nested/stdin.yaml", true)
}

func BenchmarkHostileRouteDefaults(b *testing.B) {
	benchHostile(b, "../testdata/adversarial/route-defaults-invalid-many-routes/input.yaml", false)
}

func benchHostile(b *testing.B, path string, raw bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"../testdata/adversarial/config.yaml", path}
	if raw {
		args = nil
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := execute(args, bytes.NewReader(data)); err == nil {
			b.Fatal("a hostile input was accepted")
		}
	}
}
