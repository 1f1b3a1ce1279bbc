// Package spelling finds the known name a misspelt one was meant to be.
package spelling

import "strings"

// Closest is the name of names closest to unknown by edit distance,
// ignoring case, if it is close enough to be a likely typo (at most about
// half of unknown differs); else "".
func Closest(unknown string, names []string) string {
	best, bestDist := "", len(unknown)/2+1
	for _, name := range names {
		if d := levenshtein(strings.ToLower(unknown), strings.ToLower(name)); d < bestDist {
			best, bestDist = name, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
