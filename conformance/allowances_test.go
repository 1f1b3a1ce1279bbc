package conformance

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadAllowancesRejectsVagueEntries(t *testing.T) {
	cases := map[string]string{
		"no reason":         "- {component: istioctl validate, object: Deployment a/b, contains: x}\n",
		"unknown field":     "- {component: istioctl validate, object: Deployment a/b, contains: x, reason: y, why: z}\n",
		"errors-only check": "- {component: ALB annotation check, object: Ingress a/b, contains: x, reason: y}\n",
	}
	for name, y := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, AllowancesFile), []byte(y), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadAllowances(dir); err == nil {
				t.Error("accepted")
			}
		})
	}
	if as, err := LoadAllowances(t.TempDir()); err != nil || as != nil {
		t.Errorf("no file: got %v, %v; want no allowance", as, err)
	}
}

func TestAllowOnlyMatchingWarnings(t *testing.T) {
	warning := Finding{Object: "Deployment a/b", Component: IstioValidate, Severity: Warning, Words: "may not provide Istio metrics"}
	asError := warning
	asError.Severity = Error
	otherObject := warning
	otherObject.Object = "Deployment a/c"
	as := []AllowedWarning{{Component: IstioValidate, Object: "Deployment a/b", Contains: "Istio metrics", Reason: "r"}}

	got := allow("src", []Finding{warning, asError, otherObject}, as)
	if !slices.Equal(got, []Finding{asError, otherObject}) {
		t.Errorf("got %v; want the error and the other object's warning kept", got)
	}
	got = allow("src", nil, as)
	if len(got) != 1 || got[0].Component != Allowances || !strings.Contains(got[0].Words, "matches no warning") {
		t.Errorf("an unused allowance: got %v", got)
	}
}
