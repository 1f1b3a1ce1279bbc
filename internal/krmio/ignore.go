package krmio

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/krmfn/krm-fn/internal/repofile"
)

// IgnoreFile is the file at a repository's root listing what krm-fn
// validate and the pre-commit hooks do not look into when they walk it.
const IgnoreFile = ".krmfnignore"

// maxIgnoreFile bounds the size of an IgnoreFile.
const maxIgnoreFile = 1 << 20

// Ignore says what the walks of a repository skip: hidden files and
// directories, every directory named testdata (the Go convention for
// test fixtures, which holds broken specs on purpose), and what the
// patterns of the repository's IgnoreFile match. A pattern is one line,
// as in .gitignore: "#" starts a comment; a pattern with a "/" but at
// its end is matched (path.Match) against the path from the repository's
// root, one without against each file or directory name; a trailing "/"
// matches directories only; a leading "!" takes a match back (the last
// pattern that matches decides, the testdata rule being the first:
// "!testdata/" looks into them again). A path named on the command line
// is looked into whatever the patterns say.
type Ignore struct {
	root     string
	patterns []pattern
}

type pattern struct {
	glob           string
	anchored, dirs bool
	negated        bool
}

// LoadIgnore reads the IgnoreFile of the repository root, if it has one.
func LoadIgnore(root string) (*Ignore, error) {
	ig := &Ignore{root: root, patterns: []pattern{{glob: "testdata", dirs: true}}}
	b, err := repofile.Read(filepath.Join(root, IgnoreFile), maxIgnoreFile)
	if errors.Is(err, fs.ErrNotExist) {
		return ig, nil
	}
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var p pattern
		if p.negated = strings.HasPrefix(line, "!"); p.negated {
			line = line[1:]
		}
		if p.dirs = strings.HasSuffix(line, "/"); p.dirs {
			line = strings.TrimRight(line, "/")
		}
		p.anchored = strings.Contains(line, "/")
		p.glob = strings.TrimPrefix(line, "/")
		if p.glob != "" {
			ig.patterns = append(ig.patterns, p)
		}
	}
	return ig, nil
}

// Skip says whether the walk skips the file or directory at p (a path
// under the repository's root, as the walk names it).
func (ig *Ignore) Skip(p string, dir bool) bool {
	name := filepath.Base(p)
	if strings.HasPrefix(name, ".") && name != "." && name != ".." {
		return true
	}
	if ig == nil {
		return false
	}
	rel := filepath.ToSlash(p)
	if abs, err := filepath.Abs(p); err == nil {
		if root, err := filepath.Abs(ig.root); err == nil {
			if r, err := filepath.Rel(root, abs); err == nil && filepath.IsLocal(r) {
				rel = filepath.ToSlash(r)
			}
		}
	}
	skip := false
	for _, pt := range ig.patterns {
		if pt.dirs && !dir {
			continue
		}
		subject := name
		if pt.anchored {
			subject = rel
		}
		if ok, _ := path.Match(pt.glob, subject); ok {
			skip = !pt.negated
		}
	}
	return skip
}
