#!/usr/bin/env bash
# Starts etcd and kube-apiserver on loopback (free ports, a temp dir) with
# Istio's CRDs installed, for server-side dry runs of rendered manifests.
#   hack/cluster.sh start DIR   # prints the kubeconfig path; DIR holds state
#   hack/cluster.sh stop DIR
# Needs: hack/tools.sh kube etcd.
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop DIR} dir=${2:?usage: cluster.sh start|stop DIR}
root=$(cd "$(dirname "$0")/.." && pwd)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

case $cmd in
stop)
	for p in apiserver etcd; do
		[[ -f "$dir/$p.pid" ]] && kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
	done
	exit 0
	;;
start) ;;
*) echo "usage: cluster.sh start|stop DIR" >&2; exit 2 ;;
esac

bin=$("$root/hack/tools.sh" kube etcd)
mkdir -p "$dir"
etcd_port=$(free_port) peer_port=$(free_port) api_port=$(free_port)
etcd --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
	--advertise-client-urls "http://127.0.0.1:$etcd_port" \
	--listen-peer-urls "http://127.0.0.1:$peer_port" >"$dir/etcd.log" 2>&1 &
echo $! >"$dir/etcd.pid"

openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
token=$(openssl rand -hex 16)
echo "$token,admin,admin,system:masters" >"$dir/tokens.csv"
"$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
	--bind-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$dir/certs" \
	--token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
	--service-account-issuer https://kubernetes.default.svc \
	--service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
	--service-cluster-ip-range 10.96.0.0/16 >"$dir/apiserver.log" 2>&1 &
echo $! >"$dir/apiserver.pid"

cat >"$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:$api_port", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: "$token"}}]
contexts: [{name: local, context: {cluster: local, user: admin}}]
current-context: local
KC
export KUBECONFIG="$dir/kubeconfig"
for _ in $(seq 120); do
	"$bin/kubectl" get --raw /readyz >/dev/null 2>&1 && break
	sleep 1
done
"$bin/kubectl" get --raw /readyz >/dev/null || { tail -20 "$dir/apiserver.log" >&2; exit 1; }

# Istio's CRDs, from the istio.io/api version go.mod pins.
crds=$(cd "$root" && go list -m -f '{{.Dir}}' istio.io/api)/kubernetes/customresourcedefinitions.gen.yaml
"$bin/kubectl" apply --server-side -f "$crds" >/dev/null
"$bin/kubectl" wait --for condition=established --timeout=60s crd --all >/dev/null
echo "$dir/kubeconfig"
