// Package kustomization reads kustomization files as kustomize does: the
// one reader for every part of krm-fn that looks at a kustomization
// (render, the Argo CD plugin's discovery); and says why krm-fn cannot run
// from where some layouts list it (InComponent, RenamedAfter), for the
// function and render alike.
package kustomization

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/krmfn/krm-fn/internal/repofile"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
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

// Parse decodes b, the kustomization file at path, as Read does. A key
// written twice in one mapping, or a YAML merge key, is an error: which of
// two keys counts is a detail of each YAML library, and krm-fn checks a
// kustomization to serve kustomize exactly what it checked.
func Parse(path string, b []byte) (*File, error) {
	if err := writtenOnce(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k := &types.Kustomization{}
	if err := k.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k.FixKustomization()
	return &File{Path: path, Raw: b, Kustomization: k}, nil
}

// maxKustomizationFile bounds the kustomization file RunningComponent
// reads.
const maxKustomizationFile = 1 << 20

// RunningComponent is the kustomization file of the current directory if
// it is a Component's, else "": kustomize runs an exec function in the
// directory of the kustomization that lists it (kpt, Argo CD and a
// container elsewhere, where there is none), and krm-fn refuses to run
// from a Component (InComponent).
func RunningComponent() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		path := filepath.Join(dir, name)
		b, err := repofile.Read(path, maxKustomizationFile)
		if err != nil {
			continue // none, or not a kustomization kustomize would have read
		}
		kf, err := Parse(path, b)
		if err != nil || kf.Kustomization.Kind != types.ComponentKind {
			return ""
		}
		return kf.Path
	}
	return ""
}

// InComponent is the problem of krm-fn run from the Component whose
// kustomization file is component: kustomize runs a Component's generators
// and transformers before the including kustomization's own namePrefix,
// nameSuffix, namespace and the like, which would rename and move what
// krm-fn renders without fixing the references between those objects.
func InComponent(component string) string {
	return fmt.Sprintf("krm-fn runs from the Component %s, and kustomize runs a Component's transformers before the including overlay's own namePrefix, nameSuffix and namespace, which would then rename and move what krm-fn renders without fixing the names it writes in them (VirtualService → Gateway, routes → Service, Ingress → the gateway's Service in its namespace): list the ExposurePlatform in the overlay's transformers instead, where kustomize runs it last (an entry may be a directory of platform files: transformers: [../../platform])", component)
}

// RenamedAfter is the problem of krm-fn listed by the kustomization file
// listing, which the kustomization file renamer includes and which renames
// or moves objects after krm-fn has run.
func RenamedAfter(listing, renamer string) string {
	return fmt.Sprintf("%s runs krm-fn, and %s, which includes it, then renames or moves objects (namePrefix, nameSuffix, namespace, replacements or a JSON patch of a name), which would leave what krm-fn rendered naming objects that are not in the output: list the ExposurePlatform in the transformers of %s instead, where kustomize runs it after them", listing, renamer, renamer)
}

// writtenOnce checks that no mapping of the YAML documents of b holds a
// key twice or a merge key (<<).
func writtenOnce(b []byte) error {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if err := keysOnce(n.YNode(), 0); err != nil {
			return err
		}
	}
	return nil
}

func keysOnce(n *yaml.Node, depth int) error {
	if n == nil || depth > 100 {
		return nil // kustomize's decoding refuses what is deeper
	}
	if n.Kind == yaml.MappingNode {
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			switch {
			case k.Tag == "!!merge" || k.Value == "<<":
				return fmt.Errorf("line %d: a YAML merge key (<<): write the fields out, krm-fn reads a kustomization as written", k.Line)
			case seen[k.Value]:
				return fmt.Errorf("line %d: the key %q is written twice in one mapping: keep one", k.Line, k.Value)
			}
			seen[k.Value] = true
		}
	}
	for _, c := range n.Content {
		if err := keysOnce(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}
