# Everyday commands; CI runs `make test` (via .ci/run).
.PHONY: build test test-argocd update schema render fuzz fuzz-ci bench

build:
	go build -o bin/krm-fn ./cmd/krm-fn

# The tests, including the end-to-end ones through kustomize.
test:
	KUSTOMIZE=$${KUSTOMIZE:-$$(hack/tools.sh kustomize)/kustomize} go test -count=1 ./... # e2e runs binaries go test cannot see change

# deploy/argocd/plugin.yaml in Argo CD's real argocd-cmp-server (its own
# module, tools/argocd; building argocd-cmp-server takes minutes once, then
# hack/tools.sh has it cached).
test-argocd:
	cd tools/argocd && CGO_ENABLED=0 \
		KUSTOMIZE=$${KUSTOMIZE:-$$(../../hack/tools.sh kustomize)/kustomize} \
		ARGOCD_CMP_SERVER=$${ARGOCD_CMP_SERVER:-$$(../../hack/tools.sh argocd)/argocd-cmp-server} \
		go test -count=1 ./... # it runs binaries go test cannot see change

# Rewrite the golden files after an intended change; review the diff.
update: schema
	go test ./fn ./e2e ./internal/cli -update

# Regenerate the JSON Schema of the kinds from api/v1alpha1/types.go (docs/schema.md).
schema:
	go generate ./schema

# Render an overlay: make render ENV=prd
ENV ?= prd
render: build
	PATH=$(CURDIR)/bin:$$PATH go run sigs.k8s.io/kustomize/kustomize/v5@v5.8.0 build --enable-alpha-plugins --enable-exec overlays/$(ENV)

# Fuzz every target in turn: make fuzz FUZZTIME=30m. Crashers land in
# <package>/testdata/fuzz/<target>/ and are replayed by go test from then on.
FUZZTIME ?= 10m
FUZZ_TARGETS = ./fn:FuzzDecode ./fn:FuzzServiceExposure ./fn:FuzzExposurePlatform ./fn:FuzzResourceList \
	./internal/yamlout:FuzzEncoder ./internal/yamlout:FuzzPrinter ./internal/krmio:FuzzCountNodes \
	./internal/importer:FuzzImport
fuzz:
	for t in $(FUZZ_TARGETS); do \
		go test $${t%%:*} -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s || exit 1; \
	done

# The bounded run CI does.
fuzz-ci:
	$(MAKE) fuzz FUZZTIME=20s

# Benchmarks (docs/benchmarks.md): krm-fn alone, kustomize with krm-fn, kustomize
# over the same output written by hand, krm-fn render and helm template, side by
# side on generated environments (bench/), and the Argo CD plugin through
# argocd-cmp-server (tools/argocd). Takes a while; see bench/run for flags, e.g.
# make bench BENCHFLAGS='-sizes 100 -argocd-sizes 50,200 -out /tmp/bench.md'.
bench:
	bin=$$(hack/tools.sh kustomize helm time argocd) && go run ./bench/run -kustomize $$bin/kustomize -helm $$bin/helm \
		-argocd-cmp-server $$bin/argocd-cmp-server $(BENCHFLAGS)

# The conformance suite (conformance/, a module of its own): every object the
# overlays and golden cases render, through a real kube-apiserver (server-side
# dry run), istioctl validate/analyze and the ALB controller's documented
# annotation formats; and the proof layer, istiod's configuration generation
# and the ALB controller's model builder over each rendering, request by
# request (conformance/proof). See docs/conformance.md. The first run builds
# the pinned tools (cached in ~/.cache/krm-fn/tools).
.PHONY: conformance
conformance:
	hack/tools.sh kustomize kube istioctl etcd istio-proof alb-proof >/dev/null
	cd conformance && go test -count=1 -timeout 30m -v ./...

# The release, short of publishing (docs/release.md): goreleaser checks
# .goreleaser.yaml, then builds every binary, archive and checksums.txt into
# dist/ as a tag's release would (the images need a Docker engine; the
# tag's release builds them). CI runs it.
.PHONY: release-check release-snapshot
release-check:
	$$(hack/tools.sh goreleaser)/goreleaser check
release-snapshot: release-check
	$$(hack/tools.sh goreleaser)/goreleaser release --snapshot --clean --skip=docker,publish
