//! Showing the loaded files: a list of them (label, time, host, workloads, or the
//! parse error naming the file, field and line, so a bad file never breaks the
//! page), each removable, and one card per report with the run's summary, the same
//! tables and lines `perfproof run` prints (shared's `summary`): every workload
//! with its parts, then each kind's own table (the pool, the batch sizes, the cache).

use leptos::prelude::*;
use perfproof_shared::report::{Host, RunMeta};
use perfproof_shared::summary::{summary, RunSummary, SummaryRow, SummaryTable};
use perfproof_shared::Report;

use crate::state::{use_app_state, AppState, LoadedFile};

/// The list of loaded files at the top of the page: each report's label, file,
/// start time, host and workloads, or the file's name and why it is not a report
/// (the parse error with the field's path and line), each with a button that
/// removes it (and its card, and its place in the analysis).
#[component]
pub fn LoadedList() -> impl IntoView {
    let AppState { files, set_files, .. } = use_app_state();
    let on_remove = move |id| set_files.update(|files| files.retain(|f: &LoadedFile| f.id != id));
    move || {
        (!files.with(Vec::is_empty)).then(|| {
            view! {
                <section class="card loaded" aria-labelledby="loaded-heading" data-testid="loaded">
                    <h2 id="loaded-heading">{move || format!("Loaded reports ({})", files.with(Vec::len))}</h2>
                    <ul>
                        <For each=move || files.get() key=|file| file.id let:file>
                            <LoadedItem file=file on_remove=on_remove />
                        </For>
                    </ul>
                </section>
            }
        })
    }
}

#[component]
fn LoadedItem(file: LoadedFile, on_remove: impl Fn(usize) + Copy + Send + Sync + 'static) -> impl IntoView {
    let id = file.id;
    match file.parsed {
        Ok(report) => {
            let run = report.run;
            let workloads =
                report.workloads.iter().map(|w| format!("{} {}", w.kind(), w.name())).collect::<Vec<_>>().join(", ");
            let remove = format!("Remove report {} ({})", run.label, file.name);
            let (started, host) = (started_text(&run), host_text(&run.host));
            view! {
                <li data-testid="loaded-report">
                    <div class="what">
                        <strong data-testid="loaded-label">{run.label}</strong>
                        " " <span class="file">{file.name}</span>
                        <div class="meta">
                            <span data-testid="loaded-started">{started}</span>
                            " · " <span data-testid="loaded-host">{host}</span>
                            " · " <span data-testid="loaded-workloads">{workloads}</span>
                        </div>
                    </div>
                    <button type="button" class="remove" aria-label=remove on:click=move |_| on_remove(id)>"Remove"</button>
                </li>
            }
            .into_any()
        }
        Err(message) => {
            let remove = format!("Remove {}, which is not a report", file.name);
            view! {
                <li class="error" data-testid="report-error">
                    <div class="what">
                        <strong class="file">{file.name}</strong>
                        <p class="message">{message}</p>
                    </div>
                    <button type="button" class="remove" aria-label=remove on:click=move |_| on_remove(id)>"Remove"</button>
                </li>
            }
            .into_any()
        }
    }
}

/// When a run started, as the page writes it everywhere.
fn started_text(run: &RunMeta) -> String {
    run.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The machine a run ran on.
fn host_text(host: &Host) -> String {
    format!("{} {} · {} CPUs", host.os, host.arch, host.cpus)
}

/// One card per valid report (files that are not reports are shown in [`LoadedList`]).
#[component]
pub fn ReportCard(name: String, report: Report) -> impl IntoView {
    view! { <ReportSummary name=name report=report /> }
}

#[component]
fn ReportSummary(name: String, report: Report) -> impl IntoView {
    let RunSummary { workloads, lines, details } = summary(&report);
    let run = report.run;
    let status = if run.complete { "complete" } else { "incomplete (interrupted)" };
    let started = started_text(&run);
    let lines = (!lines.is_empty()).then(|| {
        view! {
            <ul class="warnings" data-testid="warnings">
                {lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
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
                <span data-testid="started">{started}</span>
                " · " {status} " · " {host_text(&run.host)}
                " · perfproof " {run.tool_version}
            </p>
            {summary_table(workloads)}
            {lines}
            {details.into_iter().map(summary_table).collect_view()}
        </article>
    }
}

/// One table of a run's summary as `perfproof run` prints it: its title, the table
/// (a workload's parts indented under it), its notes. Rows are `workload` (or `part`)
/// in the workloads table, `row` in a kind's own; `data-workload` names the workload
/// a row belongs to; each figure's test id is its column's ([`column_id`]).
fn summary_table(table: SummaryTable) -> impl IntoView {
    let SummaryTable { id, title, columns, rows, notes } = table;
    let headers = columns.iter().map(|&c| view! { <th scope="col">{c}</th> }).collect_view();
    let mut workload = String::new();
    let rows = rows
        .into_iter()
        .map(|SummaryRow { part, cells }| {
            let mut cells = cells.into_iter();
            let name = cells.next().unwrap_or_default();
            if !part {
                workload.clone_from(&name);
            }
            let testid = match (id, part) {
                ("workloads", false) => "workload",
                (_, true) => "part",
                _ => "row",
            };
            let figures = columns
                .iter()
                .skip(1)
                .zip(cells)
                .map(|(&column, text)| view! { <td data-testid=column_id(column)>{text}</td> })
                .collect_view();
            view! {
                <tr class:part=part data-testid=testid data-workload=workload.clone()>
                    <th scope="row">{name}</th>
                    {figures}
                </tr>
            }
        })
        .collect_view();
    let title = (!title.is_empty()).then(|| view! { <p class="table-title" data-testid="table-title">{title}</p> });
    let notes = (!notes.is_empty()).then(|| {
        view! {
            <ul class="notes" data-testid="notes">
                {notes.into_iter().map(|note| view! { <li>{note}</li> }).collect_view()}
            </ul>
        }
    });
    view! {
        <section class="summary-table" data-testid=id>
            {title}
            <div class="table-scroll">
                <table>
                    <thead><tr>{headers}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {notes}
        </section>
    }
}

/// A column's header as a test id: up to any parenthesis, `.` as `_`, spaces as
/// `-` (`p99.9` → `p99_9`, `hit rate` → `hit-rate`, `throughput (/s)` → `throughput`).
fn column_id(column: &str) -> String {
    column.split(" (").next().unwrap_or(column).replace('.', "_").replace(' ', "-")
}
