#!/usr/bin/env bash
# Benchmarks perfproof's database workload beside pgbench on the same PostgreSQL
# (127.0.0.1:5432, database perfproof_bench, created if missing): select-only point
# lookups by primary key over 1,000,000 rows (pgbench scale 10), CLIENTS clients and
# connections, uniform keys, both in the extended protocol with prepared statements
# (`pgbench -S -M prepared`; sqlx prepares and caches every statement). Rounds
# alternate the two tools; the ratio is perfproof's transactions/s over pgbench's
# (pgbench's figure excludes connection establishment, as perfproof's does: its pool
# opens every connection before measuring). Then checks that memory stays flat in run
# length: peak RSS of a run 10x longer, as a ratio.
#
# Usage: bench/db-vs-pgbench.sh   (CLIENTS=8 DURATION=10 ROUNDS=3 to change;
#                                  PERFPROOF=path/to/perfproof to time another build)
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-8}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
DB=perfproof_bench
PG=(-h 127.0.0.1 -p 5432 -U root)

scripts/install.sh --bench
scripts/services.sh
source bench/lib.sh
use_perfproof
psql "${PG[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
    || psql "${PG[@]}" -d postgres -qc "CREATE DATABASE $DB"
if ! psql "${PG[@]}" -d "$DB" -tAc "SELECT count(*) FROM pgbench_accounts" 2>/dev/null | grep -qx 1000000; then
    echo "==> pgbench -i -s 10 (once)" >&2
    pgbench "${PG[@]}" -i -s 10 -q "$DB" >&2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/select-only.toml" <<TOML
[db]
name = "select_only"
url = "postgres://root@127.0.0.1:5432/$DB"
table = "perfproof_bench_accounts"
rows = 1000000
payload_bytes = 84          # pgbench_accounts.filler is char(84)
keep_table = true           # seeded once, reused by every round
distribution = "uniform"    # as pgbench -S draws aid
pool = $CLIENTS
[[db.queries]]
name = "by_id"
kind = "point_select"
[db.load]
users = $CLIENTS
warmup = "1s"
TOML
echo "==> seeding perfproof's table (once; about a minute)" >&2
"$PERFPROOF" run --trials 1 -f "$work/select-only.toml" -d 1s -q -o "$work/seed.json" >/dev/null

pgbench_tps() {
    pgbench "${PG[@]}" -S -M prepared -c "$CLIENTS" -j 2 -T "$DURATION" -n "$DB" 2>/dev/null \
        | awk '/^tps = / { print $3 }'
}
perfproof_tps() {
    "$PERFPROOF" run --trials 1 -f "$work/select-only.toml" -d "${DURATION}s" -q -o "$work/bench.json" >/dev/null
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['workloads'][0]['db']['result']['throughput_per_s'])" \
        "$work/bench.json"
}

echo "==> $ROUNDS rounds: pgbench -S -M prepared and perfproof, $CLIENTS clients, ${DURATION}s each" >&2
printf '%-6s %14s %14s %8s\n' round "pgbench tps" "perfproof tps" ratio
ratios=()
for round in $(seq "$ROUNDS"); do
    g=$(pgbench_tps); p=$(perfproof_tps)
    ratio=$(python3 -c "print(f'{$p / $g:.2f}')")
    ratios+=("$ratio")
    printf '%-6s %14.0f %14.0f %7sx\n' "$round" "$g" "$p" "$ratio"
done
echo "perfproof / pgbench per round: ${ratios[*]} (target >= 1.0x, floor 0.8x)"

short=$((DURATION > 1 ? DURATION : 2))
long=$((short * 10))
echo "==> peak RSS: ${short}s run vs ${long}s run" >&2
rss() { /usr/bin/time -f %M "$PERFPROOF" run --trials 1 -f "$work/select-only.toml" -d "$1s" -q -o "$work/rss.json" 2>&1 >/dev/null | tail -n1; }
rss_short=$(rss "$short")
rss_long=$(rss "$long")
printf 'peak RSS    %ss run %s KiB   %ss run %s KiB   ratio %s (target within 1.10)\n' \
    "$short" "$rss_short" "$long" "$rss_long" "$(python3 -c "print(f'{$rss_long / $rss_short:.3f}')")"
