#!/usr/bin/env bash
# Benchmarks perfproof's closed-model HTTP load beside wrk, on loopback, against
# nginx (one worker, keep-alive, `return 200`): the fastest server at hand, so the
# load generators' own cost shows rather than the server's. Each round runs wrk and
# perfproof at 1 and 2 threads, alternating; the ratio compares each tool at its best
# thread count. Then checks that memory stays flat in run length: peak RSS of a run
# 10x longer, as a ratio.
#
# Usage: bench/http-vs-wrk.sh     (CONNS=32 DURATION=5 ROUNDS=3 PORT=18080 to change;
#                                  PERFPROOF=path/to/perfproof to time another build)
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-32}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18080}

source bench/lib.sh
scripts/install.sh --bench
use_perfproof
work=$(mktemp -d)
start_nginx "$work" "$PORT" '        location / { return 200 "ok"; }'
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
url="http://127.0.0.1:$PORT/"

wrk_rps() { wrk -t"$1" -c"$CONNS" -d"${DURATION}s" "$url" | awk '/^Requests\/sec:/ { print $2 }'; }
perfproof_rps() {
    "$PERFPROOF" run --trials 1 --url "$url" -c "$CONNS" -d "${DURATION}s" --threads "$1" -q -o "$work/bench.json" >/dev/null 2>&1
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['workloads'][0]['http']['result']['throughput_per_s'])" \
        "$work/bench.json"
}

echo "==> $ROUNDS rounds: wrk and perfproof at 1 and 2 threads, $CONNS connections, ${DURATION}s each, nginx at $url" >&2
printf '%-6s %12s %12s %14s %14s %8s\n' round "wrk -t1" "wrk -t2" "perfproof t1" "perfproof t2" ratio
ratios=()
for round in $(seq "$ROUNDS"); do
    w1=$(wrk_rps 1); p1=$(perfproof_rps 1); w2=$(wrk_rps 2); p2=$(perfproof_rps 2)
    ratio=$(python3 -c "print(f'{max($p1, $p2) / max($w1, $w2):.2f}')")
    ratios+=("$ratio")
    printf '%-6s %12.0f %12.0f %14.0f %14.0f %7sx\n' "$round" "$w1" "$w2" "$p1" "$p2" "$ratio"
done
echo "best perfproof / best wrk per round: ${ratios[*]} (target >= 1.0x, floor 0.8x)"

short=$((DURATION > 1 ? DURATION : 2))
long=$((short * 10))
echo "==> peak RSS: ${short}s run vs ${long}s run" >&2
rss() { /usr/bin/time -f %M "$PERFPROOF" run --trials 1 --url "$url" -c "$CONNS" -d "$1s" -q -o "$work/rss.json" 2>&1 >/dev/null | tail -n1; }
rss_short=$(rss "$short")
rss_long=$(rss "$long")
printf 'peak RSS    %ss run %s KiB   %ss run %s KiB   ratio %s (target within 1.10)\n' \
    "$short" "$rss_short" "$long" "$rss_long" "$(python3 -c "print(f'{$rss_long / $rss_short:.3f}')")"
