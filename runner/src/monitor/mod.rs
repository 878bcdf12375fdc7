//! `perfproof monitor`: the workloads of a scenario measured again and again with
//! light probes, each cycle's report kept in a history folder, judged against a
//! baseline and the targets, alerts raised when a condition lasts, and the
//! figures exposed to Prometheus.
//!
//! One cycle: run every workload at the probe's load (`runs::collect`, the same
//! engine and workloads as `run`), write the report into the history folder
//! (rotated by count and age), compare it with the baseline (a report given, or
//! the first cycles merged as trials) and grade it against the targets
//! (`shared::monitor::conditions`), feed the alert tracker (K consecutive cycles
//! fire an alert, K healthy ones resolve it), print, log (`alerts.jsonl`) and send
//! the alerts ([`webhook`]), update `/metrics` ([`exposition`]), log the cycle
//! (`cycles.jsonl`, with the monitor's own overhead), and refresh
//! `metrics_export.json` every `export_every` and at the stop. Ctrl-C or SIGTERM
//! end the probe in flight; that cycle is still written, then the export.
//!
//! Memory stays flat in the number of cycles: the baseline, the tracker, the
//! exposition's counters, and the export window's metric values, nothing else.

pub mod exposition;
pub mod webhook;

use std::collections::VecDeque;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use perfproof_shared::analysis::AnalysisSettings;
use perfproof_shared::compare::compare_catalogues;
use perfproof_shared::merge::{MergeKind, MergeOptions, Merger};
use perfproof_shared::metrics::{catalogue, MetricValue};
use perfproof_shared::monitor::{conditions, window_export, AlertEvent, AlertState, AlertTracker, CycleMetrics};
use perfproof_shared::targets::evaluate;
use perfproof_shared::Report;
use tokio::sync::watch;

use crate::config::RunSettings;
use crate::output::write_atomically;
use crate::runs;
use exposition::{CycleFigures, Exposition};
use webhook::Webhook;

/// Where the baseline comes from.
#[derive(Debug, Clone)]
pub enum Baseline {
    /// A report given with `--baseline`.
    Report(Box<Report>),
    /// The first cycles, merged as trials once there are this many.
    FirstCycles(usize),
}

/// The history folder and how much of it to keep.
#[derive(Debug, Clone)]
pub struct History {
    pub dir: PathBuf,
    /// Most cycle reports kept (the oldest are removed first).
    pub keep: usize,
    /// Cycle reports older than this are removed.
    pub max_age: Duration,
}

/// A resolved `perfproof monitor`.
pub struct MonitorPlan {
    /// One cycle's run: the scenario's workloads at the probe's load.
    pub run: RunSettings,
    /// From the start of one cycle to the start of the next.
    pub every: Duration,
    pub baseline: Baseline,
    /// Cycles in a row a condition must hold to fire an alert (and be absent to resolve it).
    pub consecutive: u32,
    /// Comparison settings and targets (the cost targets left out: a cycle has no cost to reduce).
    pub analysis: AnalysisSettings,
    pub history: History,
    /// Where `/metrics` and `/healthz` are served; `None`: not served.
    pub metrics_addr: Option<SocketAddr>,
    pub webhook: Option<Webhook>,
    /// How often `metrics_export.json` is refreshed, and the window it covers.
    pub export_every: Duration,
    /// Stop after this many cycles (tests, benchmarks); `None`: until stopped.
    pub cycles: Option<u64>,
    pub quiet: bool,
    /// Called with each cycle's number before it starts (tests switch a target's
    /// behaviour with it).
    pub before_cycle: Option<Box<dyn FnMut(u64) + Send>>,
}

/// How a monitor ended.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub cycles: u64,
    /// Every alert that fired or resolved, in order.
    pub events: Vec<AlertEvent>,
    /// Webhook deliveries that failed (attempts).
    pub webhook_failures: u64,
    /// The address `/metrics` was served on.
    pub metrics_addr: Option<SocketAddr>,
}

