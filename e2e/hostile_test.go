package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostileItem is a pass-through object of about size bytes in one of the
// shapes that cost krm-fn (or kustomize) the most memory a byte: a long
// block list, a flow list and a commented list (which only go-yaml's
// emitter prints as written), and one long string; each as dense as the
// node limit of a build allows (one node per 8 bytes), or, too dense,
// over every limit.
func hostileItem(shape string, size int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: prd-api\ndata:\n")
	switch shape {
	case "block list":
		b.WriteString("  list: |\n    x\nitems:\n")
		for b.Len() < size {
			b.WriteString("- aaaaaaaaaaaaa\n")
		}
	case "flow list":
		b.WriteString("  list: x\nitems: [aaaa")
		for b.Len() < size {
			b.WriteString(", aaaaaaaa")
		}
		b.WriteString("]\n")
	case "commented list":
		b.WriteString("  list: x\nitems:\n")
		for b.Len() < size {
			b.WriteString("- aaaaaaaaa # c\n")
		}
	case "long string":
		b.WriteString("  text: ")
		for b.Len() < size {
			b.WriteString("lorem ipsum dolor sit amet ")
		}
		b.WriteString("\n")
	case "too deep":
		// Small, but kustomize copies each level's subtree: its work grows
		// with the square of the depth.
		b.WriteString("  list: x\nitems: " + strings.Repeat("{a: ", 3000) + "1" + strings.Repeat("}", 3000) + "\n")
	case "too dense":
		b.WriteString("  list: x\nitems: [1")
		for b.Len() < size {
			b.WriteString(",1")
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// peak runs krm-fn with args in dir (stdin from the file in, if any) and
// returns its peak resident memory in bytes (its VmHWM, read every few
// milliseconds: the rusage of a child started from a large test process
// reports the parent's size), its stderr and whether it failed.
func peak(t *testing.T, dir, in string, args ...string) (int64, string, bool) {
	t.Helper()
	cmd := exec.Command("krm-fn", args...)
	cmd.Dir = dir
	if in != "" {
		f, err := os.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var hwm int64
	for {
		select {
		case err := <-done:
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				t.Fatal(err)
			}
			if hwm == 0 {
				t.Skip("no VmHWM in /proc on this system")
			}
			return hwm, stderr.String(), err != nil
		case <-time.After(2 * time.Millisecond):
			if kib := vmHWM(status); kib > hwm {
				hwm = kib
			}
		}
	}
}

// vmHWM is the peak resident memory /proc/PID/status reports, in bytes.
func vmHWM(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kib << 10
		}
	}
	return 0
}

// TestHostileInputMemory runs krm-fn on inputs built to cost memory on
// every path (a ResourceList on stdin, files, krm-fn render, the Argo CD
// plugin's generate) and checks that its peak memory stays within 100
// times the input's size, and that input over the node limit is refused
// before it is parsed. It takes about a minute: it runs in CI, or with
// KRMFN_SLOW_TESTS=1. docs/security.md states the limits.
func TestHostileInputMemory(t *testing.T) {
	if os.Getenv("CI") == "" && os.Getenv("KRMFN_SLOW_TESTS") == "" {
		t.Skip("slow (about a minute): set KRMFN_SLOW_TESTS=1 to run it")
	}
	const size = 8 << 20
	platform, err := os.ReadFile("../overlays/prd/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, shape := range []string{"block list", "flow list", "commented list", "long string", "too dense", "too deep"} {
		t.Run(shape, func(t *testing.T) {
			dir := t.TempDir()
			item := hostileItem(shape, size)
			write(t, filepath.Join(dir, "big.yaml"), item)
			write(t, filepath.Join(dir, "platform.yaml"), string(platform))
			write(t, filepath.Join(dir, "kustomization.yaml"), "resources: [big.yaml]\ntransformers: [platform.yaml]\n")
			var rl strings.Builder
			rl.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n")
			rl.WriteString(indent(string(platform), "  "))
			rl.WriteString("items:\n- ")
			rl.WriteString(strings.TrimPrefix(indent(item, "  "), "  "))
			write(t, filepath.Join(dir, "rl.yaml"), rl.String())

			for _, path := range []struct {
				name, in string
				args     []string
			}{
				{"stdin", filepath.Join(dir, "rl.yaml"), nil},
				{"files", "", []string{"platform.yaml", "big.yaml"}},
				{"render", "", []string{"render", "--root", dir, "."}},
				{"plugin", "", []string{"argocd", "generate"}},
			} {
				rss, stderr, failed := peak(t, dir, path.in, path.args...)
				ratio := float64(rss) / float64(max(len(item), 1<<20)) // a small input is judged as 1 MiB: the program itself takes tens
				t.Logf("%-6s %5.1f MiB peak for %.1f MiB: %.0f×", path.name, float64(rss)/(1<<20), float64(len(item))/(1<<20), ratio)
				switch {
				case shape == "too dense" && (!failed || !strings.Contains(stderr, "more than krm-fn parses for that size")):
					t.Errorf("%s: want the input refused for its nodes, got (failed %v):\n%s", path.name, failed, stderr)
				case shape == "too deep" && (!failed || !strings.Contains(stderr, "levels deep, more than krm-fn parses")):
					t.Errorf("%s: want the input refused for its depth, got (failed %v):\n%s", path.name, failed, stderr)
				case !strings.HasPrefix(shape, "too") && failed:
					t.Errorf("%s: failed:\n%s", path.name, stderr)
				case ratio > 100:
					t.Errorf("%s: peak memory %.0f times the input's size, over 100", path.name, ratio)
				}
			}
		})
	}
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			fmt.Fprint(&b, prefix, l)
		}
	}
	return b.String()
}

