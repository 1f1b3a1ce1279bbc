# Two images, both static and non-root (see docs/argocd.md and the README):
#
#   docker build -t krm-fn .
#     The container function (the last stage, the default target). Use it
#     in a function config with
#       config.kubernetes.io/function: |
#         container:
#           image: <your registry>/krm-fn
#     or as an init container that copies the binary elsewhere:
#       args: [install, /custom-tools]
#
#   docker build --target argocd-cmp -t krm-fn-argocd-cmp .
#     The Argo CD config management plugin sidecar: krm-fn (kustomize is
#     built into it) and deploy/argocd/plugin.yaml, run as UID 999 with Argo CD's
#     argocd-cmp-server (from the repo-server pod) as entrypoint.
#
# The release (.goreleaser.yaml, docs/release.md) builds both from the
# binaries it built for each platform: --build-arg KRMFN_BINARY=prebuilt,
# with linux/<arch>/krm-fn in the context.
ARG KRMFN_BINARY=build
ARG VERSION=""

FROM golang:1.26.8 AS build
ARG VERSION
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download
COPY api ./api
COPY cmd ./cmd
COPY fn ./fn
COPY internal ./internal
COPY schema ./schema
RUN go build -trimpath -ldflags "-s -w -X github.com/krmfn/krm-fn/internal/cli.version=${VERSION}" -o /out/krm-fn ./cmd/krm-fn

FROM scratch AS prebuilt
ARG TARGETPLATFORM
COPY ${TARGETPLATFORM}/krm-fn /out/krm-fn

FROM ${KRMFN_BINARY} AS binary

FROM gcr.io/distroless/static-debian12:nonroot AS argocd-cmp
COPY --from=binary /out/krm-fn /usr/local/bin/
COPY deploy/argocd/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
ENV HOME=/home/argocd
WORKDIR /home/argocd
# argocd-cmp-server's convention: the plugin runs as Argo CD's user, 999.
USER 999:999
ENTRYPOINT ["/var/run/argocd/argocd-cmp-server"]

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=binary /out/krm-fn /usr/local/bin/krm-fn
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/krm-fn"]