/// Runs cycles until `stop` (or the cycle limit). `on_start` gets the bound
/// `/metrics` address before the first cycle.
pub async fn run(
    mut plan: MonitorPlan,
    stop: watch::Receiver<bool>,
    on_start: impl FnOnce(Option<SocketAddr>),
) -> anyhow::Result<Summary> {
    let dir = &plan.history.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("creating the history folder {}", dir.display()))?;
    let exposition = Arc::new(Mutex::new(Exposition::default()));
    let metrics_addr = match plan.metrics_addr {
        Some(addr) => Some(exposition::serve(addr, exposition.clone()).await?),
        None => None,
    };
    on_start(metrics_addr);
    let mut summary = Summary { metrics_addr, ..Summary::default() };
    let mut tracker = AlertTracker::new(plan.consecutive);
    let (mut baseline, mut first_cycles) = match &plan.baseline {
        Baseline::Report(report) => (Some((**report).clone()), Vec::new()),
        Baseline::FirstCycles(_) => (None, Vec::new()),
    };
    let mut window: VecDeque<CycleMetrics> = VecDeque::new();
    let mut last_export = Instant::now();
    let mut deliveries = Vec::new();
    loop {
        let cycle = summary.cycles + 1;
        if let Some(hook) = plan.before_cycle.as_mut() {
            hook(cycle);
        }
        let started = Utc::now();
        let t0 = Instant::now();
        let report = runs::collect(&plan.run, &stop).await;
        let probe = t0.elapsed();
        let file = write_cycle(&plan.history, &report, started)?;
        let metrics: Vec<MetricValue> = match catalogue(&report) {
            Ok(metrics) => metrics.iter().map(MetricValue::from).collect(),
            Err(e) => {
                eprintln!("perfproof monitor: cycle {cycle}: {e}");
                Vec::new()
            }
        };
        let evaluation = evaluate(&plan.analysis.targets, &metrics);
        let comparison = match &baseline {
            Some(b) => compare_with(b, &report, &plan.analysis),
            None => None,
        };
        let events = tracker.update(cycle, started, &conditions(comparison.as_ref(), &evaluation));
        for event in &events {
            announce(event);
            append_line(&dir.join("alerts.jsonl"), event)?;
            if let Some(webhook) = &plan.webhook {
                deliveries.push(webhook.send(event));
            }
        }
        deliveries.retain(|d: &tokio::task::JoinHandle<bool>| !d.is_finished());
        if baseline.is_none() && report.run.complete {
            if let Baseline::FirstCycles(n) = plan.baseline {
                first_cycles.push(report.clone());
                if first_cycles.len() >= n {
                    baseline = Some(merge_baseline(std::mem::take(&mut first_cycles)));
                    if !plan.quiet {
                        eprintln!("perfproof monitor: baseline set from the first {n} cycles");
                    }
                }
            }
        }
        window.push_back(CycleMetrics { at: started, metrics });
        let horizon = started - chrono::Duration::from_std(plan.export_every).unwrap_or(chrono::TimeDelta::MAX);
        while window.front().is_some_and(|c| c.at < horizon) {
            window.pop_front();
        }
        let stopping = *stop.borrow() || plan.cycles.is_some_and(|n| cycle >= n);
        if stopping || last_export.elapsed() >= plan.export_every {
            write_export(dir, &mut window)?;
            last_export = Instant::now();
        }
        let webhook_failures = plan.webhook.as_ref().map_or(0, Webhook::failures);
        let duration = t0.elapsed();
        let overhead = duration.saturating_sub(probe);
        lock(&exposition).record(&CycleFigures {
            report: &report,
            started,
            duration_s: duration.as_secs_f64(),
            overhead_s: overhead.as_secs_f64(),
            evaluation: &evaluation,
            alerts_firing: tracker.firing().len(),
            alerts_fired: events.iter().filter(|e| e.state == AlertState::Firing).count() as u64,
            webhook_failures_total: webhook_failures,
        });
        append_line(
            &dir.join("cycles.jsonl"),
            &serde_json::json!({
                "cycle": cycle,
                "started": started,
                "report": file.file_name().map(|f| f.to_string_lossy().into_owned()),
                "complete": report.run.complete,
                "probe_s": probe.as_secs_f64(),
                "overhead_ms": overhead.as_secs_f64() * 1000.0,
                "grade": evaluation.grade.map(|g| g.label()),
                "alerts_firing": tracker.firing(),
            }),
        )?;
        if !plan.quiet {
            let grade = evaluation.grade.map_or("-".into(), |g| g.label().to_string());
            eprintln!(
                "perfproof monitor: cycle {cycle}: grade {grade}, {} alert(s) firing, {} written",
                tracker.firing().len(),
                file.display()
            );
        }
        summary.cycles = cycle;
        summary.events.extend(events);
        if stopping {
            break;
        }
        let next = plan.every.saturating_sub(t0.elapsed());
        let mut stop = stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(next) => {}
            _ = stop.wait_for(|s| *s) => {}
        }
        if *stop.borrow() {
            // Stopped between cycles: the export covers every cycle done.
            write_export(dir, &mut window)?;
            break;
        }
    }
    // Deliveries in flight get their chance (each is bounded by its timeouts).
    for delivery in deliveries {
        let _ = delivery.await;
    }
    summary.webhook_failures = plan.webhook.as_ref().map_or(0, Webhook::failures);
    Ok(summary)
}

/// Writes `metrics_export.json`: every metric of the window's cycles.
fn write_export(dir: &Path, window: &mut VecDeque<CycleMetrics>) -> anyhow::Result<()> {
    let export = window_export(window.make_contiguous());
    write_atomically(&dir.join("metrics_export.json"), serde_json::to_string_pretty(&export)?.as_bytes())
}

fn lock(exposition: &Mutex<Exposition>) -> std::sync::MutexGuard<'_, Exposition> {
    exposition.lock().unwrap_or_else(|p| p.into_inner())
}

