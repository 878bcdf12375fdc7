//! Showing the loaded files: a list of them (label, time, host, workloads, or the
//! parse error naming the file, field and line, so a bad file never breaks the
//! page), each removable, and one card per report with its latency summaries and
//! each workload's own rows (endpoints, queries and the pool, a cache's reads,
//! writes, hit rate, hit and miss latency and counters).

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::prelude::*;
use perfproof_shared::metrics::{format_count, group_thousands};
use perfproof_shared::report::{CacheResult, DbResult, Host, OperationStats, RunMeta, Workload};
use perfproof_shared::{parse_report, Latency, Report};

/// A file the user dropped, parsed (or not).
#[derive(Clone)]
pub struct LoadedFile {
    /// Unique per drop, so the same file dropped twice shows twice.
    pub id: usize,
    pub name: String,
    pub parsed: Result<Report, String>,
    /// The URL it was fetched from (`?src=`), when it was: a share link too large
    /// for a link can then offer a `?src=` link instead.
    pub source: Option<String>,
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

impl LoadedFile {
    pub fn parse(name: String, text: &str) -> Self {
        let parsed = if text.is_empty() {
            Err("the file is empty or could not be read as text".to_string())
        } else {
            parse_report(text).map_err(|e| e.to_string())
        };
        LoadedFile { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), name, parsed, source: None }
    }

    /// A file that could not be had at all (a hosted report that did not download).
    pub fn failed(name: String, message: String) -> Self {
        LoadedFile { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), name, parsed: Err(message), source: None }
    }

    /// A report that arrived already parsed (from a share link or bundle), with
    /// the URL it was first fetched from, if it was.
    pub fn from_report(name: String, report: Report, source: Option<String>) -> Self {
        LoadedFile { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), name, parsed: Ok(report), source }
    }
}

