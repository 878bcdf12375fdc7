#!/usr/bin/env bash
# Benchmarks the capacity search beside a fixed sweep of rates reaching the same
# resolution, on a service of known capacity: a Python HTTP server on loopback
# whose WORKERS workers each hold a request for SERVICE_MS (4 x 10 ms: 400 req/s,
# a little under for the server's own cost). Both start from START req/s (half the
# capacity, where `run --capacity` starts from a first measurement) with the same
# probes (5 s after 1 s of warm-up) and the same judge, to 5 %: the search doubles
# the rate until a probe fails, then bisects; the sweep grows it 5 % a probe
# (`growth_percent = 5`) until one fails. Rounds alternate the two; the server is
# pinned to core 0 and perfproof to core 1. Prints each round's probes, the probes'
# time (warm-ups included), the wall time of the run (a 1 s measurement, then the
# search) and perfproof's CPU, then the medians with their ranges and the ratios.
#
# Usage: bench/capacity-search.sh   (ROUNDS=3 WORKERS=4 SERVICE_MS=10 START=200
#                                    PORT=18090 to change; PERFPROOF=path to time
#                                    another build)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
WORKERS=${WORKERS:-4}
SERVICE_MS=${SERVICE_MS:-10}
START=${START:-200}
PORT=${PORT:-18090}

source bench/lib.sh
use_perfproof
work=$(mktemp -d)
cat >"$work/server.py" <<'PY'
import http.server, sys, threading, time
port, workers, service = int(sys.argv[1]), threading.Semaphore(int(sys.argv[2])), float(sys.argv[3]) / 1e3
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        with workers:
            time.sleep(service)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 4096
Server(("127.0.0.1", port), Handler).serve_forever()
PY
taskset -c 0 python3 "$work/server.py" "$PORT" "$WORKERS" "$SERVICE_MS" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.1; done

# One search with the given growth; prints "probes probe_seconds wall_seconds cpu_seconds pass fail".
search() {
    cat >"$work/scenario.toml" <<TOML
[http]
base_url = "http://127.0.0.1:$PORT"
[http.capacity]
start_rate = $START
growth_percent = $1
max_probes = 64
budget = "15m"
TOML
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$work/cpu" taskset -c 1 "$PERFPROOF" run -f "$work/scenario.toml" \
        -d 1s --trials 1 -q -o "$work/report.json" >/dev/null 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
    end=$(date +%s.%N)
    python3 - "$work/report.json" "$start" "$end" "$work/cpu" <<'PY'
import json, sys
search = json.load(open(sys.argv[1]))["workloads"][0]["http"]["result"]["capacity"]
probes = search["probes"]
probe_s = sum(p["duration_s"] for p in probes) + len(probes) * 1.0
user, system = map(float, open(sys.argv[4]).read().split()[-2:])
print(len(probes), f"{probe_s:.0f}", f"{float(sys.argv[3]) - float(sys.argv[2]):.0f}", f"{user + system:.1f}",
      f"{search['capacity_per_s']:.0f}", f"{search.get('lowest_fail_per_s') or 0:.0f}")
PY
}

echo "==> $ROUNDS rounds: search (x2, then bisect) and fixed sweep (+5 %) from $START req/s to 5 %, $WORKERS workers x $SERVICE_MS ms at 127.0.0.1:$PORT" >&2
printf '%-6s %-7s %7s %10s %8s %8s %16s\n' round method probes "probes s" "wall s" "cpu s" "bracket req/s"
: >"$work/rows"
for round in $(seq "$ROUNDS"); do
    for method in search sweep; do
        growth=100
        [ "$method" = sweep ] && growth=5
        read -r probes probe_s wall cpu pass fail < <(search "$growth")
        printf '%-6s %-7s %7s %10s %8s %8s %16s\n' "$round" "$method" "$probes" "$probe_s" "$wall" "$cpu" "$pass [$pass, $fail]"
        echo "$method $probes $probe_s $wall $cpu" >>"$work/rows"
    done
done
python3 - "$work/rows" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
def column(method, i):
    return [float(r[i]) for r in rows if r[0] == method]
names = ["probes", "probes s", "wall s", "cpu s"]
print()
for i, name in enumerate(names, start=1):
    s, w = column("search", i), column("sweep", i)
    print(f"{name:9} search {statistics.median(s):6.1f} [{min(s):.0f}, {max(s):.0f}]   "
          f"sweep {statistics.median(w):6.1f} [{min(w):.0f}, {max(w):.0f}]   "
          f"sweep/search {statistics.median(w) / statistics.median(s):.2f}")
PY
