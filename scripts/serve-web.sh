#!/usr/bin/env bash
# Builds the web app and serves dist/ on http://127.0.0.1:${PORT:-8080}/ to open reports in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
scripts/build-web.sh
echo "perfproof web app: http://127.0.0.1:${PORT:-8080}/ (Ctrl-C to stop)"
exec python3 -m http.server --bind 127.0.0.1 --directory dist "${PORT:-8080}"
