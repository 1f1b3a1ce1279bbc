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
FROM golang:1.26.8 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download
COPY api ./api
COPY cmd ./cmd
COPY fn ./fn
COPY internal ./internal
RUN go build -trimpath -ldflags '-s -w' -o /out/krm-fn ./cmd/krm-fn

FROM gcr.io/distroless/static-debian12:nonroot AS argocd-cmp
COPY --from=build /out/krm-fn /usr/local/bin/
COPY deploy/argocd/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
ENV HOME=/home/argocd
WORKDIR /home/argocd
# argocd-cmp-server's convention: the plugin runs as Argo CD's user, 999.
USER 999:999
ENTRYPOINT ["/var/run/argocd/argocd-cmp-server"]

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/krm-fn /usr/local/bin/krm-fn
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/krm-fn"]
