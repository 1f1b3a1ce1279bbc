package conformance

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// AllowancesFile, in a golden case's or an overlay's directory, lists the
// warnings that source is expected to draw, each with the reason. A
// warning not listed fails the run, and so does an entry that matches no
// warning (it would hide the next one). Errors cannot be allowed.
const AllowancesFile = "allowed-warnings.yaml"

// AllowedWarning is one entry of an allowed-warnings.yaml:
//
//   - component: istioctl validate
//     object: Deployment prd-api/legacy
//     contains: may not provide Istio metrics and telemetry labels
//     reason: the Deployment is the user's, passed through unchanged
type AllowedWarning struct {
	// Component that warns: kube-apiserver, istioctl validate or istioctl analyze.
	Component Component `json:"component"`
	// Object the warning is about, as "Kind namespace/name".
	Object string `json:"object"`
	// Contains is a part of the warning's words.
	Contains string `json:"contains"`
	// Reason says why the warning is expected and fine.
	Reason string `json:"reason"`
}

// LoadAllowances reads dir's allowed-warnings.yaml; none is no allowance.
func LoadAllowances(dir string) ([]AllowedWarning, error) {
	path := filepath.Join(dir, AllowancesFile)
	data, err := readOptional(path)
	if data == nil || err != nil {
		return nil, err
	}
	var as []AllowedWarning
	if err := yaml.UnmarshalStrict(data, &as); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var problems []string
	for i, a := range as {
		switch a.Component {
		case APIServer, IstioValidate, IstioAnalyze:
		default:
			problems = append(problems, fmt.Sprintf("[%d].component: %q is not one of %q, %q, %q", i, a.Component, APIServer, IstioValidate, IstioAnalyze))
		}
		for field, v := range map[string]string{"object": a.Object, "contains": a.Contains, "reason": a.Reason} {
			if strings.TrimSpace(v) == "" {
				problems = append(problems, fmt.Sprintf("[%d].%s: required", i, field))
			}
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, fmt.Errorf("%s: %s", path, strings.Join(problems, "; "))
	}
	return as, nil
}

// readOptional reads a file a source may have; none is nil, no error.
func readOptional(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// allow drops the warnings an allowance matches and reports the
// allowances that matched none.
func allow(source string, findings []Finding, as []AllowedWarning) []Finding {
	used := make([]bool, len(as))
	var out []Finding
	for _, f := range findings {
		allowed := false
		for i, a := range as {
			if f.Severity == Warning && f.Component == a.Component && f.Object == a.Object && strings.Contains(f.Words, a.Contains) {
				used[i], allowed = true, true
			}
		}
		if !allowed {
			out = append(out, f)
		}
	}
	for i, a := range as {
		if !used[i] {
			out = append(out, Finding{Source: source, Object: a.Object, Component: Allowances, Severity: Error,
				Words: fmt.Sprintf("entry %d (%s warning containing %q) matches no warning: remove it", i, a.Component, a.Contains)})
		}
	}
	return out
}
