package render

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	"github.com/krmfn/krm-fn/internal/krmio"
	"sigs.k8s.io/kustomize/api/konfig"
)

// What a build may read again: kustomize builds a kustomization, and reads
// its files, once for each path through which the kustomizations include
// it, and a tree where each kustomization includes the next twice (under
// two name prefixes) doubles the work at every level while each file stays
// small (kustomize's work then grows with the square of the objects). So
// what a build reads, counted every time, is bounded by what it reads,
// counted once: its kustomizations, and its bytes.
const (
	// rereads is how many times over a build may read its files and
	// build its kustomizations (krm-fn's own walk, kustomize's build, and
	// a Component every service of an environment includes stay well
	// below it).
	rereads = 8
	// rereadAllowance and rebuildAllowance are what any build may read
	// and build again on top.
	rereadAllowance  = 1 << 20
	rebuildAllowance = 64
	// buildBytesPerNode bounds the YAML nodes of everything a build reads
	// (every read counted) to one per that many bytes (and the allowance
	// of one input): kustomize copies every node of a resource about
	// three times, so twice the bytes a node of the limit of one input,
	// for memory within a hundred times the input.
	buildBytesPerNode = 8
)

// meter counts what one build reads: every read of every file, whatever
// its name. Each file is held to the limits of one input (krmio.CheckNodes);
// the files read, counted once, to max bytes; the reads, counted every
// time, to rereads times that (and an allowance), and to one YAML node per
// buildBytesPerNode bytes.
type meter struct {
	mu              sync.Mutex
	max             int64
	sizes           map[string]int64 // the files read, by resolved path: their size when first read
	distinct, total int64
	// kustomizations, builds: the kustomization files read, counted once
	// and every time.
	kustomizations, builds int
	nodes                  krmio.NodeBudget
	// grew, if set, is told of the bytes of the files read, counted once,
	// whenever a new file is read (Options.Input).
	grew func(int64)
	// first is the first limit reached, the build's error (kustomize
	// takes a kustomization file it cannot read for one that is not
	// there, and would say so); stopped is the first limit of the whole
	// build reached, after which every read fails. One file over the
	// limits of one input fails its own reads only: a walk for discovery
	// goes on past it.
	first, stopped error
}

func newMeter(max int64) *meter {
	return &meter{max: max, sizes: map[string]int64{}, nodes: krmio.NodeBudget{BytesPerNode: buildBytesPerNode}}
}

// read counts b, just read from the file real (path as kustomize named it).
func (m *meter) read(real string, b []byte, path string) error {
	n, err := krmio.CheckNodes(b, path)
	if err != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.first == nil {
			m.first = err
		}
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped == nil {
		m.stopped = m.count(real, len(b), n, path)
		if m.first == nil {
			m.first = m.stopped
		}
	}
	return m.stopped
}

// err is the first limit the build reached, if any.
func (m *meter) err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.first
}

// count counts a read of size bytes and n YAML nodes (the file real, as
// path) against the limits of the whole build.
func (m *meter) count(real string, bytes, n int, path string) error {
	size := int64(bytes)
	kustomization := slices.Contains(konfig.RecognizedKustomizationFileNames(), filepath.Base(real))
	if kustomization {
		m.builds++
	}
	if _, ok := m.sizes[real]; !ok {
		if kustomization {
			m.kustomizations++
		}
		m.sizes[real] = size
		m.distinct += size
		if m.grew != nil {
			m.grew(m.distinct)
		}
	}
	m.total += size
	switch {
	case m.distinct > m.max:
		return fmt.Errorf("%s: the build reads more than %d MiB of files in all, the most krm-fn reads (docs/security.md)", path, m.max>>20)
	case m.builds > rereads*m.kustomizations+rebuildAllowance:
		return fmt.Errorf("%s: the build has built %d kustomizations %d times, more than %d times over: kustomizations that include the same ones through several paths multiply its work, and krm-fn stops there (docs/security.md)",
			path, m.kustomizations, m.builds, rereads)
	case m.total > rereads*m.distinct+rereadAllowance:
		return fmt.Errorf("%s: the build has read %d bytes from %d files of %d bytes, more than %d times over: kustomizations that include the same ones through several paths multiply its work, and krm-fn stops there (docs/security.md)",
			path, m.total, len(m.sizes), m.distinct, rereads)
	}
	return m.nodes.Add(n, bytes, path)
}

// input is the bytes of the files read so far, each counted once.
func (m *meter) input() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.distinct
}
