# syntax=docker/dockerfile:1
# perfproof as a small container image, for distributed runs (deploy/kubernetes/):
# a static binary (musl) on distroless, running as a non-root user.
#   docker build -t perfproof:latest .
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
