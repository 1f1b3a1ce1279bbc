// Package kustomization reads kustomization files as kustomize does: the
// one reader for every part of krm-fn that looks at a kustomization
// (render, the Argo CD plugin's discovery).
package kustomization

import (
	"fmt"
	"path/filepath"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// File is a directory's kustomization file.
type File struct {
	Path          string // its path
	Raw           []byte // its bytes
	Kustomization *types.Kustomization
}

// ErrNone says that a directory has no kustomization file.
var ErrNone = fmt.Errorf("no kustomization file")

// Read reads the kustomization of dir: its one file of the names kustomize
// recognises, decoded strictly as kustomize decodes it, with kustomize's
// fixes of deprecated fields applied. The error is ErrNone when dir has no
// kustomization file.
func Read(fsys filesys.FileSystem, dir string) (*File, error) {
	var path string
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if p := filepath.Join(dir, name); fsys.Exists(p) && !fsys.IsDir(p) {
			if path != "" {
				return nil, fmt.Errorf("%s: more than one kustomization file", dir)
			}
			path = p
		}
	}
	if path == "" {
		return nil, ErrNone
	}
	b, err := fsys.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// Parse decodes b, the kustomization file at path, as Read does.
func Parse(path string, b []byte) (*File, error) {
	k := &types.Kustomization{}
	if err := k.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k.FixKustomization()
	return &File{Path: path, Raw: b, Kustomization: k}, nil
}
