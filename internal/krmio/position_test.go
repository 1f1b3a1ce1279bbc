package krmio

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestLines(t *testing.T) {
	const base = `apiVersion: v1
kind: Service
metadata:
  name: a
spec:
  ports:
  - port: 80
---
apiVersion: exposure.krmfn.io/v1alpha1
kind: ServiceExposure
metadata:
  name: api
spec:
  hosts: [api, www]
  service:
    port: "9000"
`
	parse := func(s string) *yaml.Node {
		t.Helper()
		n, err := yaml.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return n.YNode()
	}
	// As Files reads it: kyaml's reader, positions in the whole file.
	objs, err := (&kio.ByteReader{Reader: strings.NewReader(base)}).Read()
	if err != nil {
		t.Fatal(err)
	}
	l := &Lines{Source: func(path string) ([]byte, bool) { return []byte(base), path == "base.yaml" }}

	// Read from the file: its own positions.
	exposure := objs[1].YNode()
	for path, want := range map[string]int{
		"spec.service.port":  16,
		"spec.hosts[1]":      14,
		"spec.service.proto": 15, // missing: the nearest field above
		"spec.routes[0]":     13, // missing: spec
		"":                   9,  // the object
		"metadata.name":      12,
	} {
		if got := l.Line("base.yaml", exposure, path); got != want {
			t.Errorf("Line(%q) of the object as read = %d, want %d", path, got, want)
		}
	}
	if got := l.Line("other.yaml", exposure, "spec.service.port"); got != 0 {
		t.Errorf("Line in a file without source = %d, want 0", got)
	}

	// The same object as a JSON patch leaves it (no positions; a value
	// changed, one added): value by value.
	patched := parse(`{"apiVersion": "exposure.krmfn.io/v1alpha1", "kind": "ServiceExposure", "metadata": {"name": "api"},
"spec": {"hosts": ["api", "www", "shop"], "service": {"port": 9000}}}`)
	for path, want := range map[string]int{
		"spec.hosts[0]":     14,
		"spec.hosts[2]":     0, // the patch's: not in the file
		"spec.service.port": 0, // another value than the file's
		"spec.service":      0, // holds another value
		"metadata.name":     12,
		"":                  9,
	} {
		if got := l.Line("base.yaml", patched, path); got != want {
			t.Errorf("Line(%q) of the patched object = %d, want %d", path, got, want)
		}
	}

	// Another object of the file's kind and name, not the file's.
	other := parse("apiVersion: exposure.krmfn.io/v1alpha1\nkind: ServiceExposure\nmetadata:\n  name: other\nspec:\n  service:\n    port: \"9000\"\n")
	if got := l.Line("base.yaml", other, "spec.service.port"); got != 0 {
		t.Errorf("Line of another object = %d, want 0", got)
	}
}
