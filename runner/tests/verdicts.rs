//! A/A on real runs, made as users make them: separate `perfproof run` processes
//! against the same target, back to back, with default flags (only the measured
//! time shortened to 3 s, which the default splits into three trials of 1 s),
//! compared in disjoint pairs of consecutive runs. Nothing changed between two
//! runs, so every "improved" or "regressed" verdict is false. Every tier (the
//! embedded targets, the real PostgreSQL and Redis) and every metric the
//! comparison judges.
//!
//! Pass criteria, per tier:
//! - no judged metric rests on less than trials (no verdict assumes independent
//!   operations, sub-metrics and proportions included);
//! - at least 2 of the 4 pairs hold: at most [`MOST_FALSE_SHARE`] of a pair's
//!   judged verdicts false. Pairs, not verdicts, because a pair's verdicts move
//!   together (p50 to p99 of one noisy run): one noisy pair of the cache gave 11 of
//!   its 28 verdicts at once. If a pair exceeded 10 % with probability 10 % (twice
//!   the 5 % goal), 3 or 4 of 4 would fail with probability 0.4 %, so the test is
//!   steady; a method that calls changes from windows alone, false in 13–42 % of all
//!   verdicts per tier (issue 32's measurements), fails most pairs and this test.
//!   The share over all pairs is printed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use perfproof_shared::compare::{compare, CompareSettings, EvidenceKind, Verdict};
use perfproof_shared::Report;

/// Runs of each tier: four disjoint pairs.
const RUNS: usize = 8;

/// The most false verdicts a pair that holds may have, as a share of its judged ones.
const MOST_FALSE_SHARE: f64 = 0.10;

/// One tier at a time: runs beside each other would each be the other's noise.
static SERIAL: Mutex<()> = Mutex::new(());

/// One `perfproof run` process with default flags and `args`, into its own report.
fn run(dir: &Path, label: &str, args: &[&str]) -> Report {
    let output: PathBuf = dir.join(format!("{label}.json"));
    let status = Command::new(env!("CARGO_BIN_EXE_perfproof"))
        .args(["run", "-q", "--label", label, "-o"])
        .arg(&output)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "perfproof run {args:?} failed: {status}");
    perfproof_shared::parse_report(&std::fs::read_to_string(&output).unwrap()).unwrap()
}

/// Measures a tier A/A and checks the pass criteria.
fn a_a(tier: &str, args: &[&str]) {
    let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let args = [&["-d", "3s"], args].concat();
    let reports: Vec<Report> = (0..RUNS).map(|i| run(dir.path(), &format!("run-{i}"), &args)).collect();
    judge_a_a(tier, &reports);
}

/// Compares consecutive pairs of `reports` of one tier and checks the pass criteria.
fn judge_a_a(tier: &str, reports: &[Report]) {
    let (mut judged, mut called, mut weak, mut holding) = (0usize, Vec::new(), Vec::new(), 0);
    for pair in reports.chunks_exact(2) {
        let c = compare(&pair[0], &pair[1], CompareSettings::default()).unwrap();
        let (before_judged, before_called) = (judged, called.len());
        for m in &c.metrics {
            if matches!(m.verdict, Verdict::NotTested | Verdict::InsufficientData) {
                continue;
            }
            judged += 1;
            if m.evidence.is_some_and(|e| e.kind != EvidenceKind::Trials) {
                weak.push(format!("{}: {}", m.key, m.evidence.unwrap().text()));
            }
            if matches!(m.verdict, Verdict::Improved | Verdict::Regressed) {
                called.push(format!("{} → {}: {} {}", pair[0].run.label, pair[1].run.label, m.key, m.change_text()));
            }
        }
        let pair_share = (called.len() - before_called) as f64 / (judged - before_judged).max(1) as f64;
        holding += usize::from(pair_share <= MOST_FALSE_SHARE);
    }
    let share = called.len() as f64 / judged as f64;
    eprintln!(
        "A/A {tier}: {} of {judged} judged verdicts false ({:.1} %), {holding} of 4 pairs hold: {called:#?}",
        called.len(),
        share * 100.0
    );
    assert!(judged >= 4 * 5, "{tier}: only {judged} verdicts judged");
    assert!(weak.is_empty(), "{tier}: verdicts not resting on trials: {weak:#?}");
    assert!(
        holding >= 2,
        "{tier}: {holding} of 4 pairs hold; {} of {judged} verdicts false: {called:#?}",
        called.len()
    );
}

