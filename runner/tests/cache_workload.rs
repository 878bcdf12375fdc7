//! The cache workload against the real Redis of this machine (and CI) and the
//! in-process cache, in front of embedded SQLite: hit rates against the ideal,
//! the client's counts against the cache's own, and Redis failing (down, its
//! connections killed mid-run, a wrong password). `scripts/services.sh` starts
//! Redis; a Redis that is down fails these tests.
//!
//! Each Redis test writes under a key prefix of its own and checks that nothing
//! is left under it. They take `SERIAL` one at a time: Redis' hit and miss
//! counters are server-wide, and one test kills every client connection.

use perfproof::workloads::KindPlan;
use std::time::Duration;

use perfproof::config::load::LoadOverrides;
use perfproof::config::{self, Flags};
use perfproof::load::Context;
use perfproof::workloads::cache::section::CacheOverrides;
use perfproof::workloads::cache::CachePlan;
use perfproof::workloads::WorkloadPlan;
use perfproof_shared::report::{harmonic, CacheResult, Report, Workload};
use tokio::sync::watch;

const REDIS: &str = "redis://127.0.0.1:6379";

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A key prefix no other test (or run of this one) uses.
fn prefix(tag: &str) -> String {
    format!("perfproof:test:{tag}:{}:", std::process::id())
}

/// The plan of a `[cache]` section (TOML), against Redis at `url` when given.
fn plan(section: &str, url: Option<&str>, load: LoadOverrides) -> CachePlan {
    let file = config::parse_scenario(section).unwrap();
    let flags = Flags {
        quiet: true,
        cache: CacheOverrides { url: url.map(String::from) },
        workloads: Some(vec!["cache".into()]),
        load,
        // One stretch: these tests drive one plan, not trials.
        trials: Some(1),
        ..Flags::default()
    };
    match config::resolve(file, &flags).unwrap().workloads.remove(0) {
        WorkloadPlan::Cache(plan) => plan,
        other => panic!("expected a cache workload, not {}", other.kind()),
    }
}

fn users(users: u32, warmup: f64, seconds: f64) -> LoadOverrides {
    LoadOverrides {
        users: Some(users),
        duration: Some(Duration::from_secs_f64(seconds)),
        warmup: Some(Duration::from_secs_f64(warmup)),
        ..LoadOverrides::default()
    }
}

async fn run(plan: &CachePlan) -> CacheResult {
    let (_tx, stop) = watch::channel(false);
    let context = Context { stop, quiet: true, target_in_process: false };
    plan.check_reachable().await.unwrap();
    plan.run(&context).await.unwrap()
}

/// The workload as a report goes through JSON and back, validated.
fn round_trip(result: &CacheResult) -> String {
    let json = serde_json::to_string(&Workload::Cache(result.clone())).unwrap();
    let report = format!(
        r#"{{"schema":"{}","run":{},"workloads":[{json}],"failures":[]}}"#,
        perfproof_shared::SCHEMA_ID,
        serde_json::to_string(&sample_run()).unwrap()
    );
    let parsed: Report = perfproof_shared::parse_report(&report).unwrap();
    assert_eq!(parsed.workloads.len(), 1);
    report
}

fn sample_run() -> serde_json::Value {
    serde_json::json!({
        "tool_version": "test", "run_id": "00000000-0000-4000-8000-000000000000", "label": "t",
        "started_at": "2026-01-01T00:00:00Z", "ended_at": "2026-01-01T00:00:01Z", "complete": true,
        "host": {"os": "linux", "arch": "x86_64", "cpus": 2, "memory_bytes": 1}, "shard": null, "merged_shards": null
    })
}

async fn redis() -> redis::aio::MultiplexedConnection {
    redis::Client::open(REDIS)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("{REDIS}: {e} (is scripts/services.sh run?)"))
}

/// Keys under `prefix`, counted by SCAN.
async fn keys_under(prefix: &str) -> usize {
    let mut conn = redis().await;
    let (mut cursor, mut found) = (0u64, 0usize);
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .unwrap();
        found += keys.len();
        if next == 0 {
            return found;
        }
        cursor = next;
    }
}

