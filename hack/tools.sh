#!/usr/bin/env bash
# Installs the pinned external tools this project tests against, into a cache
# directory that survives between runs on one machine, and prints that
# directory. Usage: hack/tools.sh [kustomize] [kube] [istioctl] [etcd]
# [argocd] [istio-proof] [alb-proof] [pre-commit] [helm] [goreleaser] [time]
# (no argument: kustomize only).
#
# Every version is pinned here; bumping one means editing this file.
set -euo pipefail

KUSTOMIZE_VERSION=v5.8.0
# istio.io/istio publishes no semver tags to the module proxy; this is the
# pseudo-version that @latest resolved to when pinned.
ISTIOCTL_VERSION=v0.0.0-20260827124520-eed52ebb66ad

# helm only renders the benchmark's comparison chart (make bench); v3.22.0's
# go.mod asks for Go 1.26.0.
HELM_VERSION=v3.22.0

# goreleaser builds the release (.goreleaser.yaml, docs/release.md).
GORELEASER_VERSION=v2.17.0

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${KRMFN_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/krm-fn/tools}
bin="$cache/bin"
mkdir -p "$bin"

log() { echo "tools: $*" >&2; }

# install NAME VERSION-STAMP COMMAND...: runs COMMAND (which must put NAME in
# $bin) unless $bin/NAME was already built from VERSION-STAMP. One build of
# a tool at a time: a second caller waits for the first (flock) and then
# finds it built.
install() {
	local name=$1 stamp=$2
	shift 2
	exec {lock}>"$bin/.$name.lock"
	flock "$lock"
	if [[ -x "$bin/$name" && "$(cat "$bin/.$name.version" 2>/dev/null)" == "$stamp" ]]; then
		exec {lock}>&-
		return 0
	fi
	log "building $name $stamp (cached in $bin afterwards)"
	"$@" >&2
	echo "$stamp" >"$bin/.$name.version"
	exec {lock}>&-
}

# source_stamp DIR: a hash of a Go module's go.mod, go.sum and non-test
# sources, so that a change to any of them rebuilds its command.
source_stamp() {
	(cd "$1" && { cat go.mod go.sum; find . -name '*.go' ! -name '*_test.go' | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16)
}

# apt_install PACKAGE: installs a Debian package (for tools Debian pins).
apt_install() {
	log "installing Debian's $1"
	local sudo=
	[[ $(id -u) -eq 0 ]] || sudo=sudo
	$sudo apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >&2
}

want=("$@")
[[ ${#want[@]} -gt 0 ]] || want=(kustomize)

for tool in "${want[@]}"; do
	case $tool in
	kustomize)
		install kustomize "$KUSTOMIZE_VERSION" \
			env GOBIN="$bin" CGO_ENABLED=0 go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
		;;
	istioctl)
		install istioctl "$ISTIOCTL_VERSION" \
			env GOBIN="$bin" CGO_ENABLED=0 go install "istio.io/istio/istioctl/cmd/istioctl@$ISTIOCTL_VERSION"
		;;
	kube)
		stamp=$(sha256sum "$root/tools/k8s/go.sum" | cut -c1-16)
		for cmd in kube-apiserver kubectl; do
			install "$cmd" "$stamp" \
				bash -c "cd '$root/tools/k8s' && CGO_ENABLED=0 go build -o '$bin/$cmd' k8s.io/kubernetes/cmd/$cmd"
		done
		;;
	helm)
		install helm "$HELM_VERSION" \
			env GOBIN="$bin" CGO_ENABLED=0 go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
		;;
	time)
		# GNU time (/usr/bin/time), which make bench reads peak memory from.
		[[ -x /usr/bin/time ]] || apt_install time
		;;
	argocd)
		# argocd-cmp-server from the tools/argocd module (argo-cd v3.2.12
		# with its replace directives); minutes to build, then cached.
		stamp=$(cd "$root/tools/argocd" && cat go.mod go.sum cmd/argocd-cmp-server/main.go | sha256sum | cut -c1-16)
		install argocd-cmp-server "$stamp" \
			bash -c "cd '$root/tools/argocd' && CGO_ENABLED=0 go build -o '$bin/argocd-cmp-server' ./cmd/argocd-cmp-server"
		;;
	istio-proof | alb-proof)
		# The proof layer's commands (docs/conformance.md), modules of their
		# own: istio-proof runs istiod's configuration generation
		# (istio.io/istio at the istioctl version above; minutes to build and
		# gigabytes to link), alb-proof the AWS Load Balancer Controller's
		# model builder. Built once per change of their sources, then cached.
		dir="$root/conformance/proof/${tool%-proof}"
		install "$tool" "$(source_stamp "$dir")" \
			bash -c "cd '$dir' && CGO_ENABLED=0 go build -o '$bin/$tool' ."
		;;
	etcd)
		command -v etcd >/dev/null || apt_install etcd-server
		;;
	goreleaser)
		install goreleaser "$GORELEASER_VERSION" \
			env GOBIN="$bin" CGO_ENABLED=0 go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION"
		;;
	pre-commit)
		# Debian's pre-commit (bookworm: 3.0.4), what the hooks are tested with.
		command -v pre-commit >/dev/null || apt_install pre-commit
		;;
	*)
		echo "tools: unknown tool $tool (want kustomize, kube, istioctl, etcd, argocd, istio-proof, alb-proof, pre-commit, helm, goreleaser or time)" >&2
		exit 2
		;;
	esac
done
echo "$bin"
