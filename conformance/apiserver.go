package conformance

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// createNamespaces creates the named namespaces for real: the API server's
// NamespaceLifecycle admission rejects an object in a namespace that does
// not exist, dry run or not. They are applied (not created) so that a
// rendered Namespace's own dry run is the patch a user's apply would be.
func (c *Checker) createNamespaces(ctx context.Context, names []string) error {
	var docs []string
	for _, n := range names {
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %q\n", n))
	}
	_, err := run(ctx, "", []byte(strings.Join(docs, "---\n")), c.Tools.Kubectl, c.kubectl("apply", "-f", "-")...)
	return err
}

// kubectl gives kubectl's arguments for the cluster. Its discovery cache
// goes beside the kubeconfig, in the cluster's directory, so that it goes
// with the cluster.
func (c *Checker) kubectl(args ...string) []string {
	return append([]string{"--kubeconfig", c.Kubeconfig, "--cache-dir", filepath.Join(filepath.Dir(c.Kubeconfig), "kube-cache"),
		"--request-timeout", "30s"}, args...)
}

// namespacesOf lists the namespaces objs live in, sorted.
func namespacesOf(objs []Object) []string {
	var ns []string
	for _, o := range objs {
		if n := o.GetNamespace(); n != "" && !slices.Contains(ns, n) {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	return ns
}

// dryRun applies o with a server-side dry run and strict field validation,
// as `kubectl apply --dry-run=server` does for a user: the API server
// decodes, defaults, validates and admits it, and persists nothing. Every
// warning the server sends back is a finding too.
func (c *Checker) dryRun(ctx context.Context, o Object) []Finding {
	out, err := run(ctx, "", o.YAML, c.Tools.Kubectl, c.kubectl("apply", "--dry-run=server", "--validate=strict", "-f", "-")...)
	var fs []Finding
	var rest []string
	for _, line := range strings.Split(strings.TrimSpace(out.stderr), "\n") {
		if w, ok := strings.CutPrefix(line, "Warning: "); ok {
			fs = append(fs, Finding{Object: o.ID(), Component: APIServer, Severity: Warning, Words: w})
		} else if strings.TrimSpace(line) != "" {
			rest = append(rest, line)
		}
	}
	if err != nil {
		words := strings.Join(rest, "\n")
		if words == "" || ctx.Err() != nil {
			words = err.Error()
		}
		fs = append(fs, Finding{Object: o.ID(), Component: APIServer, Severity: Error, Words: words})
	}
	return fs
}