#[test]
fn embedded_http_a_a() {
    a_a("embedded HTTP", &["--workloads", "http"]);
}

#[test]
fn embedded_sqlite_a_a() {
    a_a("embedded SQLite", &["--workloads", "db"]);
}

#[test]
fn embedded_inference_a_a() {
    a_a("embedded inference", &["--workloads", "ml"]);
}

#[test]
fn in_process_cache_a_a() {
    a_a("in-process cache", &["--workloads", "cache"]);
}

#[test]
fn postgres_a_a() {
    a_a("PostgreSQL", &["--db-url", "postgres://root@127.0.0.1:5432/test"]);
}

#[test]
fn redis_a_a() {
    a_a("Redis", &["--cache-url", "redis://127.0.0.1:6379"]);
}

/// A/B with a known shift, run as users run it: default flags (10 s in 5 trials
/// of 2 s), baseline and candidate alternating, 4 pairs. `side(dir, label,
/// candidate)` makes one run. The shift is found (`expected`) at every `watched`
/// metric (a key after the workload's prefix) in at least 2 of the 4 pairs: at the
/// goal's 90 % fewer than 2 of 4 happens with probability 0.4 %, at 75 % with 5 %,
/// so a failure means the power is well below the goal.
///
/// Power is the goal on this machine as it usually is. A burst of noise from
/// outside (other guests of the host) can make a pair's trials spread so far that
/// no shift of this size could be told, however good the method: in one CI run,
/// three pairs' p95 intervals were ±12 % to ±21 % wide (±2 % to ±4 % in quieter
/// runs) and their point estimates moved +4 %, +14 % and −2 % for a 20 % shift.
/// Such a pair (any watched interval wider than ± `resolvable`: the shift less the
/// verdict's threshold, in the interval's units, so that even centred on the
/// shift it could not call it) says nothing of power: it is measured again, up to
/// [`MOST_NOISY_PAIRS`] times in all, and the test fails when the machine stays
/// that noisy. The gate reads only the intervals' widths, never the verdicts.
fn a_b(
    shift: &str,
    watched: &[&str],
    resolvable: f64,
    expected: Verdict,
    mut side: impl FnMut(&Path, &str, bool) -> Report,
) {
    let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let mut found = vec![0; watched.len()];
    let (mut seen, mut noisy) = (Vec::new(), Vec::new());
    let (mut kept, mut noisy_pairs) = (0, 0);
    while kept < 4 {
        let pair = kept + noisy_pairs;
        let a = side(dir.path(), &format!("a-{pair}"), false);
        let b = side(dir.path(), &format!("b-{pair}"), true);
        let c = compare(&a, &b, CompareSettings::default()).unwrap();
        let mut lines = Vec::new();
        let mut hits = vec![0; watched.len()];
        let mut widest = 0.0f64;
        for (i, key) in watched.iter().enumerate() {
            let key = format!("{}.{key}", a.workloads[0].metric_prefix());
            let m = c.get(&key).unwrap_or_else(|| panic!("{key} not compared"));
            assert_eq!(m.evidence.unwrap().text(), "5 trials", "{key}");
            hits[i] = usize::from(m.verdict == expected);
            widest = widest.max(m.interval.map_or(f64::INFINITY, |i| (i.high - i.low) / 2.0));
            lines.push(format!("pair {pair} {key}: {} {} {}", m.verdict.label(), m.change_text(), interval(m)));
        }
        if widest > resolvable {
            noisy_pairs += 1;
            noisy.extend(lines.into_iter().map(|line| format!("{line} (noise burst: measured again)")));
            assert!(
                noisy_pairs <= MOST_NOISY_PAIRS,
                "{shift}: {noisy_pairs} pairs had an interval wider than ±{resolvable}, too noisy to tell \
                 the shift: {noisy:#?}, kept: {seen:#?}"
            );
            continue;
        }
        kept += 1;
        found.iter_mut().zip(hits).for_each(|(f, h)| *f += h);
        seen.extend(lines);
    }
    eprintln!("A/B {shift}: {} found {found:?} of 4 at {watched:?}: {seen:#?}", expected.label());
    eprintln!("{noisy_pairs} pairs measured again after a noise burst: {noisy:#?}");
    for (i, key) in watched.iter().enumerate() {
        assert!(found[i] >= 2, "{shift}: {key} found in {} of 4 pairs: {seen:#?}", found[i]);
    }
}

