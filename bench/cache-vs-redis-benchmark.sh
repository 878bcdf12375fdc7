#!/usr/bin/env bash
# Benchmarks perfproof's cache workload beside redis-benchmark on the same Redis
# (127.0.0.1:6379): GETs of 100-byte values over 10,000 keys drawn uniformly,
# CLIENTS clients with a connection each and no pipelining (redis-benchmark -P 1;
# perfproof: one connection per user, one call in flight on it). perfproof's cache
# is prefilled and read only, so every operation is one GET that hits; its
# redis-benchmark counterpart SETs the keys first (-t set,get) and reports GET
# requests per second. Rounds alternate the two tools; the ratio is perfproof's
# operations/s over redis-benchmark's GET requests/s.
#
# Usage: bench/cache-vs-redis-benchmark.sh   (CLIENTS=16 DURATION=10 ROUNDS=3 to change;
#                                             PERFPROOF=path/to/perfproof to time another build)
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-16}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
KEYS=10000

scripts/services.sh
source bench/lib.sh
use_perfproof
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/get.toml" <<TOML
[cache]
name = "get"
url = "redis://127.0.0.1:6379"
key_prefix = "perfproof:bench:"
keys = $KEYS
value_bytes = 100
distribution = "uniform"     # as redis-benchmark -r draws keys
write_percent = 0
start = "prefilled"          # every GET hits, as after redis-benchmark's SETs
connections = $CLIENTS
[cache.load]
users = $CLIENTS
warmup = "1s"
TOML

redis_benchmark_get() {
    # About as many GETs as perfproof makes in DURATION seconds at 60,000/s.
    # In database 15, so that its `key:…` keys stay apart from everyone's (removed at the end).
    redis-benchmark -h 127.0.0.1 -p 6379 --dbnum 15 -c "$CLIENTS" -P 1 -d 100 -r "$KEYS" -n $((DURATION * 60000)) \
        -t set,get --csv 2>/dev/null | awk -F'"' '$2 == "GET" { print $4 }'
}
perfproof_get() {
    "$PERFPROOF" run --trials 1 -f "$work/get.toml" -d "${DURATION}s" -q -o "$work/bench.json" >/dev/null
    python3 - "$work/bench.json" <<'PY'
import json, sys
cache = json.load(open(sys.argv[1]))["workloads"][0]["cache"]
stats = cache["cache"]
assert stats["misses"] == 0 and stats["fallbacks"] == 0, f"not every GET hit: {stats['misses']} misses, {stats['fallbacks']} fallbacks"
print(cache["result"]["throughput_per_s"])
PY
}

echo "==> $ROUNDS rounds: redis-benchmark -t get and perfproof, $CLIENTS clients, no pipelining" >&2
printf '%-6s %18s %16s %8s\n' round "redis-benchmark/s" "perfproof ops/s" ratio
ratios=()
for round in $(seq "$ROUNDS"); do
    r=$(redis_benchmark_get); p=$(perfproof_get)
    ratio=$(python3 -c "print(f'{$p / $r:.2f}')")
    ratios+=("$ratio")
    printf '%-6s %18.0f %16.0f %7sx\n' "$round" "$r" "$p" "$ratio"
done
redis-cli -h 127.0.0.1 -p 6379 -n 15 --scan --pattern 'key:*' | xargs -r redis-cli -h 127.0.0.1 -p 6379 -n 15 unlink >/dev/null
echo "perfproof / redis-benchmark per round: ${ratios[*]} (target >= 1.0x, floor 0.8x)"
