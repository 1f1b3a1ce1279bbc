package fn_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestStandardChannel: what a platform renders to the Gateway API without
// gatewayAPI.channel: experimental has only the fields of the Gateway
// API's standard channel, field by field against its CRDs' schemas (the
// conformance cluster serves HTTPRoute's experimental CRD, so that the
// retries of an experimental platform are checked too).
func TestStandardChannel(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api").Output()
	if err != nil {
		t.Fatalf("go list -m sigs.k8s.io/gateway-api: %v", err)
	}
	crds := filepath.Join(strings.TrimSpace(string(out)), "config", "crd")
	schemas := map[string]*yaml.RNode{} // kind → the standard CRD's schema of v1
	files, _ := filepath.Glob(filepath.Join(crds, "standard", "gateway.networking.k8s.io_*.yaml"))
	for _, f := range files {
		crd := readObjects(t, f)[0]
		for _, v := range elements(crd, "spec", "versions") {
			if yaml.GetValue(v.Field("name").Value) == "v1" {
				schemas[yaml.GetValue(crd.Field("spec").Value.Field("names").Value.Field("kind").Value)] = v.Field("schema").Value.Field("openAPIV3Schema").Value
			}
		}
	}
	if schemas["HTTPRoute"] == nil || schemas["Gateway"] == nil {
		t.Fatalf("no standard CRDs of HTTPRoute and Gateway under %s", crds)
	}
	checked := 0
	for _, dir := range goldenCases(t, filepath.Join("..", "testdata")) {
		expected := filepath.Join(dir, "expected.yaml")
		if _, err := os.Stat(expected); err != nil {
			continue
		}
		if config, _ := os.ReadFile(findConfig(t, filepath.Join("..", "testdata"), dir)); strings.Contains(string(config), "channel: experimental") {
			continue
		}
		for _, o := range readObjects(t, expected) {
			schema := schemas[o.GetKind()]
			if !strings.HasPrefix(o.GetApiVersion(), "gateway.networking.k8s.io/") || schema == nil {
				continue
			}
			checked++
			for _, p := range outsideSchema(o.YNode(), schema.YNode(), "") {
				t.Errorf("%s: %s %s: %s is no field of the Gateway API's standard channel", expected, o.GetKind(), o.GetName(), p)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no Gateway API object checked")
	}
}

// outsideSchema lists the fields of n (at path) that schema does not have.
func outsideSchema(n, schema *yaml.Node, path string) []string {
	s := yaml.NewRNode(schema)
	if f := s.Field("x-kubernetes-preserve-unknown-fields"); f != nil && yaml.GetValue(f.Value) == "true" {
		return nil
	}
	var out []string
	switch n.Kind {
	case yaml.MappingNode:
		props := s.Field("properties")
		extra := s.Field("additionalProperties")
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			var sub *yaml.RNode
			if props != nil {
				if f := props.Value.Field(k); f != nil {
					sub = f.Value
				}
			}
			if sub == nil && extra != nil && extra.Value.YNode().Kind == yaml.MappingNode {
				sub = extra.Value
			}
			if sub == nil {
				if path != "" || (k != "apiVersion" && k != "kind" && k != "metadata" && k != "status") {
					out = append(out, path+"."+k)
				}
				continue
			}
			if path == "" && k == "metadata" {
				continue
			}
			out = append(out, outsideSchema(n.Content[i+1], sub.YNode(), path+"."+k)...)
		}
	case yaml.SequenceNode:
		if items := s.Field("items"); items != nil {
			for _, c := range n.Content {
				out = append(out, outsideSchema(c, items.Value.YNode(), path+"[]")...)
			}
		}
	}
	return out
}

func readObjects(t *testing.T, path string) []*yaml.RNode {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(string(b)), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return nodes
}

func elements(n *yaml.RNode, path ...string) []*yaml.RNode {
	f, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || f == nil {
		return nil
	}
	es, _ := f.Elements()
	return es
}