/// The list of loaded files at the top of the page: each report's label, file,
/// start time, host and workloads, or the file's name and why it is not a report
/// (the parse error with the field's path and line), each with a button that
/// removes it (and its card, and its place in the analysis).
#[component]
pub fn LoadedList(
    files: ReadSignal<Vec<LoadedFile>>,
    on_remove: impl Fn(usize) + Copy + Send + Sync + 'static,
) -> impl IntoView {
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
    let run = report.run;
    let status = if run.complete { "complete" } else { "incomplete (interrupted)" };
    let started = started_text(&run);
    let mut warnings = Vec::new();
    let rows = report.workloads.into_iter().map(|workload| {
        let title = format!("{} {}", workload.kind(), workload.name());
        let result = workload.result().clone();
        warnings.extend(result.warnings.iter().map(|w| format!("{title}: {w}")));
        if !result.complete {
            warnings.push(format!("{title}: incomplete, stopped by a signal after {:.1} s", result.duration_s));
        }
        let throughput = group_thousands(result.throughput_per_s, 1);
        let stats = result.stats;
        let details = match &workload {
            Workload::Db(db) => Some(pool_row(db)),
            Workload::Cache(cache) => Some(cache_rows(cache)),
            Workload::Http(_) | Workload::Ml(_) => None,
        };
        // Per-part rows: an HTTP scenario's endpoints (when it has more than one),
        // a database mix's queries, a cache workload's reads and writes.
        let parts = match workload {
            Workload::Http(http) if http.endpoints.len() > 1 => Some(
                http.endpoints
                    .into_iter()
                    .map(|e| part_row("endpoint", format!("{} {}", e.method, e.name), e.stats))
                    .collect_view(),
            ),
            Workload::Db(db) => Some(
                db.queries
                    .into_iter()
                    .map(|q| part_row("query", format!("{} {}", q.kind, q.name), q.stats))
                    .collect_view(),
            ),
            Workload::Cache(cache) => Some(
                [("reads", cache.reads), ("writes", cache.writes)]
                    .into_iter()
                    .map(|(title, stats)| part_row("cache-operation", title.to_string(), stats))
                    .collect_view(),
            ),
            Workload::Http(_) | Workload::Ml(_) => None,
        };
        view! {
            <tr data-testid="workload">
                <th scope="row">{title}</th>
                <td data-testid="operations">{format_count(stats.operations)}</td>
                <td>{format_count(stats.error_count())}</td>
                <td>{throughput}</td>
                <LatencyCells latency=stats.latency />
            </tr>
            {parts}
            {details}
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
                <span data-testid="started">{started}</span>
                " · " {status} " · " {host_text(&run.host)}
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

/// One part of a workload (an endpoint, a query, a cache's reads) as a row of the
/// report's table: its operations, errors and latency.
fn part_row(testid: &'static str, title: String, stats: OperationStats) -> impl IntoView {
    view! {
        <tr class="endpoint" data-testid=testid>
            <th scope="row">{title}</th>
            <td>{format_count(stats.operations)}</td>
            <td>{format_count(stats.error_count())}</td>
            <td></td>
            <LatencyCells latency=stats.latency />
        </tr>
    }
}

/// A line of text across the report's table, below a workload's rows.
fn detail_row(testid: &'static str, text: String) -> impl IntoView {
    view! { <tr class="detail" data-testid=testid><td colspan="10">{text}</td></tr> }
}

/// A database workload's pool in one row: its size, efficiency and utilization
/// side by side (near-1 efficiency with low utilization is an oversized pool),
/// and the size a sweep recommends.
fn pool_row(db: &DbResult) -> AnyView {
    let (pool, recommendation) = (&db.pool, &db.recommendation);
    let wait = &pool.acquire_wait;
    let mut text = format!(
        "db {} ({}): pool of {}: efficiency {:.1} %, utilization {:.1} %, direct checkouts {:.1} %, \
         acquire wait p90 {} ms, peak waiters {}, acquire timeouts {}",
        db.name,
        db.backend,
        pool.size,
        pool.efficiency * 100.0,
        pool.utilization * 100.0,
        pool.direct_ratio() * 100.0,
        wait.ms_text(wait.summary.p90),
        pool.peak_waiters,
        pool.acquire_timeouts
    );
    if let Some(r) = recommendation {
        text.push_str(&format!(
            "; recommended pool size {} ({} tx/s, p90 {:.3} ms; best {} tx/s with {})",
            r.pool_size,
            group_thousands(r.throughput_per_s, 1),
            r.latency_p90_ms,
            group_thousands(r.best_throughput_per_s, 1),
            r.best_pool_size
        ));
    }
    detail_row("pool", text).into_any()
}

/// A percentage of a 0–1 share, with one decimal: `87.3 %`.
fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// A cache workload's rows: the cache (backend, eviction, capacity, keys), its
/// hit rate beside the ideal, the counts, hit and miss latency with the load
/// penalty, cache failures by class, and the backend's own counters when it has them.
fn cache_rows(cache: &CacheResult) -> AnyView {
    let (stats, keys) = (&cache.cache, &cache.keys);
    let capacity = match stats.capacity {
        Some(c) => format!(
            "capacity {} entries ({:.1} % of the keyspace)",
            format_count(c),
            c as f64 / keys.keyspace.max(1) as f64 * 100.0
        ),
        None => "capacity unbounded".to_string(),
    };
    let theta = keys.theta.map(|t| format!(", θ {t}")).unwrap_or_default();
    let sweep = match (cache.sweep.len(), cache.recommended_capacity) {
        (0, _) => String::new(),
        (n, Some(c)) => format!("; sweep of {n} capacities, recommended {} entries", format_count(c)),
        (n, None) => format!("; sweep of {n} capacities, none reached the goal"),
    };
    let setup = format!(
        "cache {} ({} {}, {} eviction): {capacity}; keyspace {} keys, {}{theta}; {} B values, TTL {} s, \
         writes {:.1} % ({}), {} start; database {} table {}{sweep}",
        cache.name,
        cache.backend,
        cache.server_version,
        cache.eviction_policy,
        format_count(keys.keyspace),
        keys.kind,
        format_count(u64::from(cache.value_bytes)),
        cache.ttl_s,
        cache.write_percent,
        cache.write_policy,
        cache.start,
        cache.database.backend,
        cache.database.table,
    );
    let ideal =
        stats.ideal_hit_rate.map_or("no ideal for this distribution".to_string(), |i| format!("ideal {}", percent(i)));
    let counts = format!(
        "hits {}, misses {}, fallbacks {}, database loads {}",
        format_count(stats.hits),
        format_count(stats.misses),
        format_count(stats.fallbacks),
        format_count(stats.db_loads)
    );
    let (hit, miss) = (&stats.hit_latency, &stats.miss_latency);
    let latency = format!(
        "hit p50 {} ms, p95 {} ms; miss p50 {} ms, p95 {} ms; load penalty {:.3} ms",
        hit.ms_text(hit.summary.p50),
        hit.ms_text(hit.summary.p95),
        miss.ms_text(miss.summary.p50),
        miss.ms_text(miss.summary.p95),
        stats.load_penalty_ms
    );
    let failures = if stats.cache_errors.is_empty() {
        "cache failures: none".to_string()
    } else {
        let classes = stats.cache_errors.iter().map(|(class, n)| format!("{class} {}", format_count(*n)));
        format!("cache failures: {}", classes.collect::<Vec<_>>().join(", "))
    };
    let backend = stats.backend.as_ref().map(|b| {
        let memory = b.memory_bytes.map(|m| format!(", memory {} bytes", format_count(m))).unwrap_or_default();
        let text = format!(
            "the cache's own counters: hits {}, misses {}, evictions {}, entries {}{memory}",
            format_count(b.hits),
            format_count(b.misses),
            format_count(b.evictions),
            format_count(b.entries)
        );
        detail_row("cache-backend", text)
    });
    view! {
        {detail_row("cache-setup", setup)}
        <tr class="detail" data-testid="cache-hit-rate">
            <td colspan="10">
                "hit rate " <strong data-testid="hit-rate">{percent(stats.hit_rate)}</strong>
                " (" <span data-testid="ideal-hit-rate">{ideal}</span> ")"
            </td>
        </tr>
        {detail_row("cache-counts", counts)}
        {detail_row("cache-latency", latency)}
        {detail_row("cache-failures", failures)}
        {backend}
    }
    .into_any()
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
