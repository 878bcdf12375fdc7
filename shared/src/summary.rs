//! A run's summary as text: the tables and lines that `perfproof run` (and
//! `perfproof summary`) print and that the page's report card shows, made once
//! here so both show the same strings.
//!
//! The summary is the workloads table (one row per workload, and a row per part:
//! an HTTP scenario's endpoints, a query mix's queries, a cache's reads and writes),
//! lines on each workload (schedule keeping, errors by class, trials, warnings,
//! workloads that did not run), then each workload kind's own table (the pool, the
//! batch sizes, the cache) with its notes, and each capacity search's probes. Every number goes through [`crate::format`].

use serde::Serialize;

use crate::format;
use crate::report::{LoadModel, OperationStats, Workload};
use crate::Report;

/// A run's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Every workload's operations, errors, throughput and latency, with its parts.
    pub workloads: SummaryTable,
    /// Lines on the workloads: schedule keeping, errors by class, trials,
    /// incomplete runs, warnings, and the workloads that did not run.
    pub lines: Vec<String>,
    /// Each workload's own table, in report order, for the kinds that have one.
    pub details: Vec<SummaryTable>,
}

/// One table of a summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryTable {
    /// What it is (`workloads`, `pool`, `batches`, `cache`): the page's test id.
    pub id: &'static str,
    /// The line above it (`db demo (sqlite 3.46.0): connection pool`); empty for the workloads.
    pub title: String,
    /// Column headers; the first column names the row, the others are figures.
    pub columns: Vec<&'static str>,
    pub rows: Vec<SummaryRow>,
    /// Sentences below it: a recommendation, failures, a backend's own counters, advice.
    pub notes: Vec<String>,
}

/// One row of a [`SummaryTable`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    /// A part of the workload above it (an endpoint, a query), shown indented.
    pub part: bool,
    pub cells: Vec<String>,
}

impl SummaryRow {
    /// A workload's own row.
    pub fn new(cells: Vec<String>) -> Self {
        SummaryRow { part: false, cells }
    }
}

/// The columns of the workloads table.
const WORKLOAD_COLUMNS: [&str; 10] =
    ["workload", "operations", "errors", "throughput (/s)", "p50", "p90", "p95", "p99", "p99.9", "max"];

/// The summary of `report`.
pub fn summary(report: &Report) -> RunSummary {
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut details = Vec::new();
    for workload in &report.workloads {
        let result = workload.result();
        let title = format!("{} {}", workload.kind(), workload.name());
        rows.push(SummaryRow::new(stats_cells(title.clone(), &result.stats, Some(result.throughput_per_s))));
        for (name, stats) in workload.parts() {
            rows.push(SummaryRow { part: true, cells: stats_cells(name, stats, None) });
        }
        lines.extend(workload_lines(&title, workload));
        if let Some(mut table) = workload.detail() {
            table.notes.extend(workload.advice());
            details.push(table);
        }
        if let Some(search) = &result.capacity {
            details.push(crate::capacity::summary_table(&title, search, workload.info().throughput_unit));
        }
    }
    for failure in &report.failures {
        lines.push(format!("{} {}: did not run: {}", failure.kind, failure.name, failure.error));
    }
    let workloads = SummaryTable {
        id: "workloads",
        title: String::new(),
        columns: WORKLOAD_COLUMNS.to_vec(),
        rows,
        notes: Vec::new(),
    };
    RunSummary { workloads, lines, details }
}

/// A row of the workloads table: name, operations, errors, throughput (a part has
/// none of its own), and the latency summary.
fn stats_cells(name: String, stats: &OperationStats, throughput: Option<f64>) -> Vec<String> {
    let l = &stats.latency;
    let s = &l.summary;
    vec![
        name,
        format::count(stats.operations),
        format::count(stats.error_count()),
        throughput.map_or(String::new(), format::number),
        l.text(s.p50),
        l.text(s.p90),
        l.text(s.p95),
        l.text(s.p99),
        l.text(s.p99_9),
        l.text(s.max),
    ]
}

/// A workload's lines: the open model's schedule keeping, errors by class, the
/// trials' throughputs, whether a signal stopped it, and its warnings.
fn workload_lines(title: &str, workload: &Workload) -> Vec<String> {
    let result = workload.result();
    let mut lines = Vec::new();
    if let Some(schedule) = &result.schedule {
        let p99 = |l: &crate::Latency| l.text(l.summary.p99);
        lines.push(format!(
            "{title}: open model: {} of {} per second; p99 {} from the schedule, {} uncorrected; schedule lag p99 {}; \
             {} late (> {} ms)",
            format::number(schedule.achieved_rate_per_s),
            format::number(schedule.target_rate_per_s),
            p99(&result.stats.latency),
            p99(&schedule.uncorrected_latency),
            p99(&schedule.lag),
            format::count(schedule.late_operations),
            schedule.late_threshold_ms
        ));
    }
    if !result.stats.errors.is_empty() {
        let errors: Vec<String> =
            result.stats.errors.iter().map(|(class, n)| format!("{class}: {}", format::count(*n))).collect();
        lines.push(format!("{title}: errors by class: {}", errors.join(", ")));
    }
    if !result.trials.is_empty() {
        let rates: Vec<String> = result.trials.iter().map(|t| format::number(t.throughput_per_s)).collect();
        lines.push(format!(
            "{title}: {} trials, throughput per second each: {}",
            result.trials.len(),
            rates.join(", ")
        ));
    }
    if !result.complete {
        lines.push(format!("{title}: incomplete: stopped by a signal after {}", format::value(result.duration_s, "s")));
    }
    lines.extend(result.warnings.iter().map(|warning| format!("{title}: warning: {warning}")));
    lines
}

/// The load a sweep point ran at, in words: `8 users`, `200 req/s offered`.
pub(crate) fn load_text(load: &LoadModel, rate_unit: &str) -> String {
    match load {
        LoadModel::Closed { users, .. } => format!("{users} users"),
        LoadModel::Open { rate_per_s, .. } => format!("{} offered", format::value(*rate_per_s, rate_unit)),
    }
}
