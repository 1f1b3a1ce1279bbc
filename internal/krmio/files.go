package krmio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/krmfn/krm-fn/internal/repofile"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Files reads the files of one run, within the input limits in all
// (MaxInputBytes; each file's YAML nodes bounded before it is parsed).
type Files struct {
	read  int
	nodes NodeBudget
	text  map[string][]byte
}

// Source is the text of the file at path, as read (for Lines).
func (in *Files) Source(path string) ([]byte, bool) {
	b, ok := in.text[path]
	return b, ok
}

// Read reads the objects of one file ("-": stdin), each annotated with its
// file and index, as kpt does.
func (in *Files) Read(stdin io.Reader, path string) ([]*yaml.RNode, error) {
	r := stdin
	if path != "-" {
		f, err := repofile.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := ReadInput(io.LimitReader(r, int64(MaxInputBytes-in.read)+1), path)
	if err != nil {
		return nil, err
	}
	if err := in.nodes.Add(CountNodes(b), len(b), path); err != nil {
		return nil, err
	}
	if in.read += len(b); in.read > MaxInputBytes {
		return nil, fmt.Errorf("%s: the files hold more than %d MiB in all, the most krm-fn reads (docs/security.md)", path, MaxInputBytes>>20)
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), SetAnnotations: map[string]string{kioutil.PathAnnotation: path}}).Read()
	if err != nil {
		return nil, NotYAML{fmt.Errorf("%s: not valid YAML: %w", path, err)}
	}
	if in.text == nil {
		in.text = map[string][]byte{}
	}
	in.text[path] = b
	return nodes, nil
}

// NotYAML is the error of a file that is no YAML of Kubernetes objects.
type NotYAML struct{ error }

func (e NotYAML) Unwrap() error { return e.error }

// Objects reads the files of paths ("-": stdin; directories recursively).
// A file found under a directory that is no YAML of objects is skipped if
// skip(its path) says so (YAML of something else); every other error, the
// input limits among them, stops the reading. Of the files found under a
// directory, only Kubernetes objects (apiVersion and kind) are kept.
func (in *Files) Objects(stdin io.Reader, paths []string, skip func(path string) bool) ([]*yaml.RNode, error) {
	var items []*yaml.RNode
	for _, path := range paths {
		files := []File{{Path: path}}
		if path != "-" {
			var err error
			if files, err = List([]string{path}, nil); err != nil {
				return nil, err
			}
		}
		for _, f := range files {
			nodes, err := in.Read(stdin, f.Path)
			var bad NotYAML
			if err != nil && f.Walked && errors.As(err, &bad) && skip(f.Path) {
				continue // YAML of something else, found under a directory
			}
			if err != nil {
				return nil, err
			}
			for _, n := range nodes {
				if !f.Walked || n.GetApiVersion() != "" && n.GetKind() != "" {
					items = append(items, n)
				}
			}
		}
	}
	return items, nil
}

// File is a file to read: named, or found under a directory (Walked),
// where what is not a Kubernetes object is skipped.
type File struct {
	Path   string
	Walked bool
}

// List lists the files of paths, each directory replaced by the .yaml and
// .yml files under it (hidden files and directories, what ig skips, and
// kustomization files left out), in order, each once.
func List(paths []string, ig *Ignore) ([]File, error) {
	var files []File
	seen := map[string]bool{}
	add := func(f string, walked bool) {
		if !seen[filepath.Clean(f)] {
			seen[filepath.Clean(f)] = true
			files = append(files, File{f, walked})
		}
	}
	kustomizations := konfig.RecognizedKustomizationFileNames()
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			add(p, false)
			continue
		}
		top, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, err
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case path != p && ig.Skip(path, d.IsDir()):
				if d.IsDir() {
					return filepath.SkipDir
				}
			case !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) && !slices.Contains(kustomizations, d.Name()):
				if d.Type()&fs.ModeSymlink != 0 {
					// What a directory holds is read, not what it links to.
					real, err := filepath.EvalSymlinks(path)
					if err != nil {
						return fmt.Errorf("%s: a symbolic link krm-fn cannot follow: %w", path, err)
					}
					if rel, err := filepath.Rel(top, real); err != nil || !filepath.IsLocal(rel) {
						return fmt.Errorf("%s: a symbolic link out of %s (to %s): krm-fn reads only what the directories it is given hold; name the file itself to read it", path, p, real)
					}
				}
				add(path, true)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// MentionsGroup says whether the file at path has an object of the API
// group (an apiVersion of it, in YAML): a file that does not parse is then
// reported, not skipped (a Helm template, say, is skipped).
func MentionsGroup(path, group string) bool {
	b, err := repofile.Read(path, MaxInputBytes)
	return err != nil || apiVersionOf(group).Match(b)
}

// apiVersionOf matches an apiVersion of group in YAML.
func apiVersionOf(group string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\s*(- )?apiVersion:\s*["']?` + regexp.QuoteMeta(group) + `/`)
}
