# Everyday commands; CI runs `make test` (via .ci/run).
.PHONY: build test update render

build:
	go build -o bin/krm-fn ./cmd/krm-fn

# The tests, including the end-to-end ones through kustomize.
test:
	KUSTOMIZE=$${KUSTOMIZE:-$$(hack/tools.sh kustomize)/kustomize} go test ./...

# Rewrite the golden files after an intended change; review the diff.
update:
	go test ./fn ./e2e -update

# Render an overlay: make render ENV=prd
ENV ?= prd
render: build
	PATH=$(CURDIR)/bin:$$PATH go run sigs.k8s.io/kustomize/kustomize/v5@v5.8.0 build --enable-alpha-plugins --enable-exec overlays/$(ENV)

# The conformance suite (conformance/, a module of its own): every object the
# overlays and golden cases render, through a real kube-apiserver (server-side
# dry run), istioctl validate/analyze and the ALB controller's documented
# annotation formats. See docs/conformance.md. The first run builds the pinned
# tools (cached in ~/.cache/krm-fn/tools).
.PHONY: conformance
conformance:
	hack/tools.sh kustomize kube istioctl etcd >/dev/null
	cd conformance && go test -count=1 -timeout 30m -v ./...
