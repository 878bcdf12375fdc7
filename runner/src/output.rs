//! Writing reports (atomically) and printing them as tables a person reads at a glance.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use perfproof_shared::report::Workload;
use perfproof_shared::Report;

/// Writes the report to `path` atomically: a temporary file in the same directory, then a rename.
pub fn write_report(report: &Report, path: &Path) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating directory {}", dir.display()))?;
    let mut file =
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("creating a file in {}", dir.display()))?;
    file.write_all(report.to_json().as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    file.persist(path).with_context(|| format!("moving the report into place at {}", path.display()))?;
    Ok(())
}

/// The per-workload summary table of one report.
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
                let l = &http.latency;
                let ms = |v: u64| format!("{:.3}", l.to_ms(v as f64));
                let s = &l.summary;
                table.add_row(vec![
                    Cell::new(format!("http {}", http.name)),
                    Cell::new(http.requests),
                    Cell::new(http.error_count()),
                    Cell::new(format!("{:.1}", http.throughput_rps)),
                    Cell::new(ms(s.p50)),
                    Cell::new(ms(s.p90)),
                    Cell::new(ms(s.p95)),
                    Cell::new(ms(s.p99)),
                    Cell::new(ms(s.max)),
                ]);
            }
        }
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table
}
