package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Tools are the pinned binaries the checks run, from hack/tools.sh.
type Tools struct {
	Kubectl, Istioctl, Kustomize string
}

// InstallTools runs the repository's hack/tools.sh, which builds the pinned
// tools once into a cache and prints the directory; cached, it takes a
// moment.
func InstallTools(ctx context.Context, root string) (Tools, error) {
	out, err := run(ctx, root, nil, filepath.Join(root, "hack", "tools.sh"), "kustomize", "kube", "istioctl", "etcd")
	if err != nil {
		return Tools{}, err
	}
	bin := strings.TrimSpace(out.stdout)
	t := Tools{
		Kubectl:   filepath.Join(bin, "kubectl"),
		Istioctl:  filepath.Join(bin, "istioctl"),
		Kustomize: filepath.Join(bin, "kustomize"),
	}
	for _, p := range []string{t.Kubectl, t.Istioctl, t.Kustomize} {
		if _, err := os.Stat(p); err != nil {
			return Tools{}, fmt.Errorf("hack/tools.sh printed %q, which has no %s", bin, filepath.Base(p))
		}
	}
	return t, nil
}

type output struct {
	stdout, stderr string
	code           int // the exit status; -1 if it did not exit by itself
}

// run runs a command to completion, stdin from in (if any). An error means
// the command could not run or exited non-zero; out holds what it said
// either way.
func run(ctx context.Context, dir string, in []byte, name string, args ...string) (output, error) {
	return runEnv(ctx, dir, nil, in, name, args...)
}

// runEnv is run with the environment env (nil: this process's).
func runEnv(ctx context.Context, dir string, env []string, in []byte, name string, args ...string) (output, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	if in != nil {
		cmd.Stdin = bytes.NewReader(in)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A child that outlives the command (a server it started in the
	// background) must not keep us waiting for its end of the pipes.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	out := output{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	if err != nil {
		var exit *exec.ExitError
		msg := strings.TrimSpace(out.stderr)
		if msg == "" {
			msg = strings.TrimSpace(out.stdout)
		}
		switch {
		case ctx.Err() != nil:
			return out, fmt.Errorf("%s %s: %w; it said: %s", filepath.Base(name), strings.Join(args, " "), ctx.Err(), msg)
		case errors.As(err, &exit):
			return out, fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, msg)
		default:
			return out, fmt.Errorf("%s %s: %w", filepath.Base(name), strings.Join(args, " "), err)
		}
	}
	return out, nil
}