/// With reads only, S3-FIFO keeps the popular keys: each capacity's hit rate is
/// at most 4 points below the ideal top-C share H(C,θ)/H(N,θ) (measured 1.6 to
/// 1.9 below: its small probation queue and its shards cost a little against
/// the ideal's top C), and above it only by sampling noise: 3 standard errors of
/// the reads measured, about 0.5 point at 10,000 reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_hit_rates_are_near_the_ideal_top_c() {
    let _serial = SERIAL.lock().await;
    let section = "[cache]\nkeys = 10000\nwrite_percent = 0\n[cache.sweep]\ncapacity_percent = [2, 20]\n";
    let result = run(&plan(section, None, users(4, 2.0, 2.0))).await;
    assert_eq!(result.sweep.len(), 2);
    let mut rates = Vec::new();
    for point in &result.sweep {
        let c = point.cache.capacity.unwrap();
        let ideal = harmonic(c, 0.99) / harmonic(10_000, 0.99);
        assert_eq!(point.cache.ideal_hit_rate, Some(ideal));
        let rate = point.cache.hit_rate;
        let reads = (point.cache.hits + point.cache.misses) as f64;
        assert!(reads > 5_000.0, "{reads} reads");
        let noise = 3.0 * (ideal * (1.0 - ideal) / reads).sqrt();
        assert!(
            rate > ideal - 0.04 - noise && rate < ideal + noise,
            "capacity {c}: hit rate {rate}, ideal {ideal}, {reads} reads"
        );
        assert_eq!(point.cache.fallbacks, 0);
        rates.push(rate);
    }
    assert!(rates[1] > rates[0] + 0.1, "hit rate grows with capacity: {rates:?}");
    // No capacity reached 95 %: the headline is the largest.
    assert_eq!(result.recommended_capacity, None);
    assert_eq!(result.cache.capacity, Some(2000));
    round_trip(&result);
}

/// Every read is a hit or a miss the cache itself counted too (no warm-up, so
/// the cache's counters and the client's cover the same lookups).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_counts_match_the_caches_own() {
    let _serial = SERIAL.lock().await;
    let section = "[cache]\nkeys = 5000\ncapacity = 500\nwrite_percent = 10\n";
    let result = run(&plan(section, None, users(4, 0.0, 1.5))).await;
    let stats = &result.cache;
    let backend = stats.backend.as_ref().unwrap();
    assert!(stats.hits > 1000 && stats.misses > 1000, "{stats:?}");
    assert_eq!((stats.hits, stats.misses), (backend.hits, backend.misses));
    assert_eq!(stats.hit_latency.summary.count, stats.hits);
    assert_eq!(stats.miss_latency.summary.count, stats.misses);
    assert_eq!(stats.hits + stats.misses, result.reads.operations);
    assert!(result.writes.operations > 0 && result.result.stats.error_count() == 0);
    assert!(backend.evictions > 0 && backend.entries <= 500 + 16, "{backend:?}");
    // The timeline's seconds add up to the whole.
    let timeline_hits: u64 = stats.timeline.iter().map(|s| s.hits).sum();
    assert_eq!(timeline_hits, stats.hits);
    // So do the windows' hits, reads and hit rates: the evidence of their verdicts
    // in a run of one stretch.
    let windows = &result.result.windows;
    let kept = |part: &str| windows.iter().map(|w| w.parts[part].summary.count).sum::<u64>();
    assert_eq!((kept("hit"), kept("miss")), (stats.hits, stats.misses));
    assert_eq!(
        (kept("read"), kept("write")),
        (result.reads.latency.summary.count, result.writes.latency.summary.count)
    );
    let rate = windows.iter().map(|w| w.proportions["hit_rate"]).fold([0, 0], |[x, n], [a, b]| [x + a, n + b]);
    assert_eq!(rate, [stats.hits, stats.hits + stats.misses]);
    assert!(stats.load_penalty_ms > 0.0, "a miss costs more than a hit");
    // An in-process hit takes less than a microsecond: reads are recorded in
    // nanoseconds, where microseconds would have made the fastest (and the median) 0.
    let reads = &result.reads.latency;
    assert_eq!(reads.unit, perfproof_shared::TimeUnit::Nanoseconds);
    assert!(reads.summary.min > 0 && reads.summary.min < 1_000_000, "{:?}", reads.summary);
}

