// Package snapshot reads the files of a git revision of a repository
// nobody reviewed, without writing anything or running anything but git:
// the revision's tree (git ls-tree) becomes a read-only file system in
// memory whose files' contents git cat-file reads on demand, and whose
// symbolic links are resolved within it, never on the disk. It stands for
// the disk below the repository's root in a build of that revision
// (internal/render), for krm-fn routes --diff REV.
//
// git runs with fixed arguments (a revision only after --end-of-options),
// fetches nothing (protocol.allow=never, no lazy fetch of a partial
// clone's objects), takes no lock, and applies no filter or attribute of
// the repository's (cat-file --batch reads objects as stored).
package snapshot

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Limits of what a revision may hold: paths (as a build's discovery) and
// the bytes of one file (as a run's input) and of a symbolic link's
// target.
const (
	MaxPaths    = 100_000
	maxFileSize = 64 << 20
	maxLinkSize = 4096
	maxLinkHops = 255
)

// Tree is the files of one revision, rooted where the repository's work
// tree is on disk, so that paths (and what krm-fn's messages name) are
// the same as on disk.
type Tree struct {
	root    string // the work tree's top, absolute, symbolic links resolved
	rev     string // as named
	commit  string
	entries map[string]*entry // by absolute path, below root
	blobs   *catFile
}

type entry struct {
	dir, link, exec bool
	oid             string
	size            int64
	children        []string // a directory's entries, by name, sorted
	target          *string  // a link's target, once read
}

// Resolve is the commit revision rev names in the repository whose work
// tree holds root.
func Resolve(git, root, rev string) (string, error) {
	if rev == "" || strings.HasPrefix(rev, "-") || strings.ContainsAny(rev, "\x00\n") {
		return "", fmt.Errorf("%q is no git revision", rev)
	}
	out, err := run(git, root, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("no commit of that name in the repository of %s", root)
	}
	return strings.TrimSpace(string(out)), nil
}

// Git reads revision rev of the repository whose work tree holds root.
// Close it when done (it keeps git cat-file running, to read files).
func Git(git, root, rev string) (*Tree, error) {
	commit, err := Resolve(git, root, rev)
	if err != nil {
		return nil, err
	}
	top, err := run(git, root, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is in no git work tree", root)
	}
	topDir, err := filepath.EvalSymlinks(strings.TrimSpace(string(top)))
	if err != nil {
		return nil, err
	}
	t := &Tree{root: topDir, rev: rev, commit: commit, entries: map[string]*entry{topDir: {dir: true}}}
	if err := t.list(git, root); err != nil {
		return nil, err
	}
	if t.blobs, err = startCatFile(git, root); err != nil {
		return nil, err
	}
	return t, nil
}

// Root is the top of the work tree the revision's files stand for.
func (t *Tree) Root() string { return t.root }

// Commit is the commit the revision names.
func (t *Tree) Commit() string { return t.commit }

// Close ends the tree's git process.
func (t *Tree) Close() error {
	if t == nil || t.blobs == nil {
		return nil
	}
	return t.blobs.close()
}

// list reads the revision's tree: every path, its mode and size.
func (t *Tree) list(git, root string) error {
	cmd := command(git, root, "ls-tree", "-r", "-t", "-z", "-l", "--full-tree", t.commit)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &limited{w: &stderr, n: 4096}
	if err := cmd.Start(); err != nil {
		return err
	}
	s := bufio.NewScanner(out)
	s.Buffer(make([]byte, 64<<10), 64<<10)
	s.Split(splitNUL)
	n := 0
	var perr error
	for s.Scan() {
		if n++; n > MaxPaths {
			perr = fmt.Errorf("revision %s holds more than %d paths, the most krm-fn reads", t.rev, MaxPaths)
			break
		}
		if err := t.add(s.Text()); err != nil {
			perr = err
			break
		}
	}
	if perr == nil {
		perr = s.Err()
	}
	if perr != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return perr
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git ls-tree %s: %v: %s", t.commit, err, strings.TrimSpace(stderr.String()))
	}
	for _, e := range t.entries {
		slices.Sort(e.children)
	}
	return nil
}

