//! Showing one dropped file: the report's run metadata and latency summaries, or
//! the parse error naming the field and line, so a bad file never breaks the page.

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::prelude::*;
use perfproof_shared::report::Workload;
use perfproof_shared::{parse_report, Latency, Report};

/// A file the user dropped, parsed (or not).
#[derive(Clone)]
pub struct LoadedFile {
    /// Unique per drop, so the same file dropped twice shows twice.
    pub id: usize,
    pub name: String,
    pub parsed: Result<Report, String>,
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

impl LoadedFile {
    pub fn parse(name: String, text: &str) -> Self {
        let parsed = if text.is_empty() {
            Err("the file is empty or could not be read as text".to_string())
        } else {
            parse_report(text).map_err(|e| e.to_string())
        };
        LoadedFile { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), name, parsed }
    }

    /// A file that could not be had at all (a hosted report that did not download).
    pub fn failed(name: String, message: String) -> Self {
        LoadedFile { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), name, parsed: Err(message) }
    }

    /// A report that arrived already parsed (from a share link).
    pub fn from_report(name: String, report: Report) -> Self {
        LoadedFile { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), name, parsed: Ok(report) }
    }
}

/// One card per file: the report, or why it is not one.
#[component]
pub fn ReportCard(file: LoadedFile) -> impl IntoView {
    match file.parsed {
        Ok(report) => view! { <ReportSummary name=file.name report=report /> }.into_any(),
        Err(message) => view! {
            <article class="card error" data-testid="report-error">
                <h2>{file.name}</h2>
                <p class="message">{message}</p>
            </article>
        }
        .into_any(),
    }
}

#[component]
fn ReportSummary(name: String, report: Report) -> impl IntoView {
    let run = report.run;
    let status = if run.complete { "complete" } else { "incomplete (interrupted)" };
    let mut warnings = Vec::new();
    let rows = report.workloads.into_iter().map(|workload| {
        let title = format!("{} {}", workload.kind(), workload.name());
        let result = workload.result().clone();
        warnings.extend(result.warnings.iter().map(|w| format!("{title}: {w}")));
        if !result.complete {
            warnings.push(format!("{title}: incomplete, stopped by a signal after {:.1} s", result.duration_s));
        }
        let throughput = format!("{:.1}", result.throughput_per_s);
        let stats = result.stats;
        // Per-endpoint rows only when an HTTP scenario has more than one endpoint.
        let parts = match workload {
            Workload::Http(http) if http.endpoints.len() > 1 => Some(
                http.endpoints
                    .into_iter()
                    .map(|endpoint| {
                        view! {
                            <tr class="endpoint" data-testid="endpoint">
                                <th scope="row">{format!("{} {}", endpoint.method, endpoint.name)}</th>
                                <td>{endpoint.stats.operations}</td>
                                <td>{endpoint.stats.error_count()}</td>
                                <td></td>
                                <LatencyCells latency=endpoint.stats.latency />
                            </tr>
                        }
                    })
                    .collect_view(),
            ),
            Workload::Http(_) => None,
        };
        view! {
            <tr data-testid="workload">
                <th scope="row">{title}</th>
                <td>{stats.operations}</td>
                <td>{stats.error_count()}</td>
                <td>{throughput}</td>
                <LatencyCells latency=stats.latency />
            </tr>
            {parts}
        }
    });
    let rows = rows.collect_view();
    warnings.extend(report.failures.iter().map(|f| format!("{} {} did not run: {}", f.kind, f.name, f.error)));
    let warnings = (!warnings.is_empty()).then(|| {
        view! {
            <ul class="warnings" data-testid="warnings">
                {warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
            </ul>
        }
    });
    view! {
        <article class="card" data-testid="report">
            <h2>
                <span data-testid="label">{run.label}</span>
                <small>{name}</small>
            </h2>
            <p class="meta">
                <span data-testid="started">{run.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</span>
                " · " {status} " · " {format!("{} {} · {} CPUs", run.host.os, run.host.arch, run.host.cpus)}
                " · perfproof " {run.tool_version}
            </p>
            <table>
                <thead>
                    <tr>
                        <th>"workload"</th>
                        <th>"operations"</th>
                        <th>"errors"</th>
                        <th>"throughput (/s)"</th>
                        <th>"p50 (ms)"</th>
                        <th>"p90 (ms)"</th>
                        <th>"p95 (ms)"</th>
                        <th>"p99 (ms)"</th>
                        <th>"p99.9 (ms)"</th>
                        <th>"max (ms)"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {warnings}
        </article>
    }
}

/// The latency summary in milliseconds, three decimals, as the CLI prints it.
#[component]
fn LatencyCells(latency: Latency) -> impl IntoView {
    let s = latency.summary.clone();
    let ms = move |v: u64| latency.ms_text(v);
    view! {
        <td data-testid="p50">{ms(s.p50)}</td>
        <td data-testid="p90">{ms(s.p90)}</td>
        <td data-testid="p95">{ms(s.p95)}</td>
        <td data-testid="p99">{ms(s.p99)}</td>
        <td data-testid="p99_9">{ms(s.p99_9)}</td>
        <td data-testid="max">{ms(s.max)}</td>
    }
}
