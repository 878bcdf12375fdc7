#!/usr/bin/env bash
# Browser benchmark of the web app: from dropping two full reports (both demo
# profiles, every embedded workload) to the rendered comparison with charts, in
# headless Chromium against the release build; prints each round, the median
# (target under 200 ms) and the wasm's gzipped size (target under 600 KB).
#
# Usage: bench/web-render.sh     (ROUNDS=11 to change; PERFPROOF=path/to/perfproof
#                                 to make the reports with another build)
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
scripts/install.sh
use_perfproof
scripts/build-web.sh >&2
cd tests/e2e
PERFPROOF_BIN="$(cd ../.. && realpath "$PERFPROOF")" node bench-render.mjs
