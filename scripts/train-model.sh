#!/usr/bin/env bash
# Trains the digits classifier and writes runner/models/digits.onnx and digits.json
# (scripts/train-model.py does the work). The Python packages live in a venv at
# target/model-venv, created on first use and reused after: idempotent, each package
# installed only when the venv does not already hold exactly the pinned version.
#
# Usage: scripts/train-model.sh          (PYTHON=python3.11 to choose the interpreter)
# Not part of the tests: the model files are committed, and Rust reads them as they are.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> train-model: %s\n' "$*" >&2; }

PYTHON=${PYTHON:-python3}
VENV=target/model-venv

# Pinned: a change of any of these can change the model's weights and so its accuracy.
PINS=(
    "numpy==2.4.6"
    "scipy==1.17.1"
    "scikit-learn==1.9.1"
    "skl2onnx==1.20.0"
    "onnx==1.23.2"
    "onnxruntime==1.32.0"
)

if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV with $($PYTHON --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi

# Installs only when a pin is not met; `pip freeze` names packages as installed.
missing=()
installed=$("$VENV/bin/python" -m pip freeze 2>/dev/null | tr '[:upper:]_' '[:lower:]-')
for pin in "${PINS[@]}"; do
    if ! grep -qx "$(printf '%s' "$pin" | tr '[:upper:]_' '[:lower:]-')" <<<"$installed"; then
        missing+=("$pin")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "pip install ${missing[*]}"
    "$VENV/bin/python" -m pip install --quiet "${PINS[@]}"
else
    log "$VENV already holds the pinned versions"
fi

log "training (nice -n 10)"
nice -n 10 "$VENV/bin/python" scripts/train-model.py "$@"
