#!/usr/bin/env bash
# Benchmarks `perfproof monitor` over many cycles against the embedded demo service:
# short probes (50 ms at 40 req/s) back to back, CYCLES cycles (default 1000), the
# history rotated to 50 reports, the export window 10 s (memory holds the window's
# metric values: at the default hour and --every 1m, 60 cycles' worth). Prints the mean
# resident memory over cycles 100-300 and over the last 200, as a ratio (memory must
# stay flat: target within 1.10),
# and the cycle's own overhead, everything but the probe (analysis, report and
# logs written, rotation, /metrics updated), from cycles.jsonl: median, p95 and max
# (target under 50 ms).
#
# Usage: bench/monitor-cycles.sh   (CYCLES=1000 to change; PERFPROOF=path/to/perfproof
#                                   to time another build)
set -euo pipefail
cd "$(dirname "$0")/.."

CYCLES=${CYCLES:-1000}
source bench/lib.sh
use_perfproof
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$PERFPROOF" monitor --workloads http --every 1ms --probe 50ms --rate 40 --cycles "$CYCLES" --keep 50 \
    --export-every 10s \
    --metrics-addr 127.0.0.1:0 --history-dir "$work/history" -q >"$work/out.log" 2>"$work/err.log" &
pid=$!
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0; }
cycles_done() { if [ -f "$work/history/cycles.jsonl" ]; then wc -l <"$work/history/cycles.jsonl"; else echo 0; fi; }

# (cycles done, RSS in KiB), every 0.2 s.
: >"$work/rss"
while kill -0 "$pid" 2>/dev/null; do
    echo "$(cycles_done) $(rss)" >>"$work/rss"
    sleep 0.2
done
wait "$pid"
python3 - "$work/history/cycles.jsonl" "$work/rss" "$CYCLES" <<'PY'
import json, sys
path, samples, cycles = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [json.loads(line) for line in open(path)]
rss = [tuple(map(int, line.split())) for line in open(samples) if len(line.split()) == 2]
rss = [(c, kib) for c, kib in rss if kib > 0]
mean = lambda xs: sum(xs) / len(xs)
# Resident memory moves a few MiB up and down as the allocator reuses memory: means
# over a stretch of cycles, early against late, show whether it grows with cycles.
early = mean([kib for c, kib in rss if 100 <= c < 300])
last = mean([kib for c, kib in rss if c >= cycles - 200])
assert len(rows) == cycles, f"{len(rows)} cycles logged, not {cycles}"
overhead = sorted(r["overhead_ms"] for r in rows)
at = lambda q: overhead[min(len(overhead) - 1, int(q * len(overhead)))]
print(f"cycles        {len(rows)}")
print(f"RSS           mean over cycles 100-300 {early:.0f} KiB, over the last 200 {last:.0f} KiB, ratio {last / early:.3f} (target within 1.10)")
print(f"overhead/cycle median {at(0.5):.2f} ms, p95 {at(0.95):.2f} ms, max {overhead[-1]:.2f} ms (target under 50 ms)")
PY
