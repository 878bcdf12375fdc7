//! A run: every workload of the settings, one after another, into one report;
//! with trials, each workload that many times in a row, its trials kept apart in
//! its entry (shared's `merge_workloads`).
//!
//! A workload that cannot start (its target unreachable, its embedded target
//! failing) is listed in the report's `failures` and the next one runs. A stop
//! signal ends the workload in flight (its result marked incomplete) and skips
//! the rest (listed as not started); the report is written either way.

use chrono::Utc;
use perfproof_shared::merge::{merge_workloads, MergeKind};
use perfproof_shared::report::{RunMeta, ShardMeta, Workload, WorkloadFailure};
use perfproof_shared::{Report, SCHEMA_ID};
use tokio::sync::watch;

use crate::config::RunSettings;
use crate::load::capacity::search;
use crate::load::Context;
use crate::workloads::WorkloadPlan;
use crate::{host, output};

/// Waits until `at` (or a stop); returns how late the wait ended, in milliseconds
/// (negative: stopped early).
async fn wait_until(at: chrono::DateTime<Utc>, stop: &watch::Receiver<bool>) -> f64 {
    if let Ok(wait) = (at - Utc::now()).to_std() {
        eprintln!("perfproof: waiting {} for the agreed start at {at}", humantime::format_duration(wait));
        let mut stop = stop.clone();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => {}
        }
    }
    (Utc::now() - at).num_microseconds().map_or(0.0, |us| us as f64 / 1000.0)
}

/// Runs the workload's trials in a row (fewer when stopped) into one entry.
async fn run_trials(plan: &WorkloadPlan, context: &Context) -> anyhow::Result<Workload> {
    let trials = plan.load().trials;
    let mut done = Vec::new();
    for trial in 1..=trials {
        if trial > 1 && *context.stop.borrow() {
            break;
        }
        if trials == 1 {
            eprintln!("perfproof: {}", plan.describe());
            return plan.run(context).await;
        }
        eprintln!("perfproof: {} (trial {trial} of {trials})", plan.describe());
        match plan.run(context).await {
            Ok(workload) => done.push(workload),
            // Earlier trials still count; the failure is said beside them.
            Err(e) if !done.is_empty() => {
                let note = format!("trial {trial} of {trials} could not start ({e:#}): {} trials kept", done.len());
                eprintln!("error: {} `{}`: {note}", plan.kind(), plan.name());
                let mut merged = merge_workloads(&done.iter().collect::<Vec<_>>(), MergeKind::Trials)?;
                merged.result_mut().warnings.push(note);
                return Ok(merged);
            }
            Err(e) => return Err(e.context(format!("trial {trial}"))),
        }
    }
    Ok(merge_workloads(&done.iter().collect::<Vec<_>>(), MergeKind::Trials)?)
}

/// Runs the workloads, writes the report atomically to `settings.output` and prints it.
pub async fn measure(settings: &RunSettings, stop: &watch::Receiver<bool>) -> anyhow::Result<Report> {
    let report = collect(settings, stop).await;
    output::write_report(&report, &settings.output)?;
    output::print_run(&report);
    let note = if report.run.complete { "" } else { " (incomplete: interrupted)" };
    println!("report: {}{note}", settings.output.display());
    Ok(report)
}

/// Runs the workloads into one report; a workload that cannot start is in its `failures`.
pub async fn collect(settings: &RunSettings, stop: &watch::Receiver<bool>) -> Report {
    // The shards' agreed start (`--start-at`): wait for it before the first workload.
    let start_lag_ms = match settings.shard.as_ref().and_then(|s| s.start_at) {
        Some(at) => Some(wait_until(at, stop).await),
        None => None,
    };
    let started_at = Utc::now();
    let context = Context { stop: stop.clone(), quiet: settings.quiet, target_in_process: false };
    let mut workloads = Vec::new();
    let mut failures = Vec::new();
    for plan in &settings.workloads {
        let failure = |error: String| WorkloadFailure { kind: plan.kind().into(), name: plan.name().into(), error };
        if *stop.borrow() {
            failures.push(failure("not started: the run was interrupted".into()));
            continue;
        }
        match run_trials(plan, &context).await {
            Ok(mut workload) => {
                if let Some(capacity) = &plan.load().capacity {
                    let name = format!("{} `{}`", plan.kind(), plan.name());
                    let estimate = workload.result().throughput_per_s;
                    let probe = |load| {
                        let probe = plan.probe(load);
                        let context = &context;
                        async move { Ok(probe.run(context).await?.result().clone()) }
                    };
                    let search = search(capacity, plan.load(), estimate, &name, stop, probe).await;
                    let found = search.found_text(plan.info().throughput_unit);
                    eprintln!("perfproof: {name}: capacity {found}: {}", search.end.text());
                    workload.result_mut().capacity = Some(search);
                }
                workloads.push(workload)
            }
            Err(e) => {
                eprintln!("error: {} `{}` could not start: {e:#}", plan.kind(), plan.name());
                failures.push(failure(format!("{e:#}")));
            }
        }
    }
    Report {
        schema: SCHEMA_ID.into(),
        run: RunMeta {
            tool_version: env!("CARGO_PKG_VERSION").into(),
            run_id: uuid::Uuid::new_v4(),
            label: settings.label.clone(),
            started_at,
            ended_at: Utc::now(),
            complete: !*stop.borrow(),
            host: host::current(),
            shard: settings.shard.as_ref().map(|s| ShardMeta {
                group: s.group.clone(),
                index: s.index,
                count: s.count,
                start_at: s.start_at,
                start_lag_ms,
            }),
            merged_shards: None,
        },
        workloads,
        failures,
    }
}
