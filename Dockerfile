# syntax=docker/dockerfile:1
# perfproof as a small container image, for distributed runs (deploy/kubernetes/):
# a static binary (musl) on distroless, running as a non-root user. The binary carries
# the web page (runner/page/), so the image serves it too:
#   docker build -t perfproof:latest .
#   docker run --rm -p 8080:8080 -v "$PWD/results:/reports:ro" perfproof:latest view /reports --addr 0.0.0.0:8080
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p perfproof --target x86_64-unknown-linux-musl \
 && cp target/x86_64-unknown-linux-musl/release/perfproof /perfproof

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /perfproof /perfproof
USER 65532:65532
ENTRYPOINT ["/perfproof"]
