#!/usr/bin/env bash
# Benchmarks perfproof's closed-model HTTP load beside wrk, on loopback, against the
# same minimal server (`perfproof serve`, GET /health) with the same connection
# count, and prints the throughput ratio. Then checks that memory stays flat in run
# length: peak RSS of a run 10x longer, as a ratio.
#
# Usage: bench/http-vs-wrk.sh            (CONNS=32 DURATION=10 PORT=18080 to change)
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-32}
DURATION=${DURATION:-10}
PORT=${PORT:-18080}
THREADS=${THREADS:-2}

if ! command -v wrk >/dev/null || [ ! -x /usr/bin/time ]; then
    echo "==> installing wrk and time (Debian packages)" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk time
fi
cargo build --release --locked -p perfproof >&2
bin=target/release/perfproof
work=$(mktemp -d)

"$bin" serve --port "$PORT" --profile optimized >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done
url="http://127.0.0.1:$PORT/health"

echo "==> wrk: $THREADS threads, $CONNS connections, ${DURATION}s, $url" >&2
wrk_rps=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" "$url" | awk '/^Requests\/sec:/ { print $2 }')

echo "==> perfproof: $CONNS users, ${DURATION}s, $url" >&2
"$bin" run --url "$url" -c "$CONNS" -d "${DURATION}s" -q -o "$work/bench.json" >/dev/null
pp_rps=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['workloads'][0]['http']['throughput_rps'])" "$work/bench.json")

ratio=$(python3 -c "print(f'{$pp_rps / $wrk_rps:.2f}')")
printf '\nthroughput  wrk %.0f req/s   perfproof %.0f req/s   ratio %sx (target >= 0.8x)\n' "$wrk_rps" "$pp_rps" "$ratio"

short=$((DURATION / 2 > 0 ? DURATION / 2 : 1))
long=$((short * 10))
echo "==> peak RSS: ${short}s run vs ${long}s run" >&2
rss() { /usr/bin/time -f %M "$bin" run --url "$url" -c "$CONNS" -d "$1s" -q -o "$work/rss.json" 2>&1 >/dev/null | tail -n1; }
rss_short=$(rss "$short")
rss_long=$(rss "$long")
printf 'peak RSS    %ss run %s KiB   %ss run %s KiB   ratio %s (target within 1.10)\n' \
    "$short" "$rss_short" "$long" "$rss_long" "$(python3 -c "print(f'{$rss_long / $rss_short:.3f}')")"