/// The cycle against the baseline; `None` when either cannot be read.
fn compare_with(
    baseline: &Report,
    cycle: &Report,
    settings: &AnalysisSettings,
) -> Option<perfproof_shared::compare::Comparison> {
    let a = catalogue(baseline).ok()?;
    let b = catalogue(cycle).ok()?;
    compare_catalogues((&baseline.run.label, &a), (&cycle.run.label, &b), settings.compare).ok()
}

/// The first cycles as one baseline: merged as trials, or the first alone when
/// they do not merge (a workload that failed in one of them).
fn merge_baseline(cycles: Vec<Report>) -> Report {
    let mut reports = cycles.into_iter();
    let Some(first) = reports.next() else { unreachable!("at least one cycle") };
    let merged = (|| {
        let mut merger = Merger::new(first.clone(), MergeKind::Trials, MergeOptions::default()).ok()?;
        for report in reports {
            merger.add(report).ok()?;
        }
        merger.finish().ok()
    })();
    let mut baseline = merged.unwrap_or(first);
    baseline.run.label = "baseline".into();
    baseline
}

/// Writes a cycle's report into the history folder, then removes what is too old
/// or too many; returns the report's path.
fn write_cycle(history: &History, report: &Report, started: DateTime<Utc>) -> anyhow::Result<PathBuf> {
    let name = format!("cycle-{}.json", started.format("%Y%m%dT%H%M%S%.3fZ"));
    let path = history.dir.join(name);
    crate::output::write_report(report, &path)?;
    rotate(history)?;
    Ok(path)
}

/// Keeps the newest `keep` cycle reports younger than `max_age`.
fn rotate(history: &History) -> anyhow::Result<()> {
    let mut cycles: Vec<(PathBuf, SystemTime)> = std::fs::read_dir(&history.dir)
        .with_context(|| format!("reading {}", history.dir.display()))?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?;
            if !(name.starts_with("cycle-") && name.ends_with(".json")) {
                return None;
            }
            let modified = path.metadata().ok()?.modified().ok()?;
            Some((path, modified))
        })
        .collect();
    // Names sort by start time.
    cycles.sort_by(|a, b| b.0.cmp(&a.0));
    let now = SystemTime::now();
    for (i, (path, modified)) in cycles.iter().enumerate() {
        let too_old = now.duration_since(*modified).is_ok_and(|age| age > history.max_age);
        if i >= history.keep || too_old {
            std::fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

/// Largest a log of the history folder (`cycles.jsonl`, `alerts.jsonl`) grows
/// before it is moved aside to `<name>.1`, replacing the one moved aside before:
/// a monitor left running keeps at most twice this per log. A cycle's line takes
/// a few hundred bytes, so one file holds weeks of cycles a minute apart.
const MAX_LOG_BYTES: u64 = 16 << 20;

/// Appends one JSON line to a log of the history folder (see [`MAX_LOG_BYTES`]).
fn append_line(path: &Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    append_line_within(path, value, MAX_LOG_BYTES)
}

/// Appends one JSON line to `path`, first moving `path` aside to `<path>.1` when
/// the line would take it past `max_bytes`.
fn append_line_within(path: &Path, value: &impl serde::Serialize, max_bytes: u64) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(value)?;
    line.push(b'\n');
    if std::fs::metadata(path).is_ok_and(|m| m.len() > 0 && m.len() + line.len() as u64 > max_bytes) {
        let mut aside = path.as_os_str().to_owned();
        aside.push(".1");
        std::fs::rename(path, &aside).with_context(|| format!("moving {} aside", path.display()))?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(&line))
        .with_context(|| format!("appending to {}", path.display()))
}

/// Prints an alert on stdout, also with `--quiet`: alerts are the monitor's output.
fn announce(event: &AlertEvent) {
    let state = match event.state {
        AlertState::Firing => "ALERT",
        AlertState::Resolved => "RESOLVED",
    };
    println!("{state} {} (cycle {}): {}", event.key, event.cycle, event.message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_past_its_limit_is_moved_aside_and_started_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cycles.jsonl");
        let aside = dir.path().join("cycles.jsonl.1");
        // Lines of 10 bytes (`{"n":100}` and a newline), at most 35 bytes a file.
        for n in 100..110 {
            append_line_within(&path, &serde_json::json!({ "n": n }), 35).unwrap();
        }
        let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().map(str::to_string).collect::<Vec<_>>();
        // Three lines a file: the newest in the log, the three before moved aside
        // (the older ones went with the file moved aside before that).
        assert_eq!(lines(&path), [r#"{"n":109}"#]);
        assert_eq!(lines(&aside), [r#"{"n":106}"#, r#"{"n":107}"#, r#"{"n":108}"#]);
        // A line longer than the limit still goes in, alone.
        append_line_within(&path, &serde_json::json!({ "long": "x".repeat(50) }), 35).unwrap();
        assert_eq!(lines(&path).len(), 1);
        assert_eq!(lines(&aside), [r#"{"n":109}"#]);
    }
}
