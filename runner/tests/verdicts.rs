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
//! - at most [`MOST_FALSE_SHARE`] of the judged verdicts false. Why 10 % for a
//!   5 % goal: a tier gives some 40 to 80 verdicts from 4 pairs, and a pair's
//!   verdicts move together (p50 to p99 of one noisy run), so the count is far
//!   more spread than a binomial's. Were the verdicts independent, 80 at a true 5 %
//!   would exceed 10 % with probability under 2 %; with pairs of ten correlated
//!   verdicts it is one noisy pair in four. A method that calls changes from
//!   windows alone was at 13–42 % per tier (issue 32's measurements).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use perfproof_shared::compare::{compare, CompareSettings, EvidenceKind, Verdict};
use perfproof_shared::Report;

/// Runs of each tier: four disjoint pairs.
const RUNS: usize = 8;

/// The most false verdicts a tier may have, as a share of its judged ones.
const MOST_FALSE_SHARE: f64 = 0.10;

/// One tier at a time: runs beside each other would each be the other's noise.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `perfproof run` with default flags and `args`, `RUNS` times, each into
/// its own report.
fn runs(dir: &Path, args: &[&str]) -> Vec<Report> {
    (0..RUNS)
        .map(|i| {
            let output: PathBuf = dir.join(format!("run-{i}.json"));
            let status = Command::new(env!("CARGO_BIN_EXE_perfproof"))
                .args(["run", "-q", "-d", "3s", "--label", &format!("run-{i}"), "-o"])
                .arg(&output)
                .args(args)
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "perfproof run {args:?} failed: {status}");
            perfproof_shared::parse_report(&std::fs::read_to_string(&output).unwrap()).unwrap()
        })
        .collect()
}

/// Measures a tier A/A and checks the pass criteria.
fn a_a(tier: &str, args: &[&str]) {
    let _serial = SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let reports = runs(dir.path(), args);
    let (mut judged, mut called, mut weak) = (0usize, Vec::new(), Vec::new());
    for pair in reports.chunks_exact(2) {
        let c = compare(&pair[0], &pair[1], CompareSettings::default()).unwrap();
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
    }
    let share = called.len() as f64 / judged as f64;
    eprintln!("A/A {tier}: {} of {judged} judged verdicts false ({:.1} %): {called:#?}", called.len(), share * 100.0);
    assert!(judged >= 4 * 5, "{tier}: only {judged} verdicts judged");
    assert!(weak.is_empty(), "{tier}: verdicts not resting on trials: {weak:#?}");
    assert!(share <= MOST_FALSE_SHARE, "{tier}: {} of {judged} verdicts false: {called:#?}", called.len());
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