/// A capacity probe measures a cache in its steady state: it starts full (its rows
/// stored before the warm-up), where the same load from cold misses every key's
/// first read. A cache that holds the keyspace and no writes: the probe never misses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capacity_probe_starts_from_a_full_cache() {
    let _serial = SERIAL.lock().await;
    let section = "[cache]\nkeys = 2000\ncapacity = 4000\nwrite_percent = 0\n";
    let cold = plan(section, None, users(4, 0.0, 0.5));
    let from_cold = run(&cold).await.cache;
    assert!(from_cold.misses > 0, "{from_cold:?}");
    let probe = cold.probe(cold.load.clone());
    let probed = run(&probe).await.cache;
    assert!(probed.hits > 1000, "{probed:?}");
    assert_eq!(probed.misses, 0, "{probed:?}");
}

/// Against Redis the client's hits and misses are Redis' own `keyspace_hits` and
/// `keyspace_misses` deltas, and no key is left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_counts_match_its_own_and_no_key_is_left() {
    let _serial = SERIAL.lock().await;
    let prefix = prefix("counts");
    let section = format!("[cache]\nkeys = 2000\nwrite_percent = 10\nkey_prefix = \"{prefix}\"\n");
    let result = run(&plan(&section, Some(REDIS), users(8, 0.0, 1.5))).await;
    let stats = &result.cache;
    let backend = stats.backend.as_ref().unwrap();
    assert!(stats.hits > 1000 && stats.misses > 100, "{stats:?}");
    assert_eq!((stats.hits, stats.misses), (backend.hits, backend.misses), "{:?}", result.result.warnings);
    assert!(backend.entries > 0 && backend.memory_bytes.is_some());
    assert_eq!(stats.fallbacks, 0);
    assert!(stats.cache_errors.is_empty(), "{:?}", stats.cache_errors);
    assert!(result.server_version.starts_with("Redis "), "{}", result.server_version);
    assert_eq!(result.key_prefix.as_deref(), Some(prefix.as_str()));
    assert_eq!(keys_under(&prefix).await, 0, "keys left under {prefix}");
    round_trip(&result);
}

/// A Redis that does not answer: every read falls back to the database and is
/// counted as such, the workload still succeeds, and the report is valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_unreachable_reads_fall_back_to_the_database() {
    let _serial = SERIAL.lock().await;
    let section = "[cache]\nkeys = 1000\nwrite_percent = 10\ntimeout = \"200ms\"\n";
    let result = run(&plan(section, Some("redis://127.0.0.1:1"), users(4, 0.0, 1.0))).await;
    let stats = &result.cache;
    assert_eq!((stats.hits, stats.misses), (0, 0));
    assert!(stats.fallbacks > 10, "{stats:?}");
    assert_eq!(stats.fallbacks, result.reads.operations);
    assert_eq!(stats.db_loads, stats.fallbacks);
    assert!(stats.cache_errors.get("connect").copied().unwrap_or(0) > 0, "{:?}", stats.cache_errors);
    assert_eq!(result.result.stats.error_count(), 0, "the database served every read");
    assert!(stats.backend.is_none());
    assert!(
        result.result.warnings.iter().any(|w| w.contains("did not answer at the start")),
        "{:?}",
        result.result.warnings
    );
    round_trip(&result);
}

/// Redis drops every connection mid-run: the calls in flight fail and are
/// counted, the connections come back on their own, and hits resume.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_connections_killed_mid_run_are_counted_and_recover() {
    let _serial = SERIAL.lock().await;
    let prefix = prefix("kill");
    let section = format!("[cache]\nkeys = 1000\nwrite_percent = 0\nkey_prefix = \"{prefix}\"\n");
    let plan = plan(&section, Some(REDIS), users(8, 0.0, 3.0));
    let killer = tokio::spawn(async {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let mut conn = redis().await;
        let killed: i64 =
            redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("normal").query_async(&mut conn).await.unwrap();
        killed
    });
    let result = run(&plan).await;
    assert!(killer.await.unwrap() >= 8, "the workload's connections were killed");
    let stats = &result.cache;
    let failed: u64 = stats.cache_errors.values().sum();
    assert!(failed > 0 && stats.fallbacks > 0, "{:?} fallbacks {}", stats.cache_errors, stats.fallbacks);
    assert_eq!(result.result.stats.error_count(), 0);
    let after = stats.timeline.iter().find(|s| s.second == 2).unwrap();
    assert!(after.hits > 100, "hits resume in the second after the kill: {:?}", stats.timeline);
    assert_eq!(keys_under(&prefix).await, 0, "keys left under {prefix}");
    round_trip(&result);
}

