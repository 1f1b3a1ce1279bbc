package fn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/api/v1alpha1"
	"github.com/krmfn/krm-fn/fn/model"
	"github.com/krmfn/krm-fn/internal/yamlout"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The fuzz targets check, for any input: no panic; a failed run emits no
// items; a successful run emits YAML that parses again, gives the same
// bytes twice, and gives the same objects when run again on its own
// output with the specs put back. Seeds are the golden inputs.
//
//	go test ./fn -run '^$' -fuzz '^FuzzServiceExposure$' -fuzztime 1m   (make fuzz)

// FuzzResourceList feeds whole ResourceLists to the command, as kustomize
// does.
func FuzzResourceList(f *testing.F) {
	for _, c := range goldenSeeds(f) {
		var b bytes.Buffer
		w := kio.ByteWriter{Writer: &b, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, FunctionConfig: c.config}
		if err := w.Write(c.items); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, failed := runCommand(data)
		items, err := (&kio.ByteReader{Reader: bytes.NewReader(out)}).Read()
		if failed {
			if len(out) > 0 && (err != nil || len(items) > 0) {
				t.Fatalf("a failed run wrote items:\n%s", out)
			}
			return
		}
		if err != nil {
			t.Fatalf("the output does not parse: %v\n%s", err, out)
		}
		if again, _ := runCommand(data); !bytes.Equal(again, out) {
			t.Fatalf("two runs on the same input differ:\n%s\n---\n%s", out, again)
		}
	})
}

// FuzzServiceExposure renders one exposure document under the prd
// platform, next to the seed's Deployment.
func FuzzServiceExposure(f *testing.F) {
	for _, c := range goldenSeeds(f) {
		for _, it := range c.items {
			if it.GetKind() == string(v1alpha1.KindServiceExposure) {
				f.Add(it.MustString())
			}
		}
	}
	platform := seedNode(f, "../testdata/seed-prd/config.yaml")
	f.Fuzz(func(t *testing.T, doc string) {
		n, err := yaml.Parse(doc)
		if err != nil {
			return // not YAML: FuzzResourceList covers what the reader does
		}
		checkRender(t, platform, []*yaml.RNode{n})
	})
}

// FuzzExposurePlatform renders the seed's exposures under one platform
// document.
func FuzzExposurePlatform(f *testing.F) {
	var exposures []*yaml.RNode
	for _, c := range goldenSeeds(f) {
		if c.config.GetKind() == string(v1alpha1.KindExposurePlatform) {
			f.Add(c.config.MustString())
		}
		if strings.HasSuffix(c.dir, "seed-prd") {
			exposures = c.items
		}
	}
	f.Fuzz(func(t *testing.T, doc string) {
		n, err := yaml.Parse(doc)
		if err != nil {
			return
		}
		checkRender(t, n, exposures)
	})
}

// sameJSON checks that the JSON decode reads of a node (yamlout.JSON) is
// what go-yaml reads.
func sameJSON(t *testing.T, n *yaml.RNode) {
	t.Helper()
	direct, err := yamlout.JSON(n)
	if err != nil {
		return // go-yaml could not either
	}
	var m map[string]any
	if err := n.YNode().Decode(&m); err != nil {
		return // e.g. a duplicate key: decode reports those first
	}
	want, err := json.Marshal(m)
	if err != nil {
		return
	}
	var a, b any
	if err := json.Unmarshal(direct, &a); err != nil {
		t.Fatalf("yamlout.JSON wrote invalid JSON (%v): %s", err, direct)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("yamlout.JSON reads\n%s\ngo-yaml reads\n%s", direct, want)
	}
}

// defaultTwice checks that defaulting obj again changes nothing.
func defaultTwice(t *testing.T, obj interface{ Default() }) {
	t.Helper()
	obj.Default()
	once, _ := yaml.Marshal(obj)
	obj.Default()
	if twice, _ := yaml.Marshal(obj); !bytes.Equal(once, twice) {
		t.Fatalf("defaulting %T twice changed it:\n%s\n---\n%s", obj, once, twice)
	}
}

// sameTwice checks that f gives the same answer twice.
func sameTwice(t *testing.T, f func() any) {
	t.Helper()
	if a, b := fmt.Sprint(f()), fmt.Sprint(f()); a != b {
		t.Fatalf("not deterministic:\n%s\n---\n%s", a, b)
	}
}

// render is run with the generated objects encoded: the output items.
func render(config *yaml.RNode, items []*yaml.RNode) ([]*yaml.RNode, framework.Results, error) {
	r, rs, err := run(config, items, nil)
	if err != nil || rs.ExitCode() != 0 {
		return nil, rs, err
	}
	nodes, err := r.Objects()
	if err != nil {
		return nil, nil, err
	}
	return append(r.Items, nodes...), rs, nil
}

