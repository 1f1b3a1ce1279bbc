package emit

import (
	"testing"
	"time"

	"github.com/krmfn/krm-fn/fn/model"
)

func TestGatewayAPIDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0s",
		500 * time.Millisecond:  "500ms",
		1500 * time.Millisecond: "1s500ms",
		90 * time.Second:        "1m30s",
		time.Hour + 2*time.Minute + 3*time.Second + 4*time.Millisecond: "1h2m3s4ms",
		30 * time.Hour: "30h",
	} {
		if got := GatewayAPIDuration(d); string(got) != want {
			t.Errorf("GatewayAPIDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// A mirror's share: whole percents as percent, others as the fraction of
// the fewest decimals.
func TestMirrorShare(t *testing.T) {
	for _, c := range []struct {
		percent  float64
		percentW int32
		num, den int32
	}{{100, 0, 0, 0}, {5, 5, 0, 0}, {12.5, 0, 125, 1000}, {0.0001, 0, 1, 1000000}, {33.3333, 0, 333333, 1000000}} {
		d := model.Destination{Name: "web", Namespace: "shop", Port: 80}
		rule := httpRouteRule(model.Route{Mirror: &d, MirrorPercent: c.percent}, "shop")
		f := rule.Filters[0].RequestMirror
		switch {
		case c.percentW != 0:
			if f.Percent == nil || *f.Percent != c.percentW || f.Fraction != nil {
				t.Errorf("%v%%: percent %v fraction %v, want percent %d", c.percent, f.Percent, f.Fraction, c.percentW)
			}
		case c.num != 0:
			if f.Fraction == nil || f.Fraction.Numerator != c.num || *f.Fraction.Denominator != c.den || f.Percent != nil {
				t.Errorf("%v%%: percent %v fraction %v, want %d/%d", c.percent, f.Percent, f.Fraction, c.num, c.den)
			}
		default:
			if f.Percent != nil || f.Fraction != nil {
				t.Errorf("%v%%: percent %v fraction %v, want neither (all)", c.percent, f.Percent, f.Fraction)
			}
		}
	}
}
