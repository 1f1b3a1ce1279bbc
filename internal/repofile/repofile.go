// Package repofile reads and writes the files of a repository nobody
// reviewed: reads take regular files only, within a size, and never block
// on a FIFO or stream a device; writes stay inside a root directory
// (symbolic links included) and replace a file atomically. Every file
// krm-fn itself reads or writes goes through it (kustomize's reads go
// through internal/render's confined file system, which uses Read).
package repofile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrNotRegular says that a path names a directory, device, FIFO or
// socket where a file was to be read.
var ErrNotRegular = errors.New("not a regular file (krm-fn reads regular files only: no devices, FIFOs or sockets)")

// openFlags open a file for reading without waiting for a writer, should
// it be a FIFO: the check that it is a regular file comes after the open,
// on the file opened, so nothing can swap the file in between.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK

// Read reads the regular file at path, of at most max bytes.
func Read(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpen(f, path, max)
}

// Open opens the regular file at path for reading.
func Open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = &fs.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadIn reads the regular file at name inside root (symbolic links may
// not lead out of it), of at most max bytes.
func ReadIn(root *os.Root, name string, max int64) ([]byte, error) {
	f, err := root.OpenFile(name, openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpen(f, name, max)
}

func readOpen(f *os.File, path string, max int64) ([]byte, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	if info.Size() > max {
		return nil, tooLarge(path, max)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, tooLarge(path, max) // it grew while read
	}
	return b, nil
}

func tooLarge(path string, max int64) error {
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("more than %d MiB, the most krm-fn reads (docs/security.md)", max>>20)}
}

// WriteIn replaces the file name inside root with what r holds, with the
// given mode, creating the directories above it: a temporary file is
// written beside it and renamed over it, so the file is never left
// half-written, and a symbolic link at name is replaced, not followed.
// Every directory on the way resolves inside root, symbolic links
// included (os.Root): a link that leads out is an error, not a way out.
func WriteIn(root *os.Root, name string, r io.Reader, mode os.FileMode) error {
	name = filepath.Clean(name)
	if !filepath.IsLocal(name) {
		return &fs.PathError{Op: "write", Path: name, Err: errors.New("not a path inside " + root.Name())}
	}
	if dir := filepath.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	suffix := make([]byte, 8)
	if _, err := rand.Read(suffix); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+"-"+hex.EncodeToString(suffix))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer root.Remove(tmp) // after the rename, a no-op
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return root.Rename(tmp, name)
}
