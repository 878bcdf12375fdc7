//! A run: every workload of the settings, one after another, into one report.
//!
//! A workload that cannot start (its target unreachable, its embedded target
//! failing) is listed in the report's `failures` and the next one runs. A stop
//! signal ends the workload in flight (its result marked incomplete) and skips
//! the rest (listed as not started); the report is written either way.

use chrono::Utc;
use perfproof_shared::report::{RunMeta, WorkloadFailure};
use perfproof_shared::{Report, SCHEMA_ID};
use tokio::sync::watch;

use crate::load::Context;
use crate::settings::RunSettings;
use crate::{host, output};

/// Runs the workloads, writes the report atomically to `settings.output` and prints it.
pub async fn measure(settings: &RunSettings, stop: &watch::Receiver<bool>) -> anyhow::Result<Report> {
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
        eprintln!("perfproof: {}", plan.describe());
        match plan.run(&context).await {
            Ok(workload) => workloads.push(workload),
            Err(e) => {
                eprintln!("error: {} `{}` could not start: {e:#}", plan.kind(), plan.name());
                failures.push(failure(format!("{e:#}")));
            }
        }
    }
    let report = Report {
        schema: SCHEMA_ID.into(),
        run: RunMeta {
            tool_version: env!("CARGO_PKG_VERSION").into(),
            run_id: uuid::Uuid::new_v4(),
            label: settings.label.clone(),
            started_at,
            ended_at: Utc::now(),
            complete: !*stop.borrow(),
            host: host::current(),
        },
        workloads,
        failures,
    };
    output::write_report(&report, &settings.output)?;
    output::print_run(&report);
    let note = if report.run.complete { "" } else { " (incomplete: interrupted)" };
    println!("report: {}{note}", settings.output.display());
    Ok(report)
}
