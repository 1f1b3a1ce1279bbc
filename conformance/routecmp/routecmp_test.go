package routecmp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fixtures are testdata/<case>.routes.json, what krm-fn routes -o
// json printed for testdata/routes/<case> of the repository, and
// testdata/<case>.istio.json, the tables istio-proof computed from what
// krm-fn rendered for it (over the cluster conformance/synth.go
// synthesizes), at the same commit.
var fixtures = []string{
	"overlay-prd", "overlay-prd-gateway-api", "overlay-prd-nlb",
	"mesh-bookinfo", "routes-redirect-respond-fault-mirror", "gateway-api-weighted-subsets",
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIstiodAgrees: what krm-fn routes said is what istiod computed, for
// both APIs, TLS and TCP, the mesh, redirects, responses, faults, mirrors
// and weights.
func TestIstiodAgrees(t *testing.T) {
	for _, name := range fixtures {
		diffs, err := Compare(read(t, name+".routes.json"), read(t, name+".istio.json"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, d := range diffs {
			t.Errorf("%s: %s", name, d)
		}
	}
}

// TestDifferencesAreFound: each way krm-fn routes could be wrong about a
// route is a difference that names it.
func TestDifferencesAreFound(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		change  func(r map[string]any)
		want    string
	}{{
		"gateway-api-weighted-subsets",
		func(r map[string]any) {
			backendAt(route(r, 0, 0, 1), 0)["weight"] = 80.0
			backendAt(route(r, 0, 0, 1), 1)["weight"] = 20.0
		},
		"host checkout.domain.shop: route 2 (prefix /): backends: krm-fn routes says",
	}, {
		"overlay-prd",
		func(r map[string]any) { route(r, 0, 0, 0)["timeout"] = "6s" },
		`host api.domain.shop: route 1 (prefix /orders/): timeout: krm-fn routes says "6s", istiod "5s"`,
	}, {
		"overlay-prd",
		func(r map[string]any) {
			rs := hostOf(r, 0, 0)["routes"].([]any)
			rs[0], rs[1] = rs[1], rs[0]
		},
		"host api.domain.shop: route 1 (prefix /): match: krm-fn routes says",
	}, {
		"overlay-prd-gateway-api",
		func(r map[string]any) { route(r, 0, 0, 0)["match"].(map[string]any)["path"] = "prefix /orders/" },
		`match: krm-fn routes says {"path":"prefix /orders/"}, istiod {"path":"segments /orders"}`,
	}, {
		"overlay-prd",
		func(r map[string]any) { route(r, 0, 1, 0)["retries"].(map[string]any)["retryOn"] = "5xx" },
		"host cb-test-api.domain.shop: route 1 (prefix /): retries:",
	}, {
		"overlay-prd",
		func(r map[string]any) {
			h := hostOf(r, 0, 1)
			h["domains"] = []any{"cb-test-api.domain.shop.example"}
		},
		"host cb-test-api.domain.shop.example: istiod has no virtual host for it",
	}, {
		"overlay-prd-nlb",
		func(r map[string]any) { hostOf(r, 0, 0)["redirectsToHTTPS"] = false },
		"host api.domain.shop: krm-fn routes says redirectsToHTTPS false, istiod true",
	}, {
		"overlay-prd-nlb",
		func(r map[string]any) { tcpOf(r, 2, 0)["backends"].([]any)[0].(map[string]any)["weight"] = 70.0 },
		"port 31400: TCP: krm-fn routes says",
	}, {
		"mesh-bookinfo",
		func(r map[string]any) { route(r, 1, 0, 0)["name"] = "other" },
		`name: krm-fn routes says "other"`,
	}, {
		"routes-redirect-respond-fault-mirror",
		func(r map[string]any) { route(r, 0, 0, 0)["redirect"].(map[string]any)["status"] = 301.0 },
		"route 1 (prefix /docs/): redirect:",
	}, {
		"overlay-prd",
		func(r map[string]any) {
			h := hostOf(r, 0, 0)
			h["routes"] = h["routes"].([]any)[:1]
		},
		"host api.domain.shop: route 2 (prefix /, from VirtualService istio-system/shared-api-domain-shop): istiod has it, krm-fn routes does not show it",
	}, {
		"overlay-prd",
		func(r map[string]any) {
			t := r["tables"].([]any)[0].(map[string]any)
			t["hosts"] = t["hosts"].([]any)[1:]
		},
		"gateway istio-system/istio-ingressgateway port 80: istiod routes host api.domain.shop (from VirtualService istio-system/shared-api-domain-shop), which krm-fn routes does not show",
	}} {
		var r map[string]any
		if err := json.Unmarshal(read(t, tc.fixture+".routes.json"), &r); err != nil {
			t.Fatal(err)
		}
		tc.change(r)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		diffs, err := Compare(b, read(t, tc.fixture+".istio.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(diffs, "\n"), tc.want) {
			t.Errorf("%s: the differences do not say %q:\n%s", tc.fixture, tc.want, strings.Join(diffs, "\n"))
		}
	}
}

func hostOf(r map[string]any, table, host int) map[string]any {
	return r["tables"].([]any)[table].(map[string]any)["hosts"].([]any)[host].(map[string]any)
}

func route(r map[string]any, table, host, route int) map[string]any {
	return hostOf(r, table, host)["routes"].([]any)[route].(map[string]any)
}

func backendAt(route map[string]any, i int) map[string]any {
	return route["backends"].([]any)[i].(map[string]any)
}

func tcpOf(r map[string]any, table, i int) map[string]any {
	return r["tables"].([]any)[table].(map[string]any)["tcp"].([]any)[i].(map[string]any)
}

// TestRoutesJSONDecodes: every table of krm-fn routes' goldens decodes
// strictly into this package's copy of its schema: a field krm-fn routes
// adds fails here until the comparison knows it.
func TestRoutesJSONDecodes(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "routes", "*", "routes.json"))
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"changes":`) {
			continue // a diff
		}
		n++
		var r krmRoutes
		if err := decode(b, &r); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if n < 10 {
		t.Fatalf("only %d tables under testdata/routes", n)
	}
}

// TestArgs: the arguments of krm-fn routes for the suite's sources.
func TestArgs(t *testing.T) {
	root := filepath.Join("..", "..")
	for source, want := range map[string]string{
		"overlays/prd":                         filepath.Join(root, "overlays/prd"),
		"testdata/mesh-bookinfo/expected.yaml": filepath.Join(root, "testdata/mesh-bookinfo/config.yaml") + " " + filepath.Join(root, "testdata/mesh-bookinfo/input.yaml"),
	} {
		got, err := Args(root, source)
		if err != nil || strings.Join(got, " ") != want {
			t.Errorf("%s: %v, %v; want %s", source, got, err, want)
		}
	}
	if _, err := Args(root, "docs"); err == nil {
		t.Error("docs is no source")
	}
}
