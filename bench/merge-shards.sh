#!/usr/bin/env bash
# Benchmarks `perfproof merge` on the shards of a distributed run shaped like a
# 10-minute one: a real run's report stretched to 600 timeline seconds and 20
# windows of 30 s, copied into N shards of one run group. Prints the merge time
# and the peak RSS for 10 and for 100 shards: memory must stay bounded by one
# report plus the accumulators, not grow with the shard count.
#
# Usage: bench/merge-shards.sh     (SHARDS=100 to change)
set -euo pipefail
cd "$(dirname "$0")/.."

SHARDS=${SHARDS:-100}
scripts/install.sh --bench >/dev/null
cargo build --release --locked -p perfproof >&2
bin=target/release/perfproof
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> one real 20 s run of the embedded service, stretched to a 10-minute shape" >&2
"$bin" run -d 20s -c 8 -q -o "$work/run.json" >/dev/null 2>&1
python3 - "$work" "$SHARDS" <<'PY'
import copy, json, os, sys, uuid
work, shards = sys.argv[1], int(sys.argv[2])
run = json.load(open(os.path.join(work, "run.json")))
result = run["workloads"][0]["http"]["result"]
points = result["timeline"]
result["timeline"] = [dict(points[i % len(points)], second=i) for i in range(600)]
windows = result["windows"]
result["windows"] = [dict(windows[i % len(windows)], index=i, duration_s=30.0) for i in range(20)]
result["window_s"] = 30.0
result["duration_s"] = 600.0
for count in (10, shards):
    folder = os.path.join(work, f"shards-{count}")
    os.makedirs(folder)
    for index in range(count):
        shard = copy.deepcopy(run)
        shard["run"]["run_id"] = str(uuid.uuid4())
        shard["run"]["shard"] = {"group": "bench", "index": index, "count": count, "start_at": None, "start_lag_ms": None}
        json.dump(shard, open(os.path.join(folder, f"shard-{index:03}.json"), "w"))
print(f"shard report: {os.path.getsize(os.path.join(work, f'shards-{shards}', 'shard-000.json')) // 1024} KiB", file=sys.stderr)
PY
for count in 10 "$SHARDS"; do
    start=$(date +%s.%N)
    rss=$( { /usr/bin/time -f %M "$bin" merge "$work/shards-$count" -o "$work/merged-$count.json" >/dev/null; } 2>&1 | tail -n1)
    end=$(date +%s.%N)
    printf 'merge %3d shards: %.2f s, peak RSS %s KiB\n' "$count" "$(python3 -c "print($end - $start)")" "$rss"
done
echo "target: 100 shards under 1 s; peak RSS about the same for 10 and 100 shards"