/// Pairs an A/B test may measure in a noise burst before it fails (see [`a_b`]).
const MOST_NOISY_PAIRS: usize = 4;

/// A comparison's interval of the change, for messages: `[-1.0 %, +39.4 %]`.
fn interval(m: &perfproof_shared::compare::MetricComparison) -> String {
    // Oriented so that positive is worse; a proportion's in points already.
    let (unit, scale) = if m.interval_in_points { ("pp", 1.0) } else { ("%", 100.0) };
    m.interval
        .map_or("(no interval)".into(), |i| format!("[{:+.1} {unit}, {:+.1} {unit}]", i.low * scale, i.high * scale))
}

/// Serves `app` on a runtime of its own (one worker, beside the runs it serves),
/// which lives as long as the returned handle.
fn serve_aside(app: axum::Router) -> (tokio::runtime::Runtime, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let base = runtime.block_on(common::serve(app));
    (runtime, base)
}

/// A delay in microseconds that the test changes between runs.
type Delay = std::sync::Arc<std::sync::atomic::AtomicU64>;

fn set(delay: &Delay, micros: u64) {
    delay.store(micros, std::sync::atomic::Ordering::Relaxed);
}

fn wait(delay: &Delay) -> tokio::time::Sleep {
    tokio::time::sleep(Duration::from_micros(delay.load(std::sync::atomic::Ordering::Relaxed)))
}

/// An HTTP service about 20 % slower end to end: its handler waits 10 ms, then
/// 12.5 ms (the request's own time dilutes the change). Measured here: 15 or 16
/// of 16 (p95 once inconclusive).
#[test]
fn a_20_percent_slower_http_service_is_found() {
    let delay = Delay::default();
    let handler = delay.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let waited = wait(&handler);
            async move {
                waited.await;
                "ok"
            }
        }),
    );
    let (_server, base) = serve_aside(app);
    let url = format!("{base}/");
    let watched = ["latency.p50", "latency.p90", "latency.p95", "throughput_rps"];
    a_b("HTTP handler 10 ms → 12.5 ms", &watched, 0.15, Verdict::Regressed, |dir, label, slower| {
        set(&delay, if slower { 12_500 } else { 10_000 });
        run(dir, label, &["--url", &url])
    });
}

/// A slower statement on the real PostgreSQL: `pg_sleep` of 10 ms, then 12.5 ms,
/// through the default pool of 8 and 16 users.
#[test]
fn a_slower_postgres_statement_is_found() {
    let watched = ["latency.p50", "latency.p90", "latency.p95", "throughput_tps"];
    a_b("PostgreSQL statement 10 ms → 12.5 ms", &watched, 0.15, Verdict::Regressed, |dir, label, slower| {
        let seconds = if slower { "0.0125" } else { "0.010" };
        let file = dir.join(format!("{label}.toml"));
        std::fs::write(
            &file,
            format!(
                "[db]\nurl = \"postgres://root@127.0.0.1:5432/test\"\n\
                 queries = [{{ name = \"work\", sql = \"SELECT pg_sleep({seconds})\" }}]\n"
            ),
        )
        .unwrap();
        run(dir, label, &["-f", file.to_str().unwrap()])
    });
}

