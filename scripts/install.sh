#!/usr/bin/env bash
# Installs everything perfproof's build and tests need on a fresh machine.
# Idempotent: each step checks what is already there, at the right version, and skips it.
#
# Usage: scripts/install.sh            what the build and the tests need
#        scripts/install.sh --bench    also the benchmarks' tools (nginx, wrk, GNU time)
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH=false
[ "${1:-}" = "--bench" ] && BENCH=true

log() { printf '==> install: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

TRUNK_VERSION=0.21.14
PLAYWRIGHT_DIR=tests/e2e

# Rust's wasm32 target, for shared and the web app.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi

# trunk builds the web app; 0.22 needs a newer rustc than ours.
if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
    log "cargo install trunk $TRUNK_VERSION"
    cargo install --locked trunk --version "$TRUNK_VERSION" || cargo install --force trunk --version "$TRUNK_VERSION"
fi

# wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock: trunk only uses a
# wasm-bindgen on PATH at that version. Installed without --locked: the crates index here
# lacks a version its lock file wants.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$WASM_BINDGEN_VERSION" ]; then
    echo "install: cannot find the wasm-bindgen version in Cargo.lock" >&2
    exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# Debian packages: the browser for the end-to-end tests; Prometheus (its promtool checks
# the monitor's /metrics, and the monitor test has a real server scrape it); for
# benchmarks, nginx (the fastest server at hand, so the load generator's own cost
# shows), wrk, GNU time and valgrind (callgrind counts instructions).
packages=(chromium chromium-driver prometheus)
$BENCH && packages+=(nginx-light wrk time valgrind)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    as_root apt-get update -qq
    # Prometheus without its recommended node exporter, which would start a daemon.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" prometheus-node-exporter-
fi

# npm packages of the browser tests (playwright-core only: it drives Debian's chromium,
# and no browser is ever downloaded).
wanted=$(node -p "require('./$PLAYWRIGHT_DIR/package.json').devDependencies['playwright-core']")
have=$(node -p "try { require('./$PLAYWRIGHT_DIR/node_modules/playwright-core/package.json').version } catch { '' }")
if [ "$wanted" != "$have" ]; then
    log "npm ci in $PLAYWRIGHT_DIR"
    (cd "$PLAYWRIGHT_DIR" && npm ci --no-audit --no-fund)
fi

# kubernetes-validate (PyPI), which ships the Kubernetes API schemas, checks the
# manifests in deploy/kubernetes offline; in a virtualenv of the project's own.
KUBE_VALIDATE_VERSION=1.37.0
TOOLS_VENV=target/tools-venv
if [ "$("$TOOLS_VENV/bin/kubernetes-validate" --version 2>/dev/null | awk '{ print $NF }')" != "$KUBE_VALIDATE_VERSION" ]; then
    log "pip install kubernetes-validate $KUBE_VALIDATE_VERSION into $TOOLS_VENV"
    python3 -m venv "$TOOLS_VENV"
    "$TOOLS_VENV/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBE_VALIDATE_VERSION"
fi

log "all tools present"
