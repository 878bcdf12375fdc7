#!/usr/bin/env bash
# Builds the web app (release, offline: the wasm-bindgen on PATH is used) into dist/.
set -euo pipefail
cd "$(dirname "$0")/../web"
trunk build --release --offline
