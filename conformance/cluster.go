package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Cluster is an etcd and a kube-apiserver on loopback with Istio's CRDs,
// the Gateway API's (standard channel) and cert-manager's,
// started by the repository's hack/cluster.sh in a temporary directory.
type Cluster struct {
	Kubeconfig string
	dir, root  string
}

// StartCluster starts a cluster and waits until it serves those CRDs. The
// cluster is stopped when Stop is called or, should this process die
// first, by hack/cluster.sh's watchdog.
func StartCluster(ctx context.Context, root string) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "krm-fn-conformance-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, root: root}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	out, err := run(ctx, root, nil, c.script(), "start", dir, strconv.Itoa(os.Getpid()))
	if err != nil {
		if stopErr := c.Stop(); stopErr != nil {
			err = fmt.Errorf("%w (and stopping what it started: %v)", err, stopErr)
		}
		return nil, fmt.Errorf("starting the cluster: %w", err)
	}
	c.Kubeconfig = strings.TrimSpace(out.stdout)
	return c, nil
}

// Stop stops etcd and the API server and deletes the cluster's directory.
func (c *Cluster) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := run(ctx, c.root, nil, c.script(), "stop", c.dir)
	if err != nil {
		return fmt.Errorf("stopping the cluster in %s: %w", c.dir, err)
	}
	return os.RemoveAll(c.dir)
}

// TempDir makes a directory that goes with the cluster: Stop deletes it,
// and so does the watchdog if this process dies first.
func (c *Cluster) TempDir(name string) (string, error) {
	dir := filepath.Join(c.dir, name)
	return dir, os.MkdirAll(dir, 0o755)
}

func (c *Cluster) script() string { return filepath.Join(c.root, "hack", "cluster.sh") }
