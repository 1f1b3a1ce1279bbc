package fn

import (
	"encoding/json"
	"testing"

	"github.com/krmfn/krm-fn/fn/model"
)

// TestEnvironmentIsNotChangedAfterItIsBuilt: once model.NewEnvironment
// returns, nothing changes the environment. The checks read it, the plan
// and its checks read it, and the output labels the input's items and
// builds every object from it: for every golden case, the environment is
// the same, field for field, before and after.
func TestEnvironmentIsNotChangedAfterItIsBuilt(t *testing.T) {
	for _, c := range goldenSeeds(t) {
		in, _ := read(c.config.Copy(), copyAll(c.items))
		if in == nil {
			continue
		}
		platform, ok, _ := decodePlatform(in.platform)
		specs, decoding := decodeExposures(in.exposures)
		xs, _ := resolve(in, specs, decoding, platform, ok)
		env := model.NewEnvironment(&platform.Spec, xs.models())
		before := snapshot(t, env)

		check(env, xs)
		p := newPlan(env, in)
		checkPlan(p, xs)
		r, err := p.output()
		if err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		if _, err := r.Objects(); err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		if after := snapshot(t, env); after != before {
			t.Errorf("%s: the environment changed after it was built:\n%s\n--- after:\n%s", c.dir, before, after)
		}
	}
}

// snapshot is env, every field of it, as JSON.
func snapshot(t *testing.T, env *model.Environment) string {
	t.Helper()
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