// amplifier is an environment shaped to make krm-fn copy one setting into
// many objects: its platform and its items, and tame, a platform under
// which the same items (or tameItems, if set: the same exposures, the
// setting written once) render without the copies.
type amplifier struct{ platform, items, tame, tameItems string }

// amplifiers are the shapes of docs/security.md's "Tenancy": the
// platform's annotations on every Ingress, one exposure's routes on every
// shared host it claims, (Gateway API) a trafficPolicy in the
// DestinationRule of every subset, and an exposure's routeDefaults in
// every route.
func amplifiers() map[string]amplifier {
	const head = "apiVersion: exposure.krmfn.io/v1alpha1\nkind: ExposurePlatform\nmetadata:\n  name: prd\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: krm-fn\nspec:\n  domain: domain.shop\n"
	out := map[string]amplifier{}

	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "---\n{apiVersion: exposure.krmfn.io/v1alpha1, kind: ServiceExposure, metadata: {name: s%d, namespace: team-%d}, spec: {hosts: [h%d], service: {port: 80}}}\n", i, i, i)
	}
	out["annotations"] = amplifier{
		platform: head + fmt.Sprintf("  alb:\n    group: prd\n    annotations: {alb.ingress.kubernetes.io/tags: %q}\n", "env="+strings.Repeat("x", 200<<10)),
		items:    b.String(),
		tame:     head + "  alb:\n    group: prd\n",
	}

	b.Reset()
	var hosts []string
	for i := range 100 {
		hosts = append(hosts, fmt.Sprintf("s%d", i))
	}
	fmt.Fprintf(&b, "apiVersion: exposure.krmfn.io/v1alpha1\nkind: ServiceExposure\nmetadata: {name: s, namespace: team-a}\nspec:\n  hosts: [%s]\n  service: {port: 80}\n  routes:\n", strings.Join(hosts, ", "))
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "  - match: {prefix: /p%06d/aaaaaaaaaaaaaaaa}\n", i)
	}
	out["shared hosts"] = amplifier{
		platform: head + fmt.Sprintf("  sharedHosts: [%s]\n", strings.Join(hosts, ", ")),
		items:    b.String(),
		tame:     head,
	}

	b.Reset()
	b.WriteString("apiVersion: exposure.krmfn.io/v1alpha1\nkind: ServiceExposure\nmetadata: {name: s, namespace: team-a}\nspec:\n  hosts: [s]\n  service: {port: 80}\n  trafficPolicy:\n    portLevelSettings:\n")
	for i := range 4096 {
		fmt.Fprintf(&b, "    - {port: {number: %d}, connectionPool: {tcp: {maxConnections: 100}}}\n", i+1)
	}
	b.WriteString("  subsets:\n")
	for i := range 256 {
		fmt.Fprintf(&b, "  - {name: v%d, labels: {version: v%d}}\n", i, i)
	}
	b.WriteString("  routes:\n")
	for i := range 256 {
		if i%16 == 0 {
			fmt.Fprintf(&b, "  - match: {exact: /r%02d}\n    backends:\n    - {subset: v%d, weight: 100}\n", i/16, i)
			continue
		}
		fmt.Fprintf(&b, "    - {subset: v%d, weight: 0}\n", i)
	}
	out["subset policies"] = amplifier{platform: head + "  api: gateway-api\n", items: b.String(), tame: head}

	// 200 KiB of response headers as routeDefaults, taken by 1,000 routes;
	// tame, the headers on the first route alone.
	var headers, routes strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&headers, "        x-h%04d: %s\n", i, strings.Repeat("v", 90))
	}
	for i := range 1000 {
		fmt.Fprintf(&routes, "  - match: {exact: /r%04d}\n", i)
	}
	exposure := "apiVersion: exposure.krmfn.io/v1alpha1\nkind: ServiceExposure\nmetadata: {name: s, namespace: team-a}\nspec:\n  hosts: [s]\n  service: {port: 80}\n"
	first, rest, _ := strings.Cut(routes.String(), "\n")
	out["route defaults"] = amplifier{
		platform:  head,
		items:     exposure + "  routeDefaults:\n    responseHeaders:\n      set:\n" + headers.String() + "  routes:\n" + routes.String(),
		tame:      head,
		tameItems: exposure + "  routes:\n" + first + "\n    responseHeaders:\n      set:\n" + headers.String() + rest + "\n",
	}
	return out
}