/// A wrong password: every cache call is refused (`authentication`), reads fall
/// back to the database, and the password is in no part of the report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_counted_and_never_reported() {
    let _serial = SERIAL.lock().await;
    let user = format!("perfproof_test_{}", std::process::id());
    let mut conn = redis().await;
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg(&user)
        .arg("on")
        .arg(">the-right-one")
        .arg("~*")
        .arg("+@all")
        .query_async(&mut conn)
        .await
        .unwrap();
    let url = format!("redis://{user}:hunter2-wrong@127.0.0.1:6379");
    let section = "[cache]\nkeys = 1000\nwrite_percent = 10\n";
    let result = run(&plan(section, Some(&url), users(4, 0.0, 1.0))).await;
    let _: i64 = redis::cmd("ACL").arg("DELUSER").arg(&user).query_async(&mut conn).await.unwrap();
    let stats = &result.cache;
    assert_eq!((stats.hits, stats.misses), (0, 0));
    assert!(stats.fallbacks > 10);
    assert!(stats.cache_errors.get("authentication").copied().unwrap_or(0) > 0, "{:?}", stats.cache_errors);
    let report = round_trip(&result);
    assert!(!report.contains("hunter2"), "the password reached the report");
}

fn perfproof() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_perfproof"))
}

fn cache_of(path: &std::path::Path) -> CacheResult {
    let report = perfproof_shared::parse_report(&std::fs::read_to_string(path).unwrap()).unwrap();
    match report.workloads.into_iter().next() {
        Some(Workload::Cache(cache)) => cache,
        other => panic!("expected a cache workload, not {other:?}"),
    }
}

/// Both demo profiles through the binary: compare grades the hit rate and writes
/// `comparison_cache_optimization.json`; merging two runs as trials adds their
/// counts and puts the second timeline after the first.
#[test]
fn demo_profiles_compare_and_merge_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    for profile in ["baseline", "optimized"] {
        let out = perfproof()
            .args(["run", "-q", "--workloads", "cache", "--demo-profile", profile, "--label", profile])
            .args(["-d", "1500ms", "--warmup", "500ms", "-o"])
            .arg(path(&format!("{profile}.json")))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let (baseline, optimized) = (cache_of(&path("baseline.json")), cache_of(&path("optimized.json")));
    assert!(optimized.cache.capacity > baseline.cache.capacity);
    assert!(
        optimized.cache.hit_rate > baseline.cache.hit_rate + 0.2,
        "{} {}",
        baseline.cache.hit_rate,
        optimized.cache.hit_rate
    );

    let out = perfproof()
        .arg("compare")
        .args([path("baseline.json"), path("optimized.json")])
        .arg("--results-dir")
        .arg(path("results"))
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("cache.demo.hit_rate") && table.contains("Cache hit rate"), "{table}");
    let area: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("results/comparison_cache_optimization.json")).unwrap())
            .unwrap();
    assert!(area["metrics"].as_array().unwrap().iter().any(|m| m["key"] == "cache.demo.hit_rate"), "{area}");

    let out = perfproof()
        .args(["merge", "--trials", "-o"])
        .arg(path("merged.json"))
        .args([path("baseline.json"), path("baseline.json")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let merged = cache_of(&path("merged.json"));
    assert_eq!(merged.cache.hits, 2 * baseline.cache.hits);
    assert_eq!(merged.cache.misses, 2 * baseline.cache.misses);
    assert_eq!(merged.cache.hit_rate, baseline.cache.hit_rate);
    assert_eq!(merged.cache.hit_latency.summary.count, 2 * baseline.cache.hit_latency.summary.count);
    assert_eq!(merged.cache.timeline.len(), 2 * baseline.cache.timeline.len());
    let seconds: Vec<u32> = merged.cache.timeline.iter().map(|s| s.second).collect();
    assert!(seconds.windows(2).all(|w| w[0] < w[1]), "{seconds:?}");
    assert_eq!(merged.reads.operations, 2 * baseline.reads.operations);
}
