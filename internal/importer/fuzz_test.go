package importer_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/krmfn/krm-fn/internal/importer"
	"github.com/krmfn/krm-fn/internal/krmio"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// FuzzImport feeds the import hostile manifests, seeded with the cases
// of testdata/import: it must never panic, and what it imports must
// render or say why not.
func FuzzImport(f *testing.F) {
	seeds, _ := filepath.Glob("../../testdata/import/*/manifests.yaml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\nspec: {hosts: [a.b.c], gateways: [g], http: [{route: [{weight: 1}]}]}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := krmio.CheckNodes(b, "fuzz"); err != nil {
			return // beyond krm-fn's input limits: refused before parsing
		}
		nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
		if err != nil {
			return
		}
		res, err := importer.Import(nodes, importer.Options{})
		if err != nil {
			return
		}
		_, _ = importer.Verify(nodes, res)
	})
}
