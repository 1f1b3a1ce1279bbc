package render

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/krmfn/krm-fn/internal/repofile"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// confinedFS is the file system a build of an untrusted repository reads:
// the disk, but only below root, with every symbolic link resolved before
// the check (a link that leads out of the repository is outside it), and
// only so many bytes in all. It writes nothing. kustomize reads every
// local file through it; what it cannot see (remote URLs) is refused
// before the build (policy.go).
type confinedFS struct {
	disk     filesys.FileSystem
	root     string // absolute, symbolic links resolved
	maxBytes int64  // what ReadFile may return in all
	meter    *meter
}

// errOutside says that a path leads out of the repository.
var errOutside = errors.New("outside the repository")

func newConfinedFS(root string, maxBytes int64) (*confinedFS, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("the repository root %s: %w", root, err)
	}
	return &confinedFS{disk: filesys.MakeFsOnDisk(), root: real, maxBytes: maxBytes, meter: newMeter(maxBytes)}, nil
}

// resolve is path made absolute with every symbolic link of its existing
// part resolved: where it really is.
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	for p := abs; ; p = filepath.Dir(p) {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err // a loop, say
		}
		if filepath.Dir(p) == p {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}

// inside says whether real (resolved) is root or below it.
func inside(root, real string) bool {
	return real == root || strings.HasPrefix(real, root+string(filepath.Separator))
}

// check returns path's resolved location, or an error naming the path if
// it is outside the repository.
func (c *confinedFS) check(path string) (string, error) {
	real, err := resolve(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if !inside(c.root, real) {
		return "", &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w %s (it resolves to %s)", errOutside, c.root, real)}
	}
	return real, nil
}

func (c *confinedFS) refuse(op, path string) error {
	return &fs.PathError{Op: op, Path: path, Err: errors.New("krm-fn renders without writing files")}
}

func (c *confinedFS) Create(path string) (filesys.File, error) { return nil, c.refuse("create", path) }
func (c *confinedFS) Mkdir(path string) error                  { return c.refuse("mkdir", path) }
func (c *confinedFS) MkdirAll(path string) error               { return c.refuse("mkdir", path) }
func (c *confinedFS) RemoveAll(path string) error              { return c.refuse("remove", path) }
func (c *confinedFS) WriteFile(path string, _ []byte) error    { return c.refuse("write", path) }

// Open opens a regular file inside the repository for reading; kustomize
// reads with ReadFile, which counts what it reads.
func (c *confinedFS) Open(path string) (filesys.File, error) {
	real, err := c.check(path)
	if err != nil {
		return nil, err
	}
	return repofile.Open(real)
}

func (c *confinedFS) IsDir(path string) bool {
	real, err := c.check(path)
	return err == nil && c.disk.IsDir(real)
}

// Exists says whether there is a file or directory at path; one outside
// the repository (a link out of it) exists, so that reading it is the
// error that says so.
func (c *confinedFS) Exists(path string) bool {
	real, err := c.check(path)
	if errors.Is(err, errOutside) {
		return true
	}
	return err == nil && c.disk.Exists(real)
}

func (c *confinedFS) ReadDir(path string) ([]string, error) {
	real, err := c.check(path)
	if err != nil {
		return nil, err
	}
	return c.disk.ReadDir(real)
}

func (c *confinedFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	if _, err := c.check(path); err != nil {
		return "", "", err
	}
	return c.disk.CleanedAbs(path)
}

func (c *confinedFS) Glob(pattern string) ([]string, error) {
	matches, err := c.disk.Glob(pattern)
	if err != nil {
		return nil, err
	}
	var kept []string
	for _, m := range matches {
		if _, err := c.check(m); err == nil {
			kept = append(kept, m)
		}
	}
	return kept, nil
}

// ReadFile reads a regular file inside the repository (repofile.Read: no
// device, FIFO or socket), counted against the build's budget (meter):
// every file, whatever its name, since kustomize parses a patch or a
// resource as YAML whatever it is called.
func (c *confinedFS) ReadFile(path string) ([]byte, error) {
	real, err := c.check(path)
	if err != nil {
		return nil, err
	}
	b, err := repofile.Read(real, c.maxBytes)
	if err != nil {
		return nil, err
	}
	if err := c.meter.read(real, b, path); err != nil {
		return nil, err
	}
	return b, nil
}

func (c *confinedFS) Walk(path string, walkFn filepath.WalkFunc) error {
	real, err := c.check(path)
	if err != nil {
		return err
	}
	return c.disk.Walk(real, func(p string, info fs.FileInfo, err error) error {
		if err == nil {
			if _, cerr := c.check(p); cerr != nil {
				err = cerr
			}
		}
		return walkFn(p, info, err)
	})
}
