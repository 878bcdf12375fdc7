//! Writing reports (atomically), finding the report files a folder holds, and
//! printing reports as tables a person reads at a glance.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, Table};
use perfproof_shared::summary::{summary, RunSummary, SummaryTable};
use perfproof_shared::Report;

/// The `*.json` files of the folder `dir`, sorted by name: what a folder named on
/// the command line stands for (`merge`, `view`).
pub fn json_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading the folder {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    found.sort();
    Ok(found)
}

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

/// Prints a run's summary, as the page's report card shows it (see
/// [`perfproof_shared::summary`]): the workloads table, the lines on each workload,
/// then each kind's own table with its notes.
pub fn print_run(report: &Report) {
    print!("{}", summary_text(&summary(report)));
}

/// A run's summary as terminal text.
pub fn summary_text(summary: &RunSummary) -> String {
    let mut out = format!("{}\n", table(&summary.workloads));
    for line in &summary.lines {
        out.push_str(line);
        out.push('\n');
    }
    for detail in &summary.details {
        out.push_str(&format!("{}\n{}\n", detail.title, table(detail)));
        for note in &detail.notes {
            out.push_str(note);
            out.push('\n');
        }
    }
    out
}

/// One table of a summary: its rows' names on the left (parts indented), figures on the right.
fn table(summary: &SummaryTable) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(summary.columns.clone());
    for row in &summary.rows {
        let mut cells = row.cells.clone();
        if let Some(name) = cells.first_mut().filter(|_| row.part) {
            *name = format!("  {name}");
        }
        table.add_row(cells);
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table
}