// checkRender runs render and checks the properties above.
func checkRender(t *testing.T, config *yaml.RNode, items []*yaml.RNode) {
	t.Helper()
	out, rs, err := render(config.Copy(), copyAll(items))
	if err != nil {
		t.Fatalf("internal error: %v", err)
	}
	if rs.ExitCode() != 0 {
		if len(out) > 0 {
			t.Fatalf("a failed run emitted %d items", len(out))
		}
		return
	}
	first := docs(t, out)
	for _, d := range first {
		if _, err := yaml.Parse(d); err != nil {
			t.Fatalf("an output object does not parse again: %v\n%s", err, d)
		}
	}
	again, _, _ := render(config.Copy(), copyAll(items))
	if second := docs(t, again); !slices.Equal(first, second) {
		t.Fatalf("two runs differ:\n%s\n---\n%s", strings.Join(first, "---\n"), strings.Join(second, "---\n"))
	}
	rerun := copyAll(out)
	for _, it := range items {
		if v1alpha1.InGroup(it.GetApiVersion()) {
			rerun = append(rerun, it.Copy())
		}
	}
	third, rs3, _ := render(config.Copy(), rerun)
	if rs3.ExitCode() != 0 {
		t.Fatalf("re-running on its own output failed: %v", rs3)
	}
	a, b := docs(t, out), docs(t, third)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		t.Fatalf("re-running on its own output changed it:\n%s\n---\n%s", strings.Join(a, "---\n"), strings.Join(b, "---\n"))
	}
}

func runCommand(stdin []byte) (stdout []byte, failed bool) {
	var out bytes.Buffer
	p := &Processor{Stderr: func() io.Writer { return io.Discard }}
	err := Execute(p, bytes.NewReader(stdin), &out)
	return out.Bytes(), err != nil
}

func docs(t *testing.T, nodes []*yaml.RNode) []string {
	t.Helper()
	var out []string
	for _, n := range nodes {
		s, err := n.String()
		if err != nil {
			t.Fatalf("an output object does not serialise: %v", err)
		}
		out = append(out, s)
	}
	return out
}

func copyAll(nodes []*yaml.RNode) []*yaml.RNode {
	out := make([]*yaml.RNode, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, n.Copy())
	}
	return out
}

type seed struct {
	dir    string
	config *yaml.RNode
	items  []*yaml.RNode
}

// goldenSeeds are the cases of ../testdata that have a config.yaml of
// their own.
func goldenSeeds(f testing.TB) []seed {
	f.Helper()
	var seeds []seed
	configs, _ := filepath.Glob("../testdata/*/config.yaml")
	more, _ := filepath.Glob("../testdata/*/*/config.yaml")
	for _, c := range append(configs, more...) {
		dir := filepath.Dir(c)
		s := seed{dir: dir, config: seedNode(f, c)}
		if b, err := os.ReadFile(filepath.Join(dir, "input.yaml")); err == nil {
			s.items, _ = (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
		}
		seeds = append(seeds, s)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds found under ../testdata")
	}
	return seeds
}

func seedNode(f testing.TB, path string) *yaml.RNode {
	f.Helper()
	n, err := yaml.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return n
}

// FuzzDecode decodes one document as each kind, defaults and validates it:
// no panic, defaulting is idempotent, validation is deterministic. It is
// the cheapest target, for long runs.
func FuzzDecode(f *testing.F) {
	for _, c := range goldenSeeds(f) {
		f.Add(c.config.MustString())
		for _, it := range c.items {
			f.Add(it.MustString())
		}
	}
	platform := &v1alpha1.ExposurePlatform{}
	platform.Default()
	f.Fuzz(func(t *testing.T, doc string) {
		n, err := yaml.Parse(doc)
		if err != nil || n.YNode().Kind != yaml.MappingNode {
			return
		}
		sameJSON(t, n)
		p := &v1alpha1.ExposurePlatform{}
		if errs := decode(n, p); len(errs) == 0 {
			defaultTwice(t, p)
			sameTwice(t, func() any { return p.Validate() })
		}
		e := &v1alpha1.ServiceExposure{}
		if errs := decode(n, e); len(errs) == 0 {
			defaultTwice(t, e)
			sameTwice(t, func() any { return e.Validate(&platform.Spec) })
			sameTwice(t, func() any { return e.Validate(nil) })
			if len(e.Validate(&platform.Spec)) == 0 {
				x, errs := model.Resolve(e, &platform.Spec)
				if len(errs) == 0 && x == nil {
					t.Fatal("resolve returned no model and no error")
				}
			}
		}
	})
}
