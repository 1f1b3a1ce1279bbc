package parallel

import (
	"strings"
	"testing"
)

// TestRunRecovers: a panic in one part is that part's error; the other
// parts run.
func TestRunRecovers(t *testing.T) {
	ran := make([]bool, 3*PartSize)
	err := Run(len(ran), func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			ran[i] = true
		}
		if lo == PartSize {
			panic("boom")
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), "items 64 to 127") {
		t.Errorf("want the panic as an error naming its items, got %v", err)
	}
	for i, ok := range ran {
		if !ok {
			t.Fatalf("item %d did not run", i)
		}
	}
}
