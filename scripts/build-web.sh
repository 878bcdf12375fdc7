#!/usr/bin/env bash
# Builds the web app (release, with the size-optimized `web` Cargo profile; offline:
# the wasm-bindgen on PATH is used) into dist/.
set -euo pipefail
cd "$(dirname "$0")/../web"
trunk build --release --offline --cargo-profile web