// add adds one line of git ls-tree -l -z: "<mode> <type> <object> <size>\t<path>".
func (t *Tree) add(line string) error {
	meta, path, ok := strings.Cut(line, "\t")
	f := strings.Fields(meta)
	if !ok || len(f) != 4 || path == "" || strings.Contains(path, "\x00") {
		return fmt.Errorf("git ls-tree: unexpected line %q", line)
	}
	for _, part := range strings.Split(path, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("revision %s: the path %q is not one a checkout would make", t.rev, path)
		}
	}
	e := &entry{oid: f[2]}
	switch f[0] {
	case "040000", "160000": // a tree; a submodule's commit, whose files are not the revision's
		e.dir = true
	case "100644", "100755", "120000":
		e.exec, e.link = f[0] == "100755", f[0] == "120000"
		size, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			return fmt.Errorf("git ls-tree: unexpected size in %q", line)
		}
		e.size = size
	default:
		return fmt.Errorf("git ls-tree: unexpected mode in %q", line)
	}
	abs := filepath.Join(t.root, filepath.FromSlash(path))
	parent := t.entries[filepath.Dir(abs)]
	if parent == nil || !parent.dir {
		return fmt.Errorf("git ls-tree: %s is listed before its directory", path)
	}
	parent.children = append(parent.children, filepath.Base(abs))
	t.entries[abs] = e
	return nil
}

func splitNUL(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// where says where path is: in the tree (its entry), above the root (a
// directory on the way to it), or outside.
func (t *Tree) where(path string) (e *entry, above bool) {
	if e := t.entries[path]; e != nil {
		return e, false
	}
	if path == string(filepath.Separator) || strings.HasPrefix(t.root, path+string(filepath.Separator)) {
		return nil, true
	}
	return nil, false
}

// inside says whether path is the root or below it.
func (t *Tree) inside(path string) bool {
	return path == t.root || strings.HasPrefix(path, t.root+string(filepath.Separator))
}

// EvalSymlinks is filepath.EvalSymlinks in the tree: path with every
// symbolic link resolved, each relative to its directory. A path that
// leaves the tree (a link to /etc, or to ../..) resolves to where it
// leads, not read further: the caller finds it outside the repository.
func (t *Tree) EvalSymlinks(path string) (string, error) {
	abs, err := absolute(path)
	if err != nil {
		return "", err
	}
	resolved := string(filepath.Separator)
	rest := components(abs)
	hops := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		if c == ".." {
			resolved = filepath.Dir(resolved)
			continue
		}
		next := filepath.Join(resolved, c)
		e, above := t.where(next)
		switch {
		case above:
			resolved = next
			continue
		case e == nil && !t.inside(next):
			return filepath.Join(append([]string{next}, rest...)...), nil
		case e == nil:
			return "", &fs.PathError{Op: "lstat", Path: path, Err: fs.ErrNotExist}
		case e.link:
			if hops++; hops > maxLinkHops {
				return "", &fs.PathError{Op: "lstat", Path: path, Err: errors.New("too many links")}
			}
			target, err := t.linkTarget(e)
			if err != nil {
				return "", err
			}
			if filepath.IsAbs(target) {
				resolved = string(filepath.Separator)
			}
			rest = append(components(target), rest...)
			continue
		case !e.dir && len(rest) > 0:
			return "", &fs.PathError{Op: "lstat", Path: path, Err: errors.New("not a directory")}
		}
		resolved = next
	}
	return resolved, nil
}

