#!/usr/bin/env bash
# Builds the web app (scripts/build-web.sh) and puts it in runner/page/, the page that
# `perfproof view` serves from the binary. Run it after a change to web/, shared/ or
# static/, and commit runner/page/ with the change: scripts/test.sh fails when
# runner/page/ is not the page the tree builds. (Why the page is committed rather than
# built by a build script: ARCHITECTURE.md, runner.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build-web.sh
rm -rf runner/page
cp -r dist runner/page
echo "build-page: runner/page/ holds the page ($(du -sh runner/page | cut -f1)); commit it" >&2
