//! Capacity searches against services whose capacity is known: `workers` threads,
//! each request holding one for a fixed service time, so that beyond workers /
//! service time per second requests queue without end. Each search is a separate
//! `perfproof run --capacity` process, as users run it.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use perfproof_shared::capacity::{Limit, ProbeOutcome, SearchEnd};
use perfproof_shared::compare::{compare, CompareSettings, Verdict};
use perfproof_shared::Report;

/// A service of known capacity, on a runtime of its own.
struct Known {
    _runtime: tokio::runtime::Runtime,
    url: String,
    workers: u32,
    /// Requests served and the time their workers were held, in nanoseconds.
    served: Arc<(AtomicU64, AtomicU64)>,
}

impl Known {
    /// `workers` threads, each request holding one for `service`.
    fn start(workers: u32, service: Duration) -> Known {
        type Job = tokio::sync::oneshot::Sender<()>;
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let served = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
        for _ in 0..workers {
            let (queue, served) = (queue.clone(), served.clone());
            std::thread::spawn(move || loop {
                let Ok(reply) = queue.lock().unwrap().recv() else { return };
                let held = Instant::now();
                std::thread::sleep(service);
                served.0.fetch_add(1, Ordering::Relaxed);
                served.1.fetch_add(held.elapsed().as_nanos() as u64, Ordering::Relaxed);
                let _ = reply.send(());
            });
        }
        let jobs = Arc::new(Mutex::new(jobs));
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(move || {
                let (reply, done) = tokio::sync::oneshot::channel();
                let _ = jobs.lock().unwrap().send(reply);
                async move {
                    let _ = done.await;
                    "ok"
                }
            }),
        );
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let url = format!("{}/", runtime.block_on(common::serve(app)));
        Known { _runtime: runtime, url, workers, served }
    }
}

/// The capacity `workers` gave so far: workers over the mean time a request held one.
fn capacity_of(workers: u32, served: &(AtomicU64, AtomicU64)) -> f64 {
    let (count, held_ns) = (served.0.load(Ordering::Relaxed), served.1.load(Ordering::Relaxed));
    f64::from(workers) / (held_ns as f64 / count as f64 / 1e9)
}