// TestAmplificationMemory runs krm-fn on every path on environments that
// would render hundreds of times their size: each is refused before any
// object is built, naming what copies, and refusing it takes no more
// memory than rendering the same exposures without the copies (tame)
// does (docs/security.md, "Tenancy"). It runs in CI, or with
// KRMFN_SLOW_TESTS=1.
func TestAmplificationMemory(t *testing.T) {
	if os.Getenv("CI") == "" && os.Getenv("KRMFN_SLOW_TESTS") == "" {
		t.Skip("slow: set KRMFN_SLOW_TESTS=1 to run it")
	}
	for name, a := range amplifiers() {
		t.Run(name, func(t *testing.T) {
			size := len(a.items) + len(a.platform)
			for _, path := range []struct {
				name, in string
				args     []string
			}{
				{"stdin", "rl.yaml", nil},
				{"files", "", []string{"platform.yaml", "items.yaml"}},
				{"render", "", []string{"render", "--root", ".", "."}},
				{"plugin", "", []string{"argocd", "generate"}},
			} {
				var rss [2]int64
				tameItems := a.tameItems
				if tameItems == "" {
					tameItems = a.items
				}
				for i, env := range []struct{ platform, items string }{{a.tame, tameItems}, {a.platform, a.items}} {
					dir := amplifierDir(t, env.platform, env.items)
					in := path.in
					if in != "" {
						in = filepath.Join(dir, in)
					}
					start := time.Now()
					var stderr string
					var failed bool
					rss[i], stderr, failed = peak(t, dir, in, path.args...)
					switch {
					case i == 0 && failed:
						t.Fatalf("%s: the tame environment does not render:\n%.2000s", path.name, stderr)
					case i == 1 && (!failed || !strings.Contains(stderr, "more than 100 times its input")):
						t.Errorf("%s: want it refused for what it would render, got (failed %v):\n%.2000s", path.name, failed, stderr)
					case i == 1:
						t.Logf("%-6s %5.1f MiB peak for %.2f MiB (%.0f×), refused in %v; rendered without the copies, %5.1f MiB",
							path.name, float64(rss[1])/(1<<20), float64(size)/(1<<20), float64(rss[1])/float64(max(size, 1<<20)), time.Since(start).Round(time.Millisecond), float64(rss[0])/(1<<20))
					}
				}
				if rss[1] > rss[0]+rss[0]/4+8<<20 {
					t.Errorf("%s: refusing takes %d MiB, more than rendering without the copies (%d MiB)", path.name, rss[1]>>20, rss[0]>>20)
				}
			}
		})
	}
}

// amplifierDir is a directory holding platform and items: as files, as
// a kustomization, and as a ResourceList (rl.yaml).
func amplifierDir(t *testing.T, platform, items string) string {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "items.yaml"), items)
	write(t, filepath.Join(dir, "platform.yaml"), platform)
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources: [items.yaml]\ntransformers: [platform.yaml]\n")
	var rl strings.Builder
	rl.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n")
	rl.WriteString(indent(platform, "  "))
	rl.WriteString("items:\n")
	for _, doc := range strings.Split(strings.TrimPrefix(items, "---\n"), "---\n") {
		rl.WriteString("- " + strings.TrimPrefix(indent(doc, "  "), "  "))
	}
	write(t, filepath.Join(dir, "rl.yaml"), rl.String())
	return dir
}
