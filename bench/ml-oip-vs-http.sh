#!/usr/bin/env bash
# Benchmarks the ML workload's Open Inference Protocol client beside the HTTP
# workload on the same trivial OIP endpoint: nginx (one worker, keep-alive) answers
# readiness, the digits model's metadata, and every POST /v2/models/digits/infer
# with a fixed valid answer for one sample (`return 200`), so the clients' own cost
# shows rather than a model's. perfproof's ml workload (batch size 1, each answer
# parsed and checked) and its http workload (the same POST and body, the answer
# counted) run alternately, closed model, same users and threads; the ratio is
# ml requests/s over http requests/s (target >= 0.9x), per round and its median.
#
# On a machine of two or more cores, nginx is pinned to the last core and the load
# generator (one load thread) to the first, so neither competes with the other for
# a core and the generator's own cost per request sets the rate (PIN=0: unpinned,
# THREADS load threads).
#
# Usage: bench/ml-oip-vs-http.sh     (CONNS=32 DURATION=5 ROUNDS=5 THREADS=2 PIN=1 PORT=18081 to change;
#                                     PERFPROOF=path/to/perfproof to time another build)
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-32}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-5}
THREADS=${THREADS:-2}
PIN=${PIN:-1}
PORT=${PORT:-18081}

source bench/lib.sh
scripts/install.sh --bench
use_perfproof
work=$(mktemp -d)
metadata='{"name":"digits","versions":["1"],"platform":"onnx_tract","inputs":[{"name":"input","datatype":"FP32","shape":[-1,64]}],"outputs":[{"name":"label","datatype":"INT64","shape":[-1]},{"name":"probabilities","datatype":"FP32","shape":[-1,10]}]}'
answer='{"model_name":"digits","model_version":"1","outputs":[{"name":"label","datatype":"INT64","shape":[1],"data":[3]},{"name":"probabilities","datatype":"FP32","shape":[1,10],"data":[0.01,0.01,0.01,0.91,0.01,0.01,0.01,0.01,0.01,0.01]}]}'
start_nginx "$work" "$PORT" "        location = /v2/health/ready { return 200 \"\"; }
        location = /v2/models/digits/ready { return 200 \"\"; }
        location = /v2/models/digits { return 200 '$metadata'; }
        location = /v2/models/digits/infer { return 200 '$answer'; }"
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$PORT"
for _ in $(seq 50); do curl -fs "$base/v2/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
client=()
last=$(($(nproc) - 1))
if [ "$PIN" = 1 ] && [ "$last" -ge 1 ]; then
    for pid in $server $(pgrep -P "$server"); do taskset -cp "$last" "$pid" >/dev/null; done
    client=(taskset -c 0)
    THREADS=1
fi

# One held-out-like sample of 64 values, the body both workloads send.
data=$(python3 -c "print(', '.join(str((i * 7) % 17) + '.0' for i in range(64)))")
cat >"$work/ml.toml" <<TOML
[ml]
batch_sizes = [1]
TOML
cat >"$work/http.toml" <<TOML
[http]
[[http.endpoints]]
name = "infer"
method = "POST"
path = "/v2/models/digits/infer"
body = { inputs = [{ name = "input", shape = [1, 64], datatype = "FP32", data = [$data] }] }
TOML

rate() { # kind, then the run's flags
    local kind=$1
    shift
    "${client[@]}" "$PERFPROOF" run --trials 1 "$@" -c "$CONNS" -d "${DURATION}s" -w 1s --threads "$THREADS" -q -o "$work/$kind.json" >/dev/null 2>&1
    python3 - "$work/$kind.json" "$kind" <<'PY'
import json, sys
workload = json.load(open(sys.argv[1]))["workloads"][0][sys.argv[2]]
stats = workload["result"]["stats"]
assert stats["successes"] > 0 and not any(stats["errors"].values()), stats["errors"]
print(workload["result"]["throughput_per_s"])
PY
}

pinned=$([ ${#client[@]} -gt 0 ] && echo "nginx on core $last, the generator on core 0" || echo "unpinned")
echo "==> $ROUNDS rounds: the ml workload (B=1) and the http workload, $CONNS users, $THREADS threads, ${DURATION}s each, nginx at $base, $pinned" >&2
printf '%-6s %14s %14s %8s\n' round "ml req/s" "http req/s" ratio
ratios=()
for round in $(seq "$ROUNDS"); do
    ml=$(rate ml -f "$work/ml.toml" --workloads ml --ml-url "$base")
    http=$(rate http -f "$work/http.toml" --workloads http --url "$base")
    ratio=$(python3 -c "print(f'{$ml / $http:.2f}')")
    ratios+=("$ratio")
    printf '%-6s %14.0f %14.0f %7sx\n' "$round" "$ml" "$http" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }')
echo "ml (OIP client) / http workload per round: ${ratios[*]}; median ${median}x (target >= 0.9x)"
