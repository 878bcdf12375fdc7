#!/usr/bin/env bash
# Runs every test of perfproof, from a fresh machine: installs what is missing, then
# formatting, lints (native and wasm32), native tests, wasm tests, the release web build
# and the browser tests against it (with the runner's debug build).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step says how long the run has taken so far, so a slow step shows.
started=$SECONDS
step() { printf '\n==> [%dm%02ds] %s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)) "$*" >&2; }

step "install tools"
scripts/install.sh

step "services the tests measure (PostgreSQL, MariaDB), started if down"
scripts/services.sh

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (native)"
cargo clippy --locked --workspace --exclude perfproof-web --all-targets -- -D warnings

step "cargo clippy (wasm32: shared and web; benchmarks are native only)"
cargo clippy --locked -p perfproof-web --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --locked -p perfproof-shared --target wasm32-unknown-unknown --lib --tests -- -D warnings

step "rustdoc: every intra-doc link resolves (warnings are errors); the declared rust-version"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --document-private-items --workspace
scripts/check-rust-version.sh

step "native tests"
cargo test --locked --workspace --exclude perfproof-web
# The web app's model on its own: in one command with the workspace, cargo would unify
# the dependencies' features with the web app's and build them all a second time.
cargo test --locked -p perfproof-web

step "wasm tests (shared, under wasm-bindgen-test-runner)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --locked -p perfproof-shared --target wasm32-unknown-unknown --test wasm

step "Kubernetes manifests (deploy/kubernetes) against the Kubernetes API schemas"
target/tools-venv/bin/kubernetes-validate --strict --quiet deploy/kubernetes/*.yaml

step "release build of the web app, and the page in the binary (runner/page/) is that build"
scripts/build-web.sh
if ! diff -r dist runner/page >/dev/null; then
    diff -rq dist runner/page >&2 || true
    echo "runner/page/ is not the page this tree builds: run scripts/build-page.sh and commit runner/page/" >&2
    exit 1
fi

# The browser tests make their reports with the runner the native tests built
# (target/debug/perfproof): they check what the page shows of a report, not how fast
# the runner is, and a release build of the runner would add minutes to a fresh
# machine's run.
step "browser tests (headless Chromium)"
(cd tests/e2e && npm test)

step "all tests passed"