/// A model server about 20 % slower end to end: the embedded inference server (the
/// real digits model, some 5 ms a request under the default 16 users) behind a
/// proxy whose inference answers wait 10 ms, then 13 ms.
#[test]
fn a_slower_model_server_is_found() {
    use axum::body::Body;
    use hyper_util::client::legacy::Client;
    let delay = Delay::default();
    let handler = delay.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let model_server = runtime
        .block_on(perfproof::workloads::ml::server::MlDemoServer::start(
            perfproof::workloads::profile::Profile::Baseline,
        ))
        .unwrap();
    let upstream = model_server.base_url();
    let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Body>();
    let proxy = axum::Router::new().fallback(move |mut request: axum::extract::Request| {
        let (waited, client) = (wait(&handler), client.clone());
        let slow = request.uri().path().ends_with("/infer");
        *request.uri_mut() = format!("{upstream}{}", request.uri()).parse().unwrap();
        async move {
            if slow {
                waited.await;
            }
            client.request(request).await.unwrap().map(Body::new)
        }
    });
    let base = runtime.block_on(common::serve(proxy));
    let watched = ["latency.p50", "latency.p90", "latency.p95", "throughput_rps"];
    a_b("model server 10 ms → 13 ms slower", &watched, 0.15, Verdict::Regressed, |dir, label, slower| {
        set(&delay, if slower { 13_000 } else { 10_000 });
        run(dir, label, &["--ml-url", &base])
    });
    drop(model_server);
}

/// A smaller in-process cache: 2,000 entries, then 1,000, of the 10,000 keys. The
/// hit rate is what a cache's size moves (72 % → 65 % here); the in-process cache's
/// throughput measures the 2 cores it shares with the generator more than the
/// misses (-2 % to -22 % across pairs, found in 0 to 3 of 4), and its p50 to p95
/// stay a hit's or a miss's either way.
#[test]
fn a_smaller_cache_is_found() {
    let watched = ["hit_rate"];
    // 7 pp less the threshold, 5 % of the baseline's 72 %: 3.4 pp.
    a_b("cache of 2,000 → 1,000 entries", &watched, 3.4, Verdict::Regressed, |dir, label, smaller| {
        let file = dir.join(format!("{label}.toml"));
        std::fs::write(&file, format!("[cache]\ncapacity = {}\n", if smaller { 1_000 } else { 2_000 })).unwrap();
        run(dir, label, &["-f", file.to_str().unwrap()])
    });
}

/// A noisy neighbour: threads that take every core in bursts, busy or idle for
/// each `slot` by a seeded coin, until dropped. What a shared machine does to a run.
struct Neighbour {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Neighbour {
    fn start(seed: u64, slot: Duration) -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = (0..cores)
            .map(|_| {
                let stopped = stop.clone();
                std::thread::spawn(move || {
                    // The same seed on every thread: they are busy together.
                    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                    while !stopped.load(Ordering::Relaxed) {
                        // xorshift64: a coin per slot.
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        let until = std::time::Instant::now() + slot;
                        if state.is_multiple_of(2) {
                            let mut x = 0u64;
                            while std::time::Instant::now() < until && !stopped.load(Ordering::Relaxed) {
                                x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
                            }
                        } else {
                            std::thread::sleep(slot);
                        }
                    }
                })
            })
            .collect();
        Neighbour { stop, threads }
    }
}

impl Drop for Neighbour {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A/A with a noisy neighbour beside half the runs (one of each pair), taking
/// every core in bursts of 1 s, against the demo service's CPU-bound optimized
/// profile: the verdicts stay within the bound, because the trials of a noisy run
/// spread and the intervals widen with them.
#[test]
fn embedded_http_a_a_beside_a_noisy_neighbour() {
    let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let args = ["-d", "3s", "--workloads", "http", "--demo-profile", "optimized"];
    let reports: Vec<Report> = (0..RUNS)
        .map(|i| {
            let _noise = [1, 2, 5, 6].contains(&i).then(|| Neighbour::start(i as u64, Duration::from_secs(1)));
            run(dir.path(), &format!("run-{i}"), &args)
        })
        .collect();
    for r in &reports {
        let trials: Vec<String> =
            r.workloads[0].result().trials.iter().map(|t| format!("{:.0}", t.throughput_per_s)).collect();
        eprintln!("{}: {:.0} req/s, trials {trials:?}", r.run.label, r.workloads[0].result().throughput_per_s);
    }
    judge_a_a("embedded HTTP beside a noisy neighbour", &reports);
}
