package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/krmfn/krm-fn/conformance/routecmp"
)

// proofShared is what the proof layer's tests share: the commands, a
// freshly built krm-fn and kustomize, and the known failures.
var proofShared struct {
	once      sync.Once
	err       error
	proof     *Proof
	kustomize string
	fnDir     string
	known     *KnownFailures
}

func proofSetup(t *testing.T) *Proof {
	t.Helper()
	proofShared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
		defer cancel()
		start := time.Now()
		out, err := run(ctx, root, nil, filepath.Join(root, "hack", "tools.sh"), "kustomize", "istio-proof", "alb-proof")
		if err != nil {
			proofShared.err = err
			return
		}
		bin := strings.TrimSpace(out.stdout)
		proofShared.proof = &Proof{Istio: filepath.Join(bin, "istio-proof"), ALB: filepath.Join(bin, "alb-proof")}
		proofShared.kustomize = filepath.Join(bin, "kustomize")
		if proofShared.fnDir, err = os.MkdirTemp("", "krm-fn-proof-bin-"); err != nil {
			proofShared.err = err
			return
		}
		if err := BuildFunction(ctx, root, proofShared.fnDir); err != nil {
			proofShared.err = err
			return
		}
		if proofShared.known, proofShared.err = LoadKnownFailures(filepath.Join(root, "conformance", KnownFailuresFile), root); proofShared.err != nil {
			return
		}
		fmt.Printf("proof: istio-proof, alb-proof and krm-fn ready in %s\n", time.Since(start).Round(time.Second))
	})
	if proofShared.err != nil {
		t.Fatal(proofShared.err)
	}
	return proofShared.proof
}

// proofTeardown, from TestMain: removes the krm-fn build and reports the
// known failures that did not occur.
func proofTeardown() (failed bool) {
	if proofShared.fnDir != "" {
		_ = os.RemoveAll(proofShared.fnDir)
	}
	if proofShared.known == nil {
		return false
	}
	for _, s := range proofShared.known.Stale() {
		fmt.Fprintln(os.Stderr, s)
		failed = true
	}
	return failed
}

// proveSource runs the layer on one source with its requests and
// fixture from dir and fails t with every finding that is not a known
// failure.
func proveSource(t *testing.T, p *Proof, src *Source, dir string) *ProofRun {
	t.Helper()
	reqs, err := LoadRequests(dir)
	if err != nil {
		t.Fatal(err)
	}
	fixture, err := LoadFixture(dir)
	if err != nil {
		t.Fatal(err)
	}
	platform, err := FindPlatform(dir)
	if err != nil {
		t.Fatal(err)
	}
	if platform == nil {
		t.Logf("%s: no ExposurePlatform found beside it: its listeners are not checked", src.Name)
	}
	start := time.Now()
	r, err := p.Run(t.Context(), src, fixture, reqs, platform)
	if err != nil {
		t.Fatal(err)
	}
	reportFindings(t, src.Name, r.Findings)
	compareRoutes(t, src, r)
	t.Logf("%s: %d requests, %d tables, %d ALBs proved in %s", src.Name, len(reqs), len(r.Istio.Tables), len(r.ALB.ALBs), time.Since(start).Round(time.Millisecond))
	return r
}

// compareRoutes fails t where `krm-fn routes -o json` of the source's
// specs is not the table istiod computed from its rendering (routecmp
// says how they pair).
func compareRoutes(t *testing.T, src *Source, r *ProofRun) {
	t.Helper()
	args, err := routecmp.Args(root, src.Name) // an overlay, or testdata/<case>/expected.yaml → its config and input
	if err != nil {
		return // proof-specs, proof-broken: no specs of krm-fn's to read
	}
	out, err := run(t.Context(), root, nil, filepath.Join(proofShared.fnDir, "krm-fn"), append([]string{"routes", "-o", "json"}, args...)...)
	switch {
	case err != nil && strings.Contains(err.Error(), "expands in process"):
		t.Logf("%s: krm-fn routes does not read this layout: %v", src.Name, err)
		return
	case err != nil:
		t.Errorf("%s: krm-fn routes: %v", src.Name, err)
		return
	}
	istio, err := json.Marshal(r.Istio)
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := routecmp.Compare([]byte(out.stdout), istio)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("%s: krm-fn routes is not what istiod computes: %s", src.Name, d)
	}
}

func reportFindings(t *testing.T, source string, fs []Finding) {
	t.Helper()
	known, others := proofShared.known.Split(source, fs)
	for _, k := range known {
		t.Log(k)
	}
	for _, f := range others {
		t.Error(f)
	}
}

// renderOverlay renders an overlay with kustomize and the fresh krm-fn.
func renderOverlay(t *testing.T, dir string) *Source {
	t.Helper()
	rel, _ := filepath.Rel(root, dir)
	file := filepath.Join(t.TempDir(), "rendered.yaml")
	if err := Render(t.Context(), proofShared.kustomize, proofShared.fnDir, dir, file); err != nil {
		t.Fatal(err)
	}
	src, err := LoadSource(rel, file, dir)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestProofOverlays proves every example overlay, and every overlay of the
// layouts under testdata/layouts: istiod and the ALB controller over
// what it renders, its requests.yaml answered.
func TestProofOverlays(t *testing.T) {
	p := proofSetup(t)
	for _, dir := range overlayDirs(t) {
		rel, _ := filepath.Rel(root, dir)
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			proveSource(t, p, renderOverlay(t, dir), dir)
		})
	}
}

// TestProofGoldenCases proves every golden case that renders
// (testdata/<case>/expected.yaml) with its requests.yaml and cluster.yaml.
func TestProofGoldenCases(t *testing.T) {
	p := proofSetup(t)
	goldenCases(t, func(t *testing.T, src *Source) {
		t.Parallel()
		proveSource(t, p, src, src.Dir)
	})
}