/// `perfproof run --capacity` (2 s measured first, unless `args` say `-d`) with `args`, into
/// `dir/label.json`; `meanwhile(pid)` is called once its stderr shows `marker`.
/// Its exit code, stderr and report.
fn search_with(
    dir: &Path,
    label: &str,
    args: &[&str],
    marker: &'static str,
    meanwhile: impl FnOnce(u32) + Send + 'static,
) -> (Option<i32>, String, Report) {
    let output = dir.join(format!("{label}.json"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_perfproof"));
    command
        .args(["run", "-q", "--capacity", "--label", label, "-o"])
        .arg(&output)
        .args(if args.contains(&"-d") { &[][..] } else { &["-d", "2s"][..] })
        .args(args)
        .stdout(std::process::Stdio::null());
    let (status, stderr) = common::run_watching(command, marker, meanwhile);
    let report = std::fs::read_to_string(&output).unwrap_or_else(|e| panic!("no report ({e}): {stderr}"));
    (status.code(), stderr, perfproof_shared::parse_report(&report).unwrap())
}

/// A search of `server` left alone, measured first for 4 s in the open model at
/// 90 % of its nominal capacity (workers over the service time): its report, and
/// the range its truth lies in, the capacity its workers gave. That depends on the
/// load on the 2 shared cores, since a busier machine wakes every worker later:
/// the range runs from what they gave over the whole search, its probes far past
/// capacity included, to what they gave in the measurement, read when the first
/// probe starts. (Over whole searches: 754/s for 8 workers whose 777/s probe
/// completed 95 % without falling behind; from the measurement alone: 391/s and
/// 380/s for 4 workers that completed 330 to 372/s in every probe past 350/s.)
fn search(dir: &Path, label: &str, server: &Known) -> (Report, [f64; 2]) {
    let rate = (f64::from(server.workers) * 90.0).to_string();
    let (served, workers, truth) = (server.served.clone(), server.workers, Arc::new(Mutex::new(None)));
    let read = truth.clone();
    let args = ["--url", &server.url, "--rate", &rate, "-d", "4s"];
    let (code, stderr, report) = search_with(dir, label, &args, "capacity probe 1 ", move |_| {
        *read.lock().unwrap() = Some(capacity_of(workers, &served));
    });
    assert_eq!(code, Some(0), "{stderr}");
    let near = truth.lock().unwrap().expect("the search started");
    let whole = capacity_of(workers, &server.served);
    (report, [whole.min(near), whole.max(near)])
}

/// One search at a time: searches beside each other would each be the other's load.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 4 and 8 workers of 10 ms (some 400 and 800 requests/s, measured from the time
/// the workers were held just under capacity, [`search`]): the bracket holds the true capacity, no wider than the
/// resolution, and the capacity is within 10 % of it. Compared, the second
/// server's capacity is improved.
#[test]
fn the_search_brackets_a_known_capacity() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for workers in [4, 8] {
        let server = Known::start(workers, Duration::from_millis(10));
        let (report, truth) = search(dir.path(), &format!("workers-{workers}"), &server);
        assert_brackets(&report, truth, TRUTH_TOLERANCE, f64::from(workers) * 100.0, &format!("{workers} workers"));
        reports.push(report);
    }
    let c = compare(&reports[0], &reports[1], CompareSettings::default()).unwrap();
    let capacity = c.get("http.api.capacity").unwrap();
    assert_eq!(capacity.verdict, Verdict::Improved, "{capacity:?}");
    assert!(capacity.evidence.unwrap().text().starts_with("capacity brackets of"));
    assert_priced_by_hand(&reports[0], &reports[1]);
}

/// The two servers' cost at a flat peak of 1,000 requests/s (86.4 M a day, no
/// growth, only instances priced): ⌈1000 / (capacity × 70 %)⌉ API instances a day
/// at each bracket's ends, and the database at its fixed price.
fn assert_priced_by_hand(a: &Report, b: &Report) {
    use perfproof_shared::cost::{compare_costs, reduction_target, CostInputs};
    let mut inputs = CostInputs::default();
    inputs.traffic.requests_per_day = 86_400_000.0;
    inputs.traffic.monthly_growth_pct = 0.0;
    inputs.traffic.peak_to_average = 1.0;
    inputs.pricing.per_million_requests_usd = 0.0;
    inputs.pricing.egress_per_gb_usd = 0.0;
    let cost = compare_costs(a, b, &inputs, &reduction_target(&[])).unwrap();
    let p = &inputs.pricing;
    let month =
        |capacity: f64| 720.0 * ((1000.0 / (capacity * 0.7)).ceil() * p.instance_hourly_usd + p.database_hourly_usd);
    let bracket = |r: &Report| {
        let search = r.workloads[0].result().capacity.clone().unwrap();
        (search.capacity_per_s.unwrap(), search.lowest_fail_per_s.unwrap())
    };
    let ((a_pass, a_fail), (b_pass, b_fail)) = (bracket(a), bracket(b));
    let close = |x: f64, y: f64| (x - y).abs() < 1e-6;
    assert!(close(cost.baseline.total_30_days_usd, month(a_pass)), "{:?}", cost.baseline);
    assert!(close(cost.optimized.total_30_days_usd, month(b_pass)), "{:?}", cost.optimized);
    let reduction = |before: f64, after: f64| (before - after) / before * 100.0;
    assert!(close(cost.reduction_pct, reduction(month(a_pass), month(b_pass))), "{cost:?}");
    let range = [reduction(month(a_fail), month(b_pass)), reduction(month(a_pass), month(b_fail))];
    assert!(close(cost.reduction_range_pct[0], range[0]) && close(cost.reduction_range_pct[1], range[1]), "{cost:?}");
}

/// How far past the measured truth a bracket's end may lie. The truth is itself a
/// measurement, and a probe offered less than 1 % above it
/// ([`MAX_FALLING_BEHIND`](perfproof_shared::capacity::MAX_FALLING_BEHIND)) passes:
/// its backlog grows too slowly to tell from noise.
const TRUTH_TOLERANCE: f64 = 0.02;

/// The same for the PostgreSQL pool, whose truth is a measurement of its own
/// before the search, 6 s of it: over runs on this machine its hold time moved the
/// truth between 141 and 154 tx/s while the searches' brackets stayed near
/// 147–157 (once 141.1 for [146.8, 153.3], 4 % apart, as the whole machine ran
/// slower for some minutes: the HTTP servers' truths fell 4 to 8 % with it).
const POOL_TRUTH_TOLERANCE: f64 = 0.05;

/// The search ended resolved, its bracket no wider than the resolution meets the
/// range `truth` (within `tolerance`), the capacity lies within 10 % of it and not above the `nominal` capacity (workers or connections over the
/// bare service time, which no overhead lets a service exceed); no probe's
/// generator saturated and one probe failed.
fn assert_brackets(report: &Report, [least, most]: [f64; 2], tolerance: f64, nominal: f64, what: &str) {
    let found = report.workloads[0].result().capacity.clone().expect("a capacity search");
    let probes: Vec<String> =
        found.probes.iter().map(|p| format!("{:.0}/s {:?}: {}", p.offered_per_s, p.outcome, p.reason)).collect();
    let seen = format!("{what}, truth {least:.1} to {most:.1}/s, {:?}: {probes:#?}", found.end);
    eprintln!("{seen}");
    assert!(found.complete && matches!(found.end, SearchEnd::Resolved { .. }), "{seen}");
    let (pass, fail) = (found.capacity_per_s.unwrap(), found.lowest_fail_per_s.unwrap());
    assert!(fail <= pass * (1.0 + found.resolution) + 1e-9, "bracket [{pass}, {fail}] too wide: {seen}");
    let (low, high) = (least * (1.0 - tolerance), most * (1.0 + tolerance));
    assert!(pass <= high && low <= fail, "bracket [{pass}, {fail}] misses the truth: {seen}");
    assert!(least * 0.9 <= pass && pass <= most * 1.1, "capacity {pass} not within 10 %: {seen}");
    assert!(pass <= nominal * (1.0 + tolerance), "capacity {pass} above the nominal {nominal}: {seen}");
    assert!(found.probes.iter().all(|p| p.limit != Some(Limit::Generator)), "{seen}");
    assert!(found.probes.iter().any(|p| p.outcome == ProbeOutcome::Fail), "{seen}");
}

/// A target that goes down mid-search ends it with that reason, in a valid report
/// that keeps the probes run and is marked incomplete.
#[test]
fn a_target_that_goes_down_ends_the_search_incomplete() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let server = Known::start(4, Duration::from_millis(10));
    let url = server.url.clone();
    let (code, stderr, report) = search_with(dir.path(), "down", &["--url", &url], "capacity probe 2 ", move |_| {
        std::thread::sleep(Duration::from_secs(2));
        drop(server);
    });
    assert_eq!(code, Some(0), "{stderr}");
    let found = report.workloads[0].result().capacity.clone().expect("a capacity search");
    assert!(matches!(&found.end, SearchEnd::TargetFailed(e) if e.contains("127.0.0.1")), "{:?}: {stderr}", found.end);
    assert!(!found.complete);
    assert!(found.probes.len() >= 2, "{stderr}");
    assert!(stderr.contains("a probe could not run"), "{stderr}");
}

