#!/usr/bin/env bash
# Starts etcd and kube-apiserver on loopback (free ports, state in DIR) with
# Istio's CRDs, the Gateway API's and cert-manager's installed, for server-side dry runs of
# rendered manifests.
#   hack/cluster.sh start DIR [OWNER_PID]   # prints the kubeconfig path
#   hack/cluster.sh stop DIR
# A failed start stops whatever it had started. With OWNER_PID, a watchdog
# stops the cluster and deletes DIR once that process is gone, so a test run
# that is killed leaves nothing behind. stop ends only the processes whose
# ids DIR recorded, the API server first (it shuts down cleanly only while
# etcd is up), and waits until they are gone.
# Needs: hack/tools.sh kube etcd.
set -euo pipefail
usage="usage: cluster.sh start DIR [OWNER_PID] | stop DIR"
cmd=${1:?$usage} dir=${2:?$usage} owner=${3:-}
given_dir=$dir
root=$(cd "$(dirname "$0")/.." && pwd)

log() { echo "cluster: $*" >&2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# alive NAME: whether the process DIR/NAME.pid names runs and is what we
# started (a recycled pid is left alone).
alive() {
	local pid args
	pid=$(cat "$dir/$1.pid" 2>/dev/null) || return 1
	[[ -n "$pid" ]] || return 1
	args=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
	[[ $args == *"$dir"* || $args == *"$given_dir"* ]]
}

# stop_process NAME: SIGTERM, up to 30 s to exit, then SIGKILL.
stop_process() {
	local name=$1 pid
	if alive "$name"; then
		pid=$(cat "$dir/$name.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 60); do alive "$name" || break; sleep 0.5; done
		if alive "$name"; then
			log "$name (pid $pid) ignored SIGTERM for 30s; killing it"
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$dir/$name.pid"
}

stop_cluster() {
	stop_process apiserver
	stop_process etcd
}

[[ $cmd != stop || -d "$dir" ]] || exit 0
mkdir -p "$dir"
dir=$(cd "$dir" && pwd) # the processes' arguments name it so; alive compares

case $cmd in
stop)
	stop_process watchdog
	stop_cluster
	exit 0
	;;
start) ;;
*) echo "$usage" >&2; exit 2 ;;
esac

bin=$("$root/hack/tools.sh" kube etcd)
# kubectl's discovery cache goes in DIR too, so that it goes with the cluster.
kubectl() { "$bin/kubectl" --kubeconfig "$dir/kubeconfig" --cache-dir "$dir/kube-cache" --request-timeout 10s "$@"; }

started=false
on_exit() {
	if ! $started; then
		for p in etcd apiserver; do
			[[ -f "$dir/$p.log" ]] && { log "last lines of $p.log:"; tail -15 "$dir/$p.log" >&2; }
		done
		stop_cluster
	fi
}
trap on_exit EXIT

openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
token=$(openssl rand -hex 16)
echo "$token,admin,admin,system:masters" >"$dir/tokens.csv"

# launch: etcd and kube-apiserver on fresh free ports; waits up to 120 s for
# /readyz. Returns 1 if either process exits first (another process took a
# port between free_port and the bind), 2 on a timeout.
launch() {
	local etcd_port peer_port api_port
	etcd_port=$(free_port) peer_port=$(free_port) api_port=$(free_port)
	rm -rf "$dir/etcd"
	etcd --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
		--advertise-client-urls "http://127.0.0.1:$etcd_port" \
		--listen-peer-urls "http://127.0.0.1:$peer_port" \
		--initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
		--initial-cluster "default=http://127.0.0.1:$peer_port" \
		</dev/null >"$dir/etcd.log" 2>&1 &
	echo $! >"$dir/etcd.pid"
	"$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
		--bind-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$dir/certs" \
		--token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
		--service-account-issuer https://kubernetes.default.svc \
		--service-account-key-file "$dir/sa.pub" --service-account-signing-key-file "$dir/sa.key" \
		--service-cluster-ip-range 10.96.0.0/16 </dev/null >"$dir/apiserver.log" 2>&1 &
	echo $! >"$dir/apiserver.pid"
	cat >"$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:$api_port", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: "$token"}}]
