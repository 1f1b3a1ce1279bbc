// Package krmio is how krm-fn reads and answers what it is given, whatever
// the path (a ResourceList on stdin, files on the command line, the files
// of a build): the input limits (bytes, YAML nodes and depth, counted
// before the parser builds anything), what is no Kubernetes object, the
// ResourceList's wire format read and answered as kyaml's framework does,
// and the one-line form of a result. It knows nothing of exposures.
package krmio

import (
	"fmt"
	"io"
)

// Input limits: what krm-fn reads at most, whatever the input. They keep
// its memory within about a hundred times the size of its input (most of
// it the parser's nodes), documented in docs/security.md.
const (
	// MaxInputBytes bounds what one run reads: stdin, the files of the
	// command line, or the files of a build, in all.
	MaxInputBytes = 64 << 20
	// NodeAllowance and bytesPerNode bound the YAML nodes of an input of n
	// bytes to NodeAllowance + n/bytesPerNode, counted before the parser
	// builds any (real manifests have one every 9 to 30 bytes).
	NodeAllowance = 1 << 16
	bytesPerNode  = 4
	// MaxDepth bounds how deep YAML documents nest (Kubernetes objects,
	// CRDs included, nest fewer than 30 levels; kustomize copies a
	// mapping's subtree at every level, so its work grows with the square
	// of the depth).
	MaxDepth = 100
)

// ReadInput reads all of r, what, up to MaxInputBytes, and checks it
// against the node limit.
func ReadInput(r io.Reader, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxInputBytes {
		return nil, fmt.Errorf("%s: more than %d MiB, the most krm-fn reads (docs/security.md)", what, MaxInputBytes>>20)
	}
	_, err = CheckNodes(b, what)
	return b, err
}

// CheckNodes checks the YAML b (of what) against the node and depth
// limits, and returns its nodes (as Scan estimates them).
func CheckNodes(b []byte, what string) (int, error) {
	n, depth := Scan(b)
	if max := NodeAllowance + len(b)/bytesPerNode; n > max {
		return n, fmt.Errorf("%s: about %d YAML nodes in %d bytes, more than krm-fn parses for that size (%d and one per %d bytes; docs/security.md)",
			what, n, len(b), NodeAllowance, bytesPerNode)
	}
	if depth > MaxDepth {
		return n, fmt.Errorf("%s: YAML nested about %d levels deep, more than krm-fn parses (%d; docs/security.md)", what, depth, MaxDepth)
	}
	return n, checkAliases(b, what, NodeAllowance+len(b)/bytesPerNode)
}

// NodeBudget bounds the YAML nodes of many inputs together, to one per
// bytesPerNode bytes of them all (and an allowance), for a build of many
// small files, each within the limits of one.
type NodeBudget struct {
	BytesPerNode int // default: the limit of one input
	nodes, bytes int
}

// Add counts an input of n nodes in size bytes (of what) and says whether
// the inputs so far are over the budget.
func (b *NodeBudget) Add(n, size int, what string) error {
	per := b.BytesPerNode
	if per == 0 {
		per = bytesPerNode
	}
	b.nodes, b.bytes = b.nodes+n, b.bytes+size
	if b.nodes > NodeAllowance+b.bytes/per {
		return fmt.Errorf("%s: the files read so far hold about %d YAML nodes in %d bytes, more than krm-fn parses for that size (%d and one per %d bytes; docs/security.md)",
			what, b.nodes, b.bytes, NodeAllowance, per)
	}
	return nil
}