/// A stop signal mid-search writes the probes done, the last one incomplete, and
/// marks the search and the run incomplete. (The search holds the latency the
/// targets file sets, p99 < 150 ms, not HTTP's default p95 < 200 ms.)
#[cfg(unix)]
#[test]
fn sigterm_mid_search_keeps_the_probes_done() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.toml");
    std::fs::write(&targets, "[[target]]\nmetric = \"http.*.latency.p99\"\nrule = \"< 150 ms\"\n").unwrap();
    let server = Known::start(4, Duration::from_millis(10));
    let args = ["--url", &server.url, "--targets", targets.to_str().unwrap()];
    let (code, stderr, report) = search_with(dir.path(), "stopped", &args, "capacity probe 2 ", |pid| {
        std::thread::sleep(Duration::from_secs(3));
        common::terminate(pid);
    });
    assert_eq!(code, Some(130), "{stderr}");
    assert!(!report.run.complete);
    let found = report.workloads[0].result().capacity.clone().expect("a capacity search");
    assert_eq!(found.end, SearchEnd::Interrupted);
    assert!(!found.complete);
    assert_eq!((found.slo.percentile.as_str(), found.slo.latency_ms), ("p99", 150.0));
    assert_eq!(found.probes.len(), 2, "{stderr}");
    assert!(found.probes[1].duration_s < 4.0, "the second probe ran on: {}", found.probes[1].duration_s);
}