contexts: [{name: local, context: {cluster: local, user: admin}}]
current-context: local
KC
	for _ in $(seq 240); do
		alive etcd && alive apiserver || return 1
		kubectl get --raw /readyz >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 2
}

for attempt in 1 2 3; do
	rc=0
	launch || rc=$?
	[[ $rc -eq 0 ]] && break
	if [[ $rc -eq 2 || $attempt -eq 3 ]]; then
		log "kube-apiserver did not become ready (attempt $attempt)"
		exit 1
	fi
	log "etcd or kube-apiserver exited while starting (attempt $attempt); retrying on other ports"
	stop_cluster
done

# Istio's CRDs, from the istio.io/api version go.mod pins.
(cd "$root" && go mod download istio.io/api)
crds=$(cd "$root" && go list -m -f '{{.Dir}}' istio.io/api)/kubernetes/customresourcedefinitions.gen.yaml
[[ -f "$crds" ]] || { log "no Istio CRDs at $crds"; exit 1; }
kubectl apply --server-side -f "$crds" >/dev/null
# The Gateway API's CRDs (standard channel), from the sigs.k8s.io/gateway-api
# version go.mod pins: what api: gateway-api renders. HTTPRoute's is the
# experimental channel's, which has the standard one's fields and retry,
# what a platform with gatewayAPI.channel: experimental renders (that the
# others render standard fields only, fn's TestStandardChannel checks
# against the standard CRD).
(cd "$root" && go mod download sigs.k8s.io/gateway-api)
gwapi=$(cd "$root" && go list -m -f '{{.Dir}}' sigs.k8s.io/gateway-api)/config/crd
# The kinds krm-fn renders must all be there: TCPRoute and TLSRoute (tcp
# routes, passthrough) are in the standard channel of the pinned v1.6.3.
for kind in gateways httproutes referencegrants tcproutes tlsroutes; do
	[[ -f "$gwapi/standard/gateway.networking.k8s.io_$kind.yaml" ]] || { log "no Gateway API CRD $kind in $gwapi/standard"; exit 1; }
done
[[ -f "$gwapi/experimental/gateway.networking.k8s.io_httproutes.yaml" ]] || { log "no experimental HTTPRoute CRD in $gwapi"; exit 1; }
for f in "$gwapi"/standard/gateway.networking.k8s.io_*.yaml; do
	# A ValidatingAdmissionPolicy against installing other channels' CRDs: no CRD.
	[[ $f == *_vap_* ]] && continue
	[[ $f == *_httproutes.yaml ]] && f=$gwapi/experimental/gateway.networking.k8s.io_httproutes.yaml
	kubectl apply --server-side -f "$f" >/dev/null
done
# cert-manager's CRDs, from the github.com/cert-manager/cert-manager version
# go.mod pins (whose Go types render the Certificates): what a platform with
# spec.tls.issuer renders.
(cd "$root" && go mod download github.com/cert-manager/cert-manager)
cm=$(cd "$root" && go list -m -f '{{.Dir}}' github.com/cert-manager/cert-manager)/deploy/crds
[[ -f "$cm/cert-manager.io_certificates.yaml" ]] || { log "no cert-manager CRDs in $cm"; exit 1; }
for f in "$cm"/cert-manager.io_*.yaml; do
	kubectl apply --server-side -f "$f" >/dev/null
done
kubectl wait --for condition=established --timeout=60s crd --all >/dev/null

started=true
if [[ -n "$owner" ]]; then
	(
		trap - EXIT
		while kill -0 "$owner" 2>/dev/null; do sleep 1; done
		stop_cluster
		rm -rf "$dir"
	) </dev/null >/dev/null 2>&1 &
	echo $! >"$dir/watchdog.pid"
fi
echo "$dir/kubeconfig"
