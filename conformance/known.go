package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"
)

// KnownFailuresFile lists the failures the proof layer finds that are
// known: each waits for its fix (an issue), or is what krm-fn warns about
// when it renders that golden case (its warnings.txt says so). A listed
// failure is reported but does not fail the run; an entry that matches no
// finding of a source that ran fails it, so a fix must remove its entry
// (and the entry shows, until then, that the layer fails on the bug).
const KnownFailuresFile = "proof-known-failures.yaml"

// KnownFailure is one entry of proof-known-failures.yaml.
type KnownFailure struct {
	// Source is the finding's source ("overlays/prd",
	// "testdata/<case>/expected.yaml", "overlays/prd ~ overlays/prd-gateway-api").
	Source    string    `json:"source"`
	Component Component `json:"component"`
	Object    string    `json:"object"`
	// Contains is a part of the finding's words.
	Contains string `json:"contains"`
	// Issue is the issue that fixes it; or Warns is a part of the golden
	// case's warnings.txt, the warning krm-fn gives when it renders it.
	Issue int    `json:"issue,omitempty"`
	Warns string `json:"warns,omitempty"`
	// Reason says what is wrong.
	Reason string `json:"reason"`
}

func (e KnownFailure) why() string {
	if e.Issue != 0 {
		return fmt.Sprintf("issue %d", e.Issue)
	}
	return "krm-fn warns: " + e.Warns
}

// KnownFailures matches findings against the entries of
// proof-known-failures.yaml and remembers which matched and which
// sources ran.
type KnownFailures struct {
	entries []KnownFailure
	mu      sync.Mutex
	used    []bool
	ran     map[string]bool
}

// LoadKnownFailures reads the file (required: an empty list is "[]");
// root is the repository, where a Warns entry's warnings.txt is.
func LoadKnownFailures(file, root string) (*KnownFailures, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var es []KnownFailure
	if err := yaml.UnmarshalStrict(data, &es); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i, e := range es {
		if e.Source == "" || e.Component == "" || e.Object == "" || e.Contains == "" || strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("%s: entry %d: source, component, object, contains and reason are all required", file, i+1)
		}
		switch {
		case (e.Issue == 0) == (e.Warns == ""):
			return nil, fmt.Errorf("%s: entry %d: say either the issue that fixes it or what krm-fn warns (warns)", file, i+1)
		case e.Warns != "":
			warnings := filepath.Join(root, filepath.Dir(e.Source), "warnings.txt")
			b, err := os.ReadFile(warnings)
			if err != nil || !strings.Contains(string(b), e.Warns) {
				return nil, fmt.Errorf("%s: entry %d: %s does not say %q: only what krm-fn warns about can be a known failure without an issue", file, i+1, warnings, e.Warns)
			}
		}
	}
	return &KnownFailures{entries: es, used: make([]bool, len(es)), ran: map[string]bool{}}, nil
}

// Split separates the known failures among a source's findings from the
// others, and records that the source ran.
func (k *KnownFailures) Split(source string, fs []Finding) (known []string, others []Finding) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ran[source] = true
	for _, f := range fs {
		matched := false
		for i, e := range k.entries {
			if e.Source == f.Source && e.Component == f.Component && e.Object == f.Object && strings.Contains(f.Words, e.Contains) {
				k.used[i], matched = true, true
				known = append(known, fmt.Sprintf("known failure (%s: %s): %s", e.why(), e.Reason, f))
				break
			}
		}
		if !matched {
			others = append(others, f)
		}
	}
	return known, others
}

// Stale lists the entries of sources that ran which matched no finding.
func (k *KnownFailures) Stale() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for i, e := range k.entries {
		if k.ran[e.Source] && !k.used[i] {
			out = append(out, fmt.Sprintf("%s: the known failure %q of %s (%s, %s) did not occur: remove it",
				KnownFailuresFile, e.Contains, e.Source, e.Object, e.why()))
		}
	}
	return out
}
