#!/usr/bin/env bash
# Checks that the workspace's declared rust-version is the one its dependencies
# really need: the highest rust-version any locked dependency declares (for every
# target, wasm32 included). Code of ours that needs a newer Rust than declared is
# clippy's incompatible_msrv lint, which test.sh runs with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo metadata --locked --format-version 1 | python3 -c '
import json, sys

metadata = json.load(sys.stdin)
version = lambda text: tuple(int(part) for part in text.split("."))
ours = {p["id"] for p in metadata["packages"] if p["id"] in metadata["workspace_members"]}
declared = {p["rust_version"] for p in metadata["packages"] if p["id"] in ours}
if len(declared) != 1 or None in declared:
    sys.exit(f"check-rust-version: the workspace crates declare {sorted(map(str, declared))}, not one rust-version")
declared = declared.pop()
needed = max((version(p["rust_version"]), p["name"]) for p in metadata["packages"] if p["id"] not in ours and p.get("rust_version"))
if version(declared) != needed[0]:
    found = ".".join(map(str, needed[0]))
    sys.exit(f"check-rust-version: Cargo.toml declares rust-version {declared}, but the dependencies need {found} ({needed[1]}): declare {found}")
print(f"rust-version {declared}: the highest any dependency needs ({needed[1]})")
'
