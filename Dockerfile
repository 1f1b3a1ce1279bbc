# The krm-fn container function: a static, non-root binary.
#   docker build -t krm-fn .
# Use it in a function config with
#   config.kubernetes.io/function: |
#     container:
#       image: krm-fn
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY fn ./fn
RUN CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o /krm-fn ./cmd/krm-fn

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /krm-fn /usr/local/bin/krm-fn
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/krm-fn"]
