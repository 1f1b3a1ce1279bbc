package fn_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/krmfn/krm-fn/fn"
	"github.com/krmfn/krm-fn/internal/cli"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// passthrough are input items in every shape a printer can trip on:
// comments, literal and folded blocks, flow style, quoting, anchors, wide
// sequence indentation, empty values, long lines.
const passthrough = `# head comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings # line comment
  namespace: prd-api
  annotations: {a: "1", b: 'two', c: yes}
data:
  script: |
    #!/bin/sh
    echo "hello"

    exit 0
  folded: >
    one
    two
  empty: ""
  long: ` + "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua" + `
  list: "[1, 2]"
# foot comment
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: anchors
  namespace: prd-api
  labels: &labels
    app: anchors
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      containers:
        - name: app
          image: nginx
          args:
            - --flag=value
            - "quoted"
          env: []
`

// TestOutputMatchesKyaml runs the command as kustomize does on the golden
// cases, on inputs with every shape of item, and on a generated
// environment, and checks that it prints byte for byte what kyaml's own
// framework.Execute prints for the same processor.
func TestOutputMatchesKyaml(t *testing.T) {
	inputs := map[string][]byte{}
	configs, err := filepath.Glob(filepath.Join("..", "testdata", "*", "config.yaml"))
	if err != nil || len(configs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, c := range configs {
		dir := filepath.Dir(c)
		config := readNode(t, c)
		var items []*yaml.RNode
		if b, err := os.ReadFile(filepath.Join(dir, "input.yaml")); err == nil {
			items = parseItems(t, string(b))
		}
		inputs[filepath.Base(dir)] = resourceList(t, config, items)
	}
	seed := readNode(t, filepath.Join("..", "testdata", "seed-prd", "config.yaml"))
	inputs["passthrough"] = resourceList(t, seed, append(parseItems(t, passthrough), exposureItems(t, 3, 2)...))
	inputs["workload"] = resourceList(t, seed, exposureItems(t, 40, 3))

	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var want, wantErr bytes.Buffer
			p := &fn.Processor{Stderr: func() io.Writer { return &wantErr }}
			werr := framework.Execute(p, &kio.ByteReadWriter{Reader: bytes.NewReader(in), Writer: &want, KeepReaderAnnotations: true})

			var got, gotErr bytes.Buffer
			cmd := cli.NewCommand()
			cmd.SetArgs([]string{})
			cmd.SetIn(bytes.NewReader(in))
			cmd.SetOut(&got)
			cmd.SetErr(&gotErr)
			gerr := cmd.Execute()

			if (gerr == nil) != (werr == nil) {
				t.Fatalf("error %v, kyaml's %v", gerr, werr)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("stdout differs from kyaml's\n--- got:\n%s\n--- want:\n%s", got.String(), want.String())
			}
			if want.Len() == 0 {
				t.Error("kyaml printed nothing: the case tests nothing")
			}
		})
	}
}

func resourceList(t *testing.T, config *yaml.RNode, items []*yaml.RNode) []byte {
	t.Helper()
	var b bytes.Buffer
	w := kio.ByteWriter{Writer: &b, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, FunctionConfig: config}
	if err := w.Write(items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
