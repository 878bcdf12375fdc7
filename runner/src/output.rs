//! Writing reports (atomically) and printing them as tables a person reads at a glance.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use perfproof_shared::report::{RequestStats, Workload};
use perfproof_shared::Report;

/// Writes the report to `path` atomically.
pub fn write_report(report: &Report, path: &Path) -> anyhow::Result<()> {
    write_atomically(path, report.to_json().as_bytes())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, then a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating directory {}", dir.display()))?;
    let mut file =
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("creating a file in {}", dir.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    file.persist(path).with_context(|| format!("moving the report into place at {}", path.display()))?;
    Ok(())
}

/// Prints a run's summary table, the open model's schedule keeping, and the warnings.
pub fn print_run(report: &Report) {
    println!("{}", summary_table(report));
    for workload in &report.workloads {
        match workload {
            Workload::Http(http) => {
                if let Some(schedule) = &http.schedule {
                    let ms = |l: &perfproof_shared::Latency, v: u64| l.to_ms(v as f64);
                    println!(
                        "open model: {:.1} of {:.1} req/s; p99 {:.3} ms from the schedule, {:.3} ms uncorrected; \
                         schedule lag p99 {:.3} ms; {} late (> {} ms)",
                        schedule.achieved_rate_rps,
                        schedule.target_rate_rps,
                        ms(&http.stats.latency, http.stats.latency.summary.p99),
                        ms(&schedule.uncorrected_latency, schedule.uncorrected_latency.summary.p99),
                        ms(&schedule.lag, schedule.lag.summary.p99),
                        schedule.late_requests,
                        schedule.late_threshold_ms
                    );
                }
                if !http.stats.errors.is_empty() {
                    let errors: Vec<String> = http.stats.errors.iter().map(|(k, n)| format!("{k:?}: {n}")).collect();
                    println!("errors by class: {}", errors.join(", "));
                }
                for warning in &http.warnings {
                    println!("warning: {warning}");
                }
            }
        }
    }
}

/// The per-workload (and, for scenarios, per-endpoint) summary table of one report.
pub fn summary_table(report: &Report) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "workload",
        "requests",
        "errors",
        "throughput (req/s)",
        "p50 (ms)",
        "p90 (ms)",
        "p95 (ms)",
        "p99 (ms)",
        "max (ms)",
    ]);
    for workload in &report.workloads {
        match workload {
            Workload::Http(http) => {
                table.add_row(stats_row(format!("http {}", http.name), &http.stats, Some(http.throughput_rps)));
                if http.endpoints.len() > 1 {
                    for endpoint in &http.endpoints {
                        table.add_row(stats_row(
                            format!("  {} {}", endpoint.method, endpoint.name),
                            &endpoint.stats,
                            None,
                        ));
                    }
                }
            }
        }
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table
}

fn stats_row(name: String, stats: &RequestStats, throughput: Option<f64>) -> Vec<Cell> {
    let l = &stats.latency;
    let ms = |v: u64| l.ms_text(v);
    let s = &l.summary;
    vec![
        Cell::new(name),
        Cell::new(stats.requests),
        Cell::new(stats.error_count()),
        Cell::new(throughput.map_or(String::new(), |t| format!("{t:.1}"))),
        Cell::new(ms(s.p50)),
        Cell::new(ms(s.p90)),
        Cell::new(ms(s.p95)),
        Cell::new(ms(s.p99)),
        Cell::new(ms(s.max)),
    ]
}
