package conformance

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"
)

// Source is one environment's objects: an overlay rendered through
// kustomize, or a golden case's expected.yaml.
type Source struct {
	// Name says where the objects come from, as a reader finds them:
	// "overlays/prd", "testdata/seed-prd/expected.yaml".
	Name string
	// File holds the objects (for an overlay, its rendering).
	File string
	// Dir may hold the source's allowed-warnings.yaml.
	Dir     string
	Objects []Object
}

// LoadSource reads a source's objects from file.
func LoadSource(name, file, dir string) (*Source, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	objs, err := ParseObjects(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("%s: no objects", name)
	}
	return &Source{Name: name, File: file, Dir: dir, Objects: objs}, nil
}

// Checker runs every check on a source against one cluster.
type Checker struct {
	Tools      Tools
	Kubeconfig string
	// Parallel is how many tool processes run at once (kubectl mostly
	// waits for the API server); 0 means 4.
	Parallel int
	// Timeout bounds each tool run; 0 means 2 minutes.
	Timeout time.Duration

	mu         sync.Mutex
	namespaces map[string]bool // created so far
}

// Check runs, for every object of src, the API server's dry run and
// istioctl validate; then istioctl analyze over the whole source and the
// ALB annotation check; then drops the warnings the source's
// allowed-warnings.yaml allows. It returns what remains, sorted. An error
// means the checks could not run at all.
func (c *Checker) Check(ctx context.Context, src *Source) ([]Finding, error) {
	allowances, err := LoadAllowances(src.Dir)
	if err != nil {
		return nil, err
	}
	if err := c.ensureNamespaces(ctx, namespacesOf(src.Objects)); err != nil {
		return nil, fmt.Errorf("%s: creating its namespaces: %w", src.Name, err)
	}

	var (
		mu       sync.Mutex
		findings []Finding
		wg       sync.WaitGroup
	)
	parallel := c.Parallel
	if parallel <= 0 {
		parallel = 4
	}
	slots := make(chan struct{}, parallel)
	collect := func(check func(context.Context) []Finding) {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			ctx, cancel := context.WithTimeout(ctx, c.timeout())
			defer cancel()
			fs := check(ctx)
			mu.Lock()
			findings = append(findings, fs...)
			mu.Unlock()
		})
	}
	for _, o := range src.Objects {
		collect(func(ctx context.Context) []Finding { return c.dryRun(ctx, o) })
		collect(func(ctx context.Context) []Finding { return c.validate(ctx, o) })
	}
	collect(func(ctx context.Context) []Finding { return c.analyze(ctx, src.File) })
	collect(func(context.Context) []Finding { return CheckALB(src.Objects) })
	wg.Wait()

	for i := range findings {
		findings[i].Source = src.Name
	}
	findings = allow(src.Name, findings, allowances)
	sortFindings(findings)
	return findings, nil
}

func (c *Checker) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 2 * time.Minute
}

// ensureNamespaces creates the namespaces not created yet.
func (c *Checker) ensureNamespaces(ctx context.Context, names []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	names = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return c.namespaces[n] })
	if len(names) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	if err := c.createNamespaces(ctx, names); err != nil {
		return err
	}
	if c.namespaces == nil {
		c.namespaces = map[string]bool{}
	}
	for _, n := range names {
		c.namespaces[n] = true
	}
	return nil
}