// absolute is path from the root directory, not cleaned: a link's target
// resolves before a ".." after it.
func absolute(path string) (string, error) {
	if filepath.IsAbs(path) {
		return path, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return wd + string(filepath.Separator) + path, nil
}

func components(p string) []string {
	var out []string
	for _, c := range strings.Split(filepath.ToSlash(p), "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

func (t *Tree) linkTarget(e *entry) (string, error) {
	if e.target == nil {
		if e.size > maxLinkSize {
			return "", fmt.Errorf("a symbolic link of %d bytes in revision %s", e.size, t.rev)
		}
		b, err := t.blobs.read(e.oid, maxLinkSize)
		if err != nil {
			return "", err
		}
		s := string(b)
		e.target = &s
	}
	return *e.target, nil
}

// stat is the entry path leads to, its links resolved.
func (t *Tree) stat(path string) (string, *entry, error) {
	real, err := t.EvalSymlinks(path)
	if err != nil {
		return "", nil, err
	}
	e, above := t.where(real)
	switch {
	case above:
		return real, &entry{dir: true}, nil
	case e == nil:
		return "", nil, &fs.PathError{Op: "stat", Path: path, Err: fs.ErrNotExist}
	}
	return real, e, nil
}

// IsDir says whether path is a directory of the revision.
func (t *Tree) IsDir(path string) bool {
	_, e, err := t.stat(path)
	return err == nil && e.dir
}

// Exists says whether there is a file or directory at path.
func (t *Tree) Exists(path string) bool {
	_, _, err := t.stat(path)
	return err == nil
}

// ReadDir lists the names in directory path.
func (t *Tree) ReadDir(path string) ([]string, error) {
	real, e, err := t.stat(path)
	if err != nil {
		return nil, err
	}
	if !e.dir {
		return nil, &fs.PathError{Op: "readdir", Path: path, Err: errors.New("not a directory")}
	}
	if _, above := t.where(real); above {
		rest, _ := filepath.Rel(real, t.root)
		return []string{components(rest)[0]}, nil
	}
	return slices.Clone(e.children), nil
}

// ErrNotRegular says that a path names no regular file.
var ErrNotRegular = errors.New("not a regular file of the revision")

// Read reads the regular file at path (its links resolved), of at most
// max bytes.
func (t *Tree) Read(path string, max int64) ([]byte, error) {
	_, e, err := t.stat(path)
	if err != nil {
		return nil, err
	}
	if e.dir || e.oid == "" {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	if e.size > max {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%d bytes, more than the %d krm-fn reads of a file", e.size, max)}
	}
	b, err := t.blobs.read(e.oid, max)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return b, nil
}

// Open opens the regular file at path for reading.
func (t *Tree) Open(path string) (filesys.File, error) {
	b, err := t.Read(path, maxFileSize)
	if err != nil {
		return nil, err
	}
	info, err := t.Stat(path)
	if err != nil {
		return nil, err
	}
	return &file{Reader: bytes.NewReader(b), info: info}, nil
}

// Stat describes what path leads to; Lstat what it is (a link is not
// followed).
func (t *Tree) Stat(path string) (fs.FileInfo, error) {
	real, e, err := t.stat(path)
	if err != nil {
		return nil, err
	}
	return info{name: filepath.Base(real), e: e}, nil
}

// Lstat describes path itself: a link is not followed.
func (t *Tree) Lstat(path string) (fs.FileInfo, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	dir, err := t.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	p := filepath.Join(dir, filepath.Base(abs))
	e, above := t.where(p)
	switch {
	case above:
		e = &entry{dir: true}
	case e == nil:
		return nil, &fs.PathError{Op: "lstat", Path: path, Err: fs.ErrNotExist}
	}
	return info{name: filepath.Base(p), e: e}, nil
}

// Walk is filepath.Walk in the tree: links are not followed.
func (t *Tree) Walk(root string, fn filepath.WalkFunc) error {
	i, err := t.Lstat(root)
	if err != nil {
		err = fn(root, nil, err)
	} else {
		err = t.walk(root, i, fn)
	}
	if err == filepath.SkipDir || err == filepath.SkipAll {
		return nil
	}
	return err
}

func (t *Tree) walk(path string, i fs.FileInfo, fn filepath.WalkFunc) error {
	if !i.IsDir() {
		return fn(path, i, nil)
	}
	names, err := t.ReadDir(path)
	if err1 := fn(path, i, err); err != nil || err1 != nil {
		return err1
	}
	for _, name := range names {
		p := filepath.Join(path, name)
		ci, err := t.Lstat(p)
		if err != nil {
			if err := fn(p, ci, err); err != nil && err != filepath.SkipDir {
				return err
			}
			continue
		}
		if err := t.walk(p, ci, fn); err != nil {
			if !ci.IsDir() || err != filepath.SkipDir {
				return err
			}
		}
	}
	return nil
}

// Glob is filepath.Glob in the tree, without hidden files unless the
// pattern names them (as kustomize's file system on disk).
func (t *Tree) Glob(pattern string) ([]string, error) {
	m, err := t.glob(pattern)
	if err != nil || filesys.IsHiddenFilePath(pattern) {
		return m, err
	}
	return filesys.RemoveHiddenFiles(m), nil
}

func (t *Tree) glob(pattern string) ([]string, error) {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, err
	}
	if !hasMeta(pattern) {
		if _, err := t.Lstat(pattern); err != nil {
			return nil, nil
		}
		return []string{pattern}, nil
	}
	dir, file := filepath.Split(pattern)
	dir = filepath.Clean(dir)
	if !hasMeta(dir) {
		return t.globDir(dir, file, nil), nil
	}
	if dir == pattern {
		return nil, filepath.ErrBadPattern
	}
	dirs, err := t.glob(dir)
	if err != nil {
		return nil, err
	}
	var matches []string
	for _, d := range dirs {
		matches = t.globDir(d, file, matches)
	}
	return matches, nil
}

func (t *Tree) globDir(dir, pattern string, matches []string) []string {
	names, err := t.ReadDir(dir)
	if err != nil {
		return matches
	}
	for _, n := range names {
		if ok, _ := filepath.Match(pattern, n); ok {
			matches = append(matches, filepath.Join(dir, n))
		}
	}
	return matches
}

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// CleanedAbs is kustomize's CleanedAbs in the tree: the directory path
// is (its links resolved), or the directory and name of the file.
func (t *Tree) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	real, err := t.EvalSymlinks(path)
	if err != nil {
		return "", "", fmt.Errorf("evalsymlink failure on '%s' : %w", path, err)
	}
	if t.IsDir(real) {
		return filesys.ConfirmedDir(real), "", nil
	}
	d := filepath.Dir(real)
	if !t.IsDir(d) || d == real {
		return "", "", fmt.Errorf("first part of '%s' not a directory", real)
	}
	return filesys.ConfirmedDir(d), filepath.Base(real), nil
}

type info struct {
	name string
	e    *entry
}

func (i info) Name() string { return i.name }
func (i info) Size() int64  { return i.e.size }
func (i info) Mode() fs.FileMode {
	switch {
	case i.e.dir:
		return fs.ModeDir | 0o755
	case i.e.link:
		return fs.ModeSymlink | 0o777
	case i.e.exec:
		return 0o755
	}
	return 0o644
}
func (i info) ModTime() time.Time { return time.Time{} }
func (i info) IsDir() bool        { return i.e.dir }
func (i info) Sys() any           { return nil }

// file is a file of the tree, open for reading.
type file struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *file) Write([]byte) (int, error) {
	return 0, errors.New("the files of a revision are read only")
}
func (f *file) Close() error               { return nil }
func (f *file) Stat() (os.FileInfo, error) { return f.info, nil }

// catFile reads objects with one git cat-file --batch.
type catFile struct {
	mu    sync.Mutex
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	cache map[string][]byte
}

func startCatFile(git, root string) (*catFile, error) {
	cmd := command(git, root, "cat-file", "--batch")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &catFile{cmd: cmd, in: in, out: bufio.NewReader(out), cache: map[string][]byte{}}, nil
}

// read reads blob oid, of at most max bytes.
func (c *catFile) read(oid string, max int64) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.cache[oid]; ok {
		return b, nil
	}
	if c.cmd == nil {
		return nil, errors.New("the revision's files are closed")
	}
	if _, err := io.WriteString(c.in, oid+"\n"); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	header, err := c.out.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	f := strings.Fields(header)
	if len(f) != 3 || f[0] != oid || f[1] != "blob" {
		return nil, fmt.Errorf("git cat-file: object %s: %s", oid, strings.TrimSpace(header))
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || size < 0 {
		return nil, fmt.Errorf("git cat-file: object %s: %s", oid, strings.TrimSpace(header))
	}
	if size > max {
		// Read past it: the next answer follows.
		if _, err := io.CopyN(io.Discard, c.out, size+1); err != nil {
			return nil, fmt.Errorf("git cat-file: %w", err)
		}
		return nil, fmt.Errorf("%d bytes, more than the %d krm-fn reads of a file", size, max)
	}
	b := make([]byte, size+1)
	if _, err := io.ReadFull(c.out, b); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	c.cache[oid] = b[:size]
	return b[:size], nil
}

func (c *catFile) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return nil
	}
	c.in.Close()
	err := c.cmd.Wait()
	c.cmd = nil
	return err
}

// command is git, with fixed arguments, run in root: nothing fetched, no
// lock taken, no pager or prompt.
func command(git, root string, args ...string) *exec.Cmd {
	cmd := exec.Command(git, append([]string{"--no-pager", "-C", root, "-c", "protocol.allow=never", "-c", "core.fsmonitor=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_NO_LAZY_FETCH=1", "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0")
	return cmd
}

// run runs git with args in root and returns its output (at most 64 KiB).
func run(git, root string, args ...string) ([]byte, error) {
	cmd := command(git, root, args...)
	var out bytes.Buffer
	cmd.Stdout = &limited{w: &out, n: 64 << 10}
	err := cmd.Run()
	return out.Bytes(), err
}

// limited writes at most n bytes to w, and drops the rest.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
