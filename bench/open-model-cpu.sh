#!/usr/bin/env bash
# Benchmarks the open model's own cost per request, two builds of perfproof side by
# side: each offers RATE requests/s for DURATION s to nginx (one worker, `return
# 200`, pinned to core 1) from core 0, alternating builds round by round, and prints
# each round's achieved rate and CPU time (user + system) per request, then the
# median and range of each build and the ratio of medians. For changes to the
# driver's hot path (the schedule, one task per operation).
#
# Usage: BEFORE=path/to/perfproof AFTER=path/to/perfproof bench/open-model-cpu.sh
#        (RATE=20000 DURATION=5 ROUNDS=5 PORT=18081 to change)
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-20000}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-5}
PORT=${PORT:-18081}
: "${BEFORE:?name the build to compare against in BEFORE}" "${AFTER:?name the build to time in AFTER}"

source bench/lib.sh
scripts/install.sh --bench
work=$(mktemp -d)
start_nginx "$work" "$PORT" '        location / { return 200 "ok"; }'
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
taskset -cp 1 "$server" >/dev/null
url="http://127.0.0.1:$PORT/"

# One run: "<achieved req/s> <CPU µs per request>".
measure() {
    local out="$work/run.json"
    /usr/bin/time -o "$work/time" -f "%U %S" taskset -c 0 "$1" run --trials 1 --url "$url" --rate "$RATE" \
        -d "${DURATION}s" -q -o "$out" >/dev/null 2>&1
    python3 - "$out" $(cat "$work/time") <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["workloads"][0]["http"]["result"]
cpu_s = float(sys.argv[2]) + float(sys.argv[3])
print(f"{r['stats']['operations'] / r['duration_s']:.0f} {cpu_s / max(r['stats']['operations'], 1) * 1e6:.2f}")
PY
}

echo "==> $ROUNDS rounds of ${DURATION}s at $RATE req/s, before and after alternating, nginx at $url" >&2
printf '%-6s %14s %16s %14s %16s\n' round "before req/s" "before µs/req" "after req/s" "after µs/req"
before=() after=()
for round in $(seq "$ROUNDS"); do
    read -r br bc < <(measure "$BEFORE")
    read -r ar ac < <(measure "$AFTER")
    before+=("$bc") after+=("$ac")
    printf '%-6s %14s %16s %14s %16s\n' "$round" "$br" "$bc" "$ar" "$ac"
done
python3 - "${before[*]}" "${after[*]}" <<'PY'
import statistics, sys
b, a = ([float(x) for x in s.split()] for s in sys.argv[1:3])
mb, ma = statistics.median(b), statistics.median(a)
print(f"CPU per request: before {mb:.2f} µs [{min(b):.2f}, {max(b):.2f}], after {ma:.2f} µs [{min(a):.2f}, {max(a):.2f}]; "
      f"after/before {ma / mb:.3f}")
PY
