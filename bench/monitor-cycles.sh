#!/usr/bin/env bash
# Benchmarks `perfproof monitor` over many cycles against the embedded demo service:
# short probes (50 ms at 40 req/s) back to back, CYCLES cycles (default 1000), the
# history rotated to 50 reports. Prints the resident memory after the first 100
# cycles and at the last, as a ratio (memory must stay flat: target within 1.10),
# and the cycle's own overhead, everything but the probe (analysis, report and
# logs written, rotation, /metrics updated), from cycles.jsonl: median, p95 and max
# (target under 50 ms).
#
# Usage: bench/monitor-cycles.sh   (CYCLES=1000 to change; PERFPROOF=path/to/perfproof
#                                   to time another build)
set -euo pipefail
cd "$(dirname "$0")/.."

CYCLES=${CYCLES:-1000}
if [ -z "${PERFPROOF:-}" ]; then
    cargo build --release --locked -p perfproof >&2
    PERFPROOF=target/release/perfproof
fi
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$PERFPROOF" monitor --workloads http --every 1ms --probe 50ms --rate 40 --cycles "$CYCLES" --keep 50 \
    --metrics-addr 127.0.0.1:0 --history-dir "$work/history" -q >"$work/out.log" 2>"$work/err.log" &
pid=$!
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0; }
cycles_done() { wc -l <"$work/history/cycles.jsonl" 2>/dev/null || echo 0; }

early=0
last=0
while kill -0 "$pid" 2>/dev/null; do
    done_now=$(cycles_done)
    if [ "$early" = 0 ] && [ "$done_now" -ge 100 ]; then early=$(rss); fi
    if [ "$done_now" -ge $((CYCLES - 5)) ]; then now=$(rss); [ "$now" -gt 0 ] && last=$now; fi
    sleep 0.2
done
wait "$pid"
python3 - "$work/history/cycles.jsonl" "$early" "$last" "$CYCLES" <<'PY'
import json, sys
path, early, last, cycles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = [json.loads(line) for line in open(path)]
assert len(rows) == cycles, f"{len(rows)} cycles logged, not {cycles}"
overhead = sorted(r["overhead_ms"] for r in rows)
at = lambda q: overhead[min(len(overhead) - 1, int(q * len(overhead)))]
print(f"cycles        {len(rows)}")
print(f"RSS           after 100 cycles {early} KiB, after {cycles} {last} KiB, ratio {last / early:.3f} (target within 1.10)")
print(f"overhead/cycle median {at(0.5):.2f} ms, p95 {at(0.95):.2f} ms, max {overhead[-1]:.2f} ms (target under 50 ms)")
PY
