# Everyday commands; CI runs `make test` (via .ci/run).
.PHONY: build test test-argocd update schema render

build:
	go build -o bin/krm-fn ./cmd/krm-fn

# The tests, including the end-to-end ones through kustomize.
test:
	KUSTOMIZE=$${KUSTOMIZE:-$$(hack/tools.sh kustomize)/kustomize} go test ./...

# deploy/argocd/plugin.yaml in Argo CD's real argocd-cmp-server (its own
# module, tools/argocd; building argocd-cmp-server takes minutes once, then
# hack/tools.sh has it cached).
test-argocd:
	cd tools/argocd && CGO_ENABLED=0 \
		KUSTOMIZE=$${KUSTOMIZE:-$$(../../hack/tools.sh kustomize)/kustomize} \
		ARGOCD_CMP_SERVER=$${ARGOCD_CMP_SERVER:-$$(../../hack/tools.sh argocd)/argocd-cmp-server} \
		go test ./...

# Rewrite the golden files after an intended change; review the diff.
update: schema
	go test ./fn ./e2e -update

# Regenerate the JSON Schema of the kinds from fn/types.go (docs/schema.md).
schema:
	go generate ./schema

# Render an overlay: make render ENV=prd
ENV ?= prd
render: build
	PATH=$(CURDIR)/bin:$$PATH go run sigs.k8s.io/kustomize/kustomize/v5@v5.8.0 build --enable-alpha-plugins --enable-exec overlays/$(ENV)