// TestProofBothAPIs: one meaning under both APIs. Each example overlay
// that has a twin on the Gateway API (overlays/<env>-gateway-api) answers
// the requests of both alike; and every golden case whose platform is an
// ExposurePlatform is rendered again under the other API (when krm-fn
// takes it there: what one API cannot express is an error at render
// time), and answers its requests alike.
func TestProofBothAPIs(t *testing.T) {
	p := proofSetup(t)
	twins, _ := filepath.Glob(filepath.Join(root, "overlays", "*-gateway-api", "kustomization.yaml"))
	if len(twins) == 0 {
		t.Fatal("no overlays/*-gateway-api")
	}
	for _, k := range twins {
		gwDir := filepath.Dir(k)
		istioDir := strings.TrimSuffix(gwDir, "-gateway-api")
		rel, _ := filepath.Rel(root, istioDir)
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			a, b := renderOverlay(t, istioDir), renderOverlay(t, gwDir)
			compareSources(t, p, a, istioDir, b, gwDir)
		})
	}
	files, _ := filepath.Glob(filepath.Join(root, "testdata", "*", "expected.yaml"))
	for _, f := range files {
		dir := filepath.Dir(f)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			reqs, err := LoadRequests(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(reqs) == 0 {
				t.Skip("no requests.yaml")
			}
			flipped := filepath.Join(t.TempDir(), "flipped.yaml")
			api, none, err := renderSpec(t.Context(), proofShared.fnDir, dir, flipped, true)
			if err != nil {
				t.Fatal(err)
			}
			if none != "" {
				if api != "" {
					// The flipped rendering and the comparison ran, with
					// nothing to prove: a known failure of either is stale.
					self, flippedName := filepath.Join("testdata", name, "expected.yaml"), fmt.Sprintf("testdata/%s under api %s", name, api)
					pair := self + " ~ " + flippedName
					if api != "gateway-api" {
						pair = flippedName + " ~ " + self
					}
					proofShared.known.Split(flippedName, nil)
					proofShared.known.Split(pair, nil)
				}
				t.Skip(none)
			}
			src, err := LoadSource(filepath.Join("testdata", name, "expected.yaml"), f, dir)
			if err != nil {
				t.Fatal(err)
			}
			other, err := LoadSource(fmt.Sprintf("testdata/%s under api %s", name, api), flipped, dir)
			if err != nil {
				t.Fatal(err)
			}
			if api == "gateway-api" {
				compareSources(t, p, src, dir, other, dir)
			} else {
				compareSources(t, p, other, dir, src, dir)
			}
		})
	}
}

// compareSources runs two renderings, a under api: istio and b under api:
// gateway-api, on the union of their requests and compares the answers.
func compareSources(t *testing.T, p *Proof, a *Source, aDir string, b *Source, bDir string) {
	t.Helper()
	var reqs [2][]Request
	var fixtures [2][]Object
	var platforms [2]*Platform
	for i, dir := range []string{aDir, bDir} {
		var err error
		if reqs[i], err = LoadRequests(dir); err != nil {
			t.Fatal(err)
		}
		if fixtures[i], err = LoadFixture(dir); err != nil {
			t.Fatal(err)
		}
		if platforms[i], err = FindPlatform(dir); err != nil {
			t.Fatal(err)
		}
	}
	all := unionRequests(reqs[0], reqs[1])
	ra, err := p.Run(t.Context(), a, fixtures[0], all, platforms[0])
	if err != nil {
		t.Fatal(err)
	}
	rb, err := p.Run(t.Context(), b, fixtures[1], all, platforms[1])
	if err != nil {
		t.Fatal(err)
	}
	findings := CompareAPIs(ra, rb)
	reportFindings(t, a.Name+" ~ "+b.Name, findings)
	t.Logf("%s ~ %s: %d requests compared", a.Name, b.Name, len(all))
}

// TestProofSpecs proves the specs of conformance/testdata/proof-specs/<case>
// (input.yaml, config.yaml, and requests.yaml, cluster.yaml), rendered by
// the fresh krm-fn under their platform's API, and under the other API
// when krm-fn takes them there: what they render must answer alike. A
// spec krm-fn refuses is proved to route nowhere wrong.
func TestProofSpecs(t *testing.T) {
	p := proofSetup(t)
	dirs, err := filepath.Glob(filepath.Join(root, "conformance", "testdata", "proof-specs", "*", "input.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no specs under conformance/testdata/proof-specs: %v", err)
	}
	for _, in := range dirs {
		dir := filepath.Dir(in)
		rel, _ := filepath.Rel(root, dir)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			var srcs [2]*Source
			for i, flip := range []bool{false, true} {
				file := filepath.Join(t.TempDir(), "rendered.yaml")
				api, none, err := renderSpec(t.Context(), proofShared.fnDir, dir, file, flip)
				if err != nil {
					t.Fatal(err)
				}
				name := rel + " under api " + api
				if none != "" {
					// Nothing rendered: nothing routes wrong. The source ran,
					// so a known failure of it that no longer occurs is stale.
					proofShared.known.Split(name, nil)
					t.Logf("%s: %s", name, none)
					continue
				}
				if srcs[i], err = LoadSource(name, file, dir); err != nil {
					t.Fatal(err)
				}
				proveSource(t, p, srcs[i], dir)
			}
			if srcs[0] == nil || srcs[1] == nil {
				return
			}
			istio, gw := srcs[0], srcs[1]
			if strings.HasSuffix(istio.Name, "gateway-api") {
				istio, gw = gw, istio
			}
			compareSources(t, p, istio, dir, gw, dir)
		})
	}
}
