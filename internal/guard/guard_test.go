package guard

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// tripped starts a guard whose exit is recorded instead of taken.
func tripped(t *testing.T, base int64) (*Guard, func() (int, string)) {
	t.Helper()
	var (
		mu   sync.Mutex
		out  bytes.Buffer
		code = -1
	)
	g := start(&syncWriter{w: &out, mu: &mu}, func(c int) { mu.Lock(); code = c; mu.Unlock() })
	g.base = base
	t.Cleanup(g.Stop)
	return g, func() (int, string) {
		mu.Lock()
		defer mu.Unlock()
		return code, out.String()
	}
}

type syncWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func waitFor(t *testing.T, state func() (int, string)) (int, string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if code, msg := state(); code >= 0 {
			return code, msg
		}
	}
	t.Fatal("the guard did not stop the build")
	return 0, ""
}

// TestGuardStopsABuildPastItsTime names the build and the limit.
func TestGuardStopsABuildPastItsTime(t *testing.T) {
	g, state := tripped(t, Base)
	g.Building("overlays/prd", 50*time.Millisecond)
	code, msg := waitFor(t, state)
	if code != 1 || !strings.Contains(msg, "building overlays/prd took longer than 50ms") || !strings.Contains(msg, "nothing was rendered") {
		t.Errorf("exit %d, %q", code, msg)
	}
}

// TestGuardStopsABuildPastItsMemory: memory held past the bound (its base,
// a hundred times the input and a share per exposure) stops the build,
// naming it and the bound; the same memory within a bound raised by the
// input does not.
func TestGuardStopsABuildPastItsMemory(t *testing.T) {
	g, state := tripped(t, 4<<20)
	g.Building("overlays/prd", 0)
	g.Input(1 << 20) // a bound of 4 + 100 MiB
	held := make([][]byte, 0, 64)
	for range 48 {
		held = append(held, make([]byte, 1<<20))
	}
	time.Sleep(100 * time.Millisecond)
	if code, msg := state(); code >= 0 {
		t.Fatalf("stopped within its bound: %s", msg)
	}
	g.Building("overlays/stg", 0) // 4 MiB, no input read yet
	code, msg := waitFor(t, state)
	if code != 1 || !strings.Contains(msg, "building overlays/stg took") || !strings.Contains(msg, "more than the 4 MiB it may take") {
		t.Errorf("exit %d, %q", code, msg)
	}
	runtime.KeepAlive(held)
}

// TestGuardIsQuietBetweenBuilds: nothing is checked when no build runs.
func TestGuardIsQuietBetweenBuilds(t *testing.T) {
	g, state := tripped(t, 1)
	g.Building("a", time.Nanosecond)
	g.Done()
	time.Sleep(50 * time.Millisecond)
	if code, msg := state(); code >= 0 {
		t.Errorf("stopped with no build running: %s", msg)
	}
}