/// The real PostgreSQL: a statement of 25 ms (`pg_sleep`) through a pool of 4,
/// at most 160 transactions/s. The truth is the pool over the mean time a transaction
/// held a connection, as the run's own measurement found it: the statement, its
/// round trip and the driver's work (some 26 ms on this 2-core machine: about 152
/// per second). That measurement runs in the open model, as the probes do, at
/// 140/s for 6 s, just under capacity: in the closed model, 16 users on the 4 connections
/// held each one 3 % longer (147 for an open-model capacity of 152, in CI), as the
/// generator's own load on the shared cores moves the overhead. The SLO's bound is
/// 250 ms, ten statements, as HTTP's 200 ms is twenty of its 10 ms: the default
/// 50 ms (two statements) binds first near capacity, where the pool's queue
/// fluctuates (in CI: 143/s unresolved twice for a pool capacity of 147.8), and
/// the search then finds the SLO's capacity, rightly below the pool's.
#[test]
fn the_search_brackets_a_postgres_pool_of_known_capacity() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("postgres.toml");
    std::fs::write(
        &file,
        "[db]\nurl = \"postgres://root@127.0.0.1:5432/test\"\npool = 4\n\
         queries = [{ name = \"work\", sql = \"SELECT pg_sleep(0.025)\" }]\n\
         [db.capacity]\nlatency = \"250ms\"\n",
    )
    .unwrap();
    let (code, stderr, report) = search_with(
        dir.path(),
        "postgres",
        &["-f", file.to_str().unwrap(), "--rate", "140", "-d", "6s"],
        "never printed",
        |_| (),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let Some(perfproof_shared::report::Workload::Db(db)) = report.workloads.first() else { panic!("{stderr}") };
    let truth = f64::from(db.pool.size) * db.pool.checkouts as f64 / db.pool.hold_total_s;
    assert_brackets(&report, [truth, truth], POOL_TRUTH_TOLERANCE, 160.0, "a pool of 4 on pg_sleep(0.025)");
}

