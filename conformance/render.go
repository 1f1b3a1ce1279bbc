package conformance

import (
	"context"
	"os"
	"path/filepath"
)

// BuildFunction builds krm-fn from the repository at root into dir.
func BuildFunction(ctx context.Context, root, dir string) error {
	_, err := run(ctx, root, nil, "go", "build", "-o", filepath.Join(dir, "krm-fn"), "./cmd/krm-fn")
	return err
}

// Render runs `kustomize build --enable-alpha-plugins --enable-exec` on an
// overlay, as a user would, with the krm-fn of fnDir first on PATH (where
// the overlays' `exec: {path: krm-fn}` finds it), and writes the output to
// out.
func Render(ctx context.Context, kustomize, fnDir, overlay, out string) error {
	env := append(os.Environ(), "PATH="+fnDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	o, err := runEnv(ctx, "", env, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", overlay)
	if err != nil {
		return err
	}
	return os.WriteFile(out, []byte(o.stdout), 0o644)
}
