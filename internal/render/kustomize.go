package render

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/openapi"
)

// building lets one build run at a time: kustomize keeps the OpenAPI
// schema it merges patches with in process-global state (kyaml's openapi
// package), which an overlay's `openapi:` field sets and kustomize never
// clears (SetSchema with no version or schema leaves a custom one in
// place). Each build starts from kustomize's default schema (runKustomize).
var building sync.Mutex

// runKustomize is kustomize's build of dir on fsys (krusty), with panics
// inside kustomize turned into an error naming dir (an invalid OpenAPI
// schema panics in kyaml, say). fresh: from kustomize's default OpenAPI
// schema, whatever an earlier build set, as a new kustomize process would;
// else as the build before it left it (the entries of one overlay built
// apart, build.go). The caller holds building.
func runKustomize(fsys *servedFS, dir string, opts *krusty.Options, fresh bool) (m resmap.ResMap, err error) {
	defer func() {
		if r := recover(); r != nil {
			openapi.ResetOpenAPI() // whatever state the panic left
			m, err = nil, fmt.Errorf("kustomize failed building %s: %v (krm-fn caught the failure; check the kustomizations it includes, their openapi schema among them)", dir, r)
		}
		if stopped := fsys.cfs.meter.err(); stopped != nil {
			// kustomize's own error is one about a file it could not read.
			m, err = nil, &Error{Problems: []string{stopped.Error()}}
		}
		if err != nil {
			err = cut(err)
		}
	}()
	if fresh && !defaultSchema() {
		openapi.ResetOpenAPI()
	}
	return krusty.MakeKustomizer(opts).Run(fsys, dir)
}

// defaultSchema says whether kyaml's OpenAPI schema is kustomize's default
// one (or none yet): no overlay's.
func defaultSchema() bool {
	v := openapi.GetSchemaVersion()
	return v == "" || v == openapi.DefaultOpenAPI
}

// maxKustomizeError bounds what an error of kustomize's says: it quotes
// whole values (a 200 KB annotation of an object without a name, say).
const maxKustomizeError = 2048

// cut is err with its message cut to maxKustomizeError bytes, its start
// and end kept (the error, and the value that caused it).
func cut(err error) error {
	msg := err.Error()
	if len(msg) <= maxKustomizeError {
		return err
	}
	head, tail := msg[:maxKustomizeError/2], msg[len(msg)-maxKustomizeError/4:]
	for len(head) > 0 && !utf8.RuneStart(msg[len(head)]) {
		head = head[:len(head)-1]
	}
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	return fmt.Errorf("%s … (%d bytes left out) … %s", head, len(msg)-len(head)-len(tail), tail)
}
