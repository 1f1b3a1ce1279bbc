package krmio

import (
	"os"
	"path/filepath"
	"testing"
)

func TestIgnore(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, IgnoreFile), []byte(`# fixtures of our own
/overlays/old/
*.draft.yaml
vendor/
!fn/testdata/
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ig, err := LoadIgnore(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		dir  bool
		skip bool
	}{
		{"testdata", true, true},     // the Go convention, by rule
		{"e2e/testdata", true, true}, // at any depth
		{"testdata", false, false},   // a file of that name is no directory of fixtures
		{"fn/testdata", true, false}, // taken back by "!"
		{".git", true, true},         // hidden
		{".pre-commit-hooks.yaml", false, true},
		{"overlays/old", true, true},        // anchored
		{"bases/overlays/old", true, false}, // anchored: not deeper
		{"overlays/prd", true, false},
		{"bases/api/exposure.draft.yaml", false, true},
		{"bases/api/exposure.yaml", false, false},
		{"vendor", true, true},
		{"vendor", false, false}, // a directory pattern
	} {
		if got := ig.Skip(filepath.Join(root, tc.path), tc.dir); got != tc.skip {
			t.Errorf("Skip(%s, dir %v) = %v, want %v", tc.path, tc.dir, got, tc.skip)
		}
	}

	// Without an ignore file: hidden and testdata only.
	bare, err := LoadIgnore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !bare.Skip("x/testdata", true) || bare.Skip("x/overlays", true) {
		t.Error("without .krmfnignore, want testdata skipped and nothing else")
	}
}
