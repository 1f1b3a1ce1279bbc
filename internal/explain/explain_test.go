package explain_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/krmfn/krm-fn/internal/explain"
	"github.com/krmfn/krm-fn/schema"
)

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		path string
		want []string // in this order
	}{{
		path: "serviceexposure",
		want: []string{"KIND:     ServiceExposure\nVERSION:  exposure.krmfn.io/v1alpha1\n", "DESCRIPTION:\n    ServiceExposure exposes one service", "FIELDS:\n", "  spec\t<ServiceExposureSpec> -required-\n"},
	}, {
		// Through a list, to a type of its own: the field's doc, the
		// type's, its fields with theirs.
		path: "ServiceExposure.spec.routes.retries",
		want: []string{"FIELD:    retries <Retries>\nPATH:     ServiceExposure.spec.routes.retries\n", "Retries of a failed request. Default: none", "Retries is the retry policy of a route.", "  attempts\t<integer> -required-\n    Attempts is the number of retries, 0-100."},
	}, {
		path: "serviceexposure.spec.routes.match.headers",
		want: []string{"FIELD:    headers <map[string](string or object)>", "  prefix\t<string>"},
	}, {
		path: "exposureplatform.spec.alb.scheme",
		want: []string{"FIELD:    scheme <string>", "Default: internet-facing.", "One of: internet-facing, internal."},
	}} {
		var out bytes.Buffer
		if err := explain.Explain(&out, schema.JSON, tc.path); err != nil {
			t.Fatalf("explain %s: %v", tc.path, err)
		}
		rest := out.String()
		for _, w := range tc.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("explain %s lacks %q (or not in order):\n%s", tc.path, w, out.String())
				break
			}
			rest = rest[i+len(w):]
		}
	}
	for path, want := range map[string]string{
		"serviceexposure.spec.routs":        `ServiceExposure.spec has no field "routs" (did you mean "routes"?); its fields: hosts, mesh,`,
		"serviceexposure.spec.hosts.x":      `ServiceExposure.spec.hosts has no field "x": it is []string`,
		"service":                           `"service" is no kind of exposure.krmfn.io: want one of ServiceExposure, ExposurePlatform`,
		"exposureplatform.spec.domain.name": `has no field "name": it is string`,
	} {
		err := explain.Explain(&bytes.Buffer{}, schema.JSON, path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("explain %s: %v, want an error with %q", path, err, want)
		}
	}
}
