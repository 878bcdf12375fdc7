#!/usr/bin/env bash
# The in-process ML backend's harness overhead counted in instructions (callgrind),
# which, unlike seconds, do not depend on what else the machine is doing: the same
# binary and inputs give the same count. For batch sizes 1 and 32, runs the
# ml_in_process benchmark's counted mode (tract called directly in a loop, then
# perfproof's in_process backend on the engine, on the same batches) for FEW and
# MANY batches; the difference between the two counts is the cost of MANY − FEW
# batches without the start-up (loading and planning the model, starting the
# engine). Prints instructions per sample of each and their ratio, perfproof over
# tract (target: at most 1.05, i.e. within 5 %).
#
# Usage: bench/ml-in-process-instructions.sh     (FEW=100 MANY=500 to change)
set -euo pipefail
cd "$(dirname "$0")/.."

FEW=${FEW:-100}
MANY=${MANY:-500}

scripts/install.sh --bench
bench=$(cargo bench --locked --profile release -p perfproof --bench ml_in_process --no-run --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*ml_in_process[^"]*"' | tail -1 | cut -d'"' -f4)
[ -x "$bench" ] || { echo "could not build the ml_in_process benchmark" >&2; exit 1; }

# Instructions the whole process executed (every thread): MODE BATCH OPERATIONS.
instructions() {
    MODE=$1 BATCH=$2 OPERATIONS=$3 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-6s %-10s %16s %16s %14s\n' batch backend "instr ($FEW)" "instr ($MANY)" "per sample"
for batch in 1 32; do
    declare -A per_sample=()
    for mode in direct harness; do
        few=$(instructions "$mode" "$batch" "$FEW")
        many=$(instructions "$mode" "$batch" "$MANY")
        per_sample[$mode]=$(( (many - few) / ((MANY - FEW) * batch) ))
        name=$([ "$mode" = direct ] && echo tract || echo perfproof)
        printf '%-6s %-10s %16s %16s %14s\n' "$batch" "$name" "$few" "$many" "${per_sample[$mode]}"
    done
    awk -v b="$batch" -v d="${per_sample[direct]}" -v h="${per_sample[harness]}" 'BEGIN {
        printf "batch %s: perfproof / tract instructions per sample %.3f (overhead %+.1f %%; target within 5 %%)\n", b, h / d, (h / d - 1) * 100 }'
done