/// Every tier's embedded target (SQLite, the inference server, the in-process
/// cache): `run --capacity` with the default probes ends resolved with a bracket
/// no wider than the resolution, in a report that parses, and the comparison
/// judges the capacity in the tier's throughput unit. (The demo's probes of 1 s
/// are too short here: one stall of the shared cores breaks the cache's p99 of a
/// 1 s probe at any rate, and the search halves down to its budget.)
#[test]
fn every_tier_searches_its_embedded_target() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    // The in-process cache's p99 in this debug build on 2 shared cores is mostly
    // their stalls (3 to 16 ms at any rate from 2,900 to 11,000/s), so at its
    // default bound of 10 ms its probes are too close to call at any rate and its
    // search wanders to its budget (CI, twice); here it is held to 50 ms, which a
    // stall does not break and a backlog does.
    let file = dir.path().join("tiers.toml");
    std::fs::write(&file, "[db]\n[ml]\n[cache]\n[cache.capacity_search]\nlatency = \"50ms\"\n").unwrap();
    for (kind, unit) in [("db", "tx/s"), ("ml", "req/s"), ("cache", "ops/s")] {
        let args = ["-f", file.to_str().unwrap(), "--workloads", kind];
        let (code, stderr, report) = search_with(dir.path(), kind, &args, "never printed", |_| ());
        assert_eq!(code, Some(0), "{stderr}");
        let workload = &report.workloads[0];
        let found = workload.result().capacity.clone().expect("a capacity search");
        assert!(found.complete && matches!(found.end, SearchEnd::Resolved { .. }), "{kind}: {:?}", found.end);
        let (pass, fail) = (found.capacity_per_s.unwrap(), found.lowest_fail_per_s.unwrap());
        assert!(fail <= pass * (1.0 + found.resolution) + 1e-9, "{kind}: bracket [{pass}, {fail}] too wide");
        // The cache's SLO holds its reads, from what every probe's windows keep of them.
        let part = (kind == "cache").then_some("read");
        assert_eq!(found.slo.part.as_deref(), part, "{kind}");
        for probe in &found.probes {
            assert!(!probe.evidence.contains("every operation"), "{kind}: {}", probe.evidence);
        }
        let c = compare(&report, &report, CompareSettings::default()).unwrap();
        let key = format!("{kind}.{}.capacity", workload.name());
        let capacity = c.get(&key).unwrap_or_else(|| panic!("no {key}"));
        assert_eq!((capacity.unit.as_str(), capacity.baseline), (unit, pass), "{key}");
    }
}

/// A capacity table that names an unknown percentile or a bound out of range is
/// refused before any load, naming the field.
#[test]
fn bad_capacity_tables_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("percentile = \"p97\"", "http.capacity: `percentile` is `p97`"),
        ("latency = \"-5ms\"", "http.capacity.latency"),
        ("latency = \"0ms\"", "http.capacity.latency must be greater than zero"),
        ("max_error_percent = -1.0", "http.capacity: `max_error_percent` is -1"),
        ("min_achieved_percent = 120.0", "http.capacity: `min_achieved_percent` is 120"),
        ("resolution_percent = 0.0", "http.capacity.resolution_percent is 0"),
        ("probe_duration = \"500ms\"", "http.capacity.probe_duration must be at least 1s"),
        ("slo = 1", "unknown field `slo`"),
    ];
    let files = cases
        .map(|(line, said)| (format!("[http]\nbase_url = \"http://127.0.0.1:9/\"\n[http.capacity]\n{line}\n"), said));
    // A sweep has no one load to search from.
    let sweeps = [
        ("[ml]\n[ml.sweep]\nusers = [1, 2]\n[ml.capacity]\n", "drop [ml.sweep] or [ml.capacity]"),
        (
            "[db]\n[db.sweep]\npools = [1, 2]\nusers = [4]\n[db.capacity]\n",
            "db `demo`: a capacity search runs on its own",
        ),
    ]
    .map(|(text, said)| (text.to_string(), said));
    for (text, said) in files.into_iter().chain(sweeps) {
        let file = dir.path().join("scenario.toml");
        std::fs::write(&file, &text).unwrap();
        let line = &text;
        let out = Command::new(env!("CARGO_BIN_EXE_perfproof")).args(["run", "-q", "-f"]).arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{line}: {stderr}");
        assert!(stderr.contains(said), "{line}: expected `{said}` in {stderr}");
    }
}
