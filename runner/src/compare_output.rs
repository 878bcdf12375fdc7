//! How an analysis is shown: a terminal table, Markdown (CI job summaries, PR
//! comments), versioned JSON (`compare --json`), JUnit XML (CI systems), and the
//! per-area files and plain-text validation summary of the original framework's
//! `compare` mode; and trends.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Color, Table};
use perfproof_shared::analysis::Analysis;
use perfproof_shared::compare::{EvidenceKind, MetricComparison, Verdict};
use perfproof_shared::comparison_table::first_look;
use perfproof_shared::cost::{CostStatus, RunCost, TierCost};
use perfproof_shared::export::{AnalysisDocument, AreaComparison, MetricsExport};
use perfproof_shared::format::{self, value as format_value};
use perfproof_shared::report::KINDS;
use perfproof_shared::stats::min_samples;
use perfproof_shared::targets::{rule_text, Evaluation, Status, TargetResult};
use perfproof_shared::trend::History;

/// Which metrics a table shows.
#[derive(Debug, Clone, Copy)]
pub struct Detail {
    /// Every metric; else a first look (see [`first_look`]).
    pub all: bool,
}

/// The metrics a table shows: every one, or a first look (each tier's headlines,
/// then the other metrics that regressed or are inconclusive).
fn shown(analysis: &Analysis, detail: Detail) -> Vec<&MetricComparison> {
    match detail.all {
        true => analysis.comparison.metrics.iter().collect(),
        false => first_look(&analysis.comparison.metrics),
    }
}

/// Under a first look of `shown` metrics: how many it left out, and how to see them.
fn left_out(analysis: &Analysis, shown: usize) -> Option<String> {
    let hidden = analysis.comparison.metrics.len() - shown;
    (hidden > 0).then(|| format!("{hidden} more metrics improved, held or were not tested: --all shows every metric"))
}

/// The target results that concern one metric.
fn target_of<'a>(analysis: &'a Analysis, key: &str) -> Option<&'a TargetResult> {
    analysis.targets.results.iter().find(|r| r.metric == key)
}

fn target_cell(result: Option<&TargetResult>) -> String {
    match result {
        Some(r) => format!("{} {}", rule_text(&r.rule), r.status.label()),
        None => String::new(),
    }
}

/// What a verdict rests on ("10 batches of windows", "5 trials"), empty when untested.
fn evidence_cell(m: &MetricComparison) -> String {
    m.evidence.map_or(String::new(), |e| e.text())
}

/// The comparison as a terminal table, then targets, grade, cost and ROI.
pub fn print_table(analysis: &Analysis, detail: Detail) {
    let c = &analysis.comparison;
    println!("{} → {}", c.baseline_label, c.optimized_label);
    for warning in &analysis.comparability {
        println!("not comparable? {warning}");
    }
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["metric", "before", "after", "change", "factor", "verdict", "evidence", "target"]);
    let rows = shown(analysis, detail);
    for m in &rows {
        let colour = match m.verdict {
            Verdict::Improved => Color::Green,
            Verdict::Regressed => Color::Red,
            _ => Color::Reset,
        };
        table.add_row(vec![
            Cell::new(&m.key),
            Cell::new(format_value(m.baseline, &m.unit)),
            Cell::new(format_value(m.optimized, &m.unit)),
            Cell::new(m.change_text()),
            Cell::new(m.factor_text()),
            Cell::new(m.verdict.label()).fg(colour),
            Cell::new(evidence_cell(m)),
            Cell::new(target_cell(target_of(analysis, &m.key))),
        ]);
    }
    for column in table.column_iter_mut().skip(1).take(3) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    println!("{table}");
    if let Some(left_out) = left_out(analysis, rows.len()) {
        println!("{left_out}");
    }
    if let Some(unmatched) = c.unmatched_text() {
        println!("not compared, {unmatched}");
    }
    println!("{}", c.verdicts_line());
    println!("\n{}", targets_table(&analysis.targets));
    println!("{}", grade_line(analysis));
    println!("{}", cost_lines(analysis));
}

/// Targets, one row per target and metric.
pub fn targets_table(evaluation: &Evaluation) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["target", "metric", "value", "rule", "status"]);
    for r in &evaluation.results {
        let colour = match r.status {
            Status::Met | Status::Exceeded => Color::Green,
            Status::Missed => Color::Red,
            _ => Color::Reset,
        };
        table.add_row(vec![
            Cell::new(&r.name),
            Cell::new(&r.metric),
            Cell::new(r.value.map_or(String::new(), |v| format_value(v, &r.unit))),
            Cell::new(rule_text(&r.rule)),
            Cell::new(r.status.label()).fg(colour),
        ]);
    }
    table
}

fn grade_line(analysis: &Analysis) -> String {
    let before = match analysis.baseline_targets.grade {
        Some(grade) => format!(" (baseline alone: {})", grade.label()),
        None => String::new(),
    };
    format!("{}{before}", grade_summary(&analysis.targets))
}

/// "grade A: 9 of 10 targets met (90 %); 2 not measured (not counted)".
pub fn grade_summary(t: &Evaluation) -> String {
    let not_measured = t.results.iter().filter(|r| r.status == Status::NotMeasured).count();
    match (t.grade, t.percent_met) {
        (Some(grade), Some(pct)) => format!(
            "grade {}: {} of {} targets met ({}); {not_measured} not measured (not counted)",
            grade.label(),
            t.met,
            t.measured,
            format::percent(pct)
        ),
        _ => format!("no grade: none of the {} targets could be measured", t.results.len()),
    }
}

fn cost_lines(analysis: &Analysis) -> String {
    let Some(cost) = &analysis.cost else {
        return format!("cost: not computed ({})", analysis.cost_error.as_deref().unwrap_or("unknown reason"));
    };
    let status = cost.status_label();
    let roi = &cost.roi;
    let run_total = |run: &RunCost| format::ranged(run.total_30_days_usd, run.total_30_days_range_usd, format::money);
    let mut out = format!(
        "30-day cost at {} requests/day ({}/month): {} → {} ({} → {} API instances at day 30), reduction {}, {status}",
        format::group_thousands(cost.inputs.traffic.requests_per_day, 0),
        format::change_percent(cost.inputs.traffic.monthly_growth_pct),
        run_total(&cost.baseline),
        run_total(&cost.optimized),
        format::count(cost.baseline.instances_day_30),
        format::count(cost.optimized.instances_day_30),
        format::ranged(cost.reduction_pct, cost.reduction_range_pct, format::percent),
    );
    let _ = write!(
        out,
        "\nROI on {} engineering: annual saving {}, ROI {}, payback {}",
        format::money(roi.engineering_cost_usd),
        format::ranged(roi.annual_saving_usd, roi.annual_saving_range_usd, format::money),
        roi.roi_pct.map_or("n/a".into(), |point| match roi.roi_range_pct {
            Some(range) => format::ranged(point, range, format::percent),
            None => format::percent(point),
        }),
        roi.payback_days.map_or("never (no saving)".into(), |d| format!("{} days", format::group_thousands(d, 0))),
    );
    let [low, high] = cost.reduction_range_pct;
    if format::percent(low) != format::percent(high) {
        out.push_str("\n  ranges are [worst, best], from the capacity searches' brackets (highest pass, lowest fail)");
    }
    for (before, after) in cost.baseline.tiers.iter().zip(&cost.optimized.tiers) {
        let money = format!("{} → {}", format::money(before.total_30_days_usd), format::money(after.total_30_days_usd));
        let source = TierCost::source_change(before, after);
        let _ = match before.basis.per_instance_per_s() {
            Some(_) => write!(
                out,
                "\n  {}: {} → {} instances at day 30, {money}; {source}",
                before.tier.label(),
                format::count(before.instances_day_30),
                format::count(after.instances_day_30)
            ),
            None => write!(out, "\n  {}: {money}; {source}", before.tier.label()),
        };
    }
    for (label, run) in
        [(&analysis.comparison.baseline_label, &cost.baseline), (&analysis.comparison.optimized_label, &cost.optimized)]
    {
        for warning in &run.warnings {
            let _ = write!(out, "\n  warning ({label}): {warning}");
        }
    }
    out
}

/// The analysis as Markdown: a summary, the comparison table, targets, cost.
pub fn markdown(analysis: &Analysis, detail: Detail) -> String {
    let c = &analysis.comparison;
    let mut md = format!("## perfproof: {} → {}\n\n", c.baseline_label, c.optimized_label);
    if !analysis.comparability.is_empty() {
        md.push_str("> ⚠️ **These runs may not be comparable:**\n");
        for warning in &analysis.comparability {
            let _ = writeln!(md, "> - {warning}");
        }
        md.push('\n');
    }
    let _ = writeln!(md, "**{}**\n", grade_line(analysis));
    md.push_str(
        "| metric | before | after | change | factor | verdict | evidence | target |\n|---|---:|---:|---:|---|---|---|---|\n",
    );
    let rows = shown(analysis, detail);
    for m in &rows {
        let verdict = match m.verdict {
            Verdict::Improved => "✅ improved".to_string(),
            Verdict::Regressed => "❌ regressed".to_string(),
            other => other.label().to_string(),
        };
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {verdict} | {} | {} |",
            m.key,
            format_value(m.baseline, &m.unit),
            format_value(m.optimized, &m.unit),
            m.change_text(),
            m.factor_text(),
            evidence_cell(m),
            target_cell(target_of(analysis, &m.key))
        );
    }
    if let Some(left_out) = left_out(analysis, rows.len()) {
        let _ = writeln!(md, "\n{left_out}");
    }
    if let Some(unmatched) = c.unmatched_text() {
        let _ = writeln!(md, "\nNot compared, {unmatched}");
    }
    md.push_str("\n| target | metric | value | rule | status |\n|---|---|---:|---|---|\n");
    for r in &analysis.targets.results {
        let _ = writeln!(
            md,
            "| {} | `{}` | {} | {} | {} |",
            r.name,
            r.metric,
            r.value.map_or(String::new(), |v| format_value(v, &r.unit)),
            rule_text(&r.rule),
            r.status.label()
        );
    }
    let _ = writeln!(md, "\n{}", cost_lines(analysis).replace('\n', "  \n"));
    md
}

/// The analysis as the versioned JSON document of `compare --json` (`perfproof.analysis/v1`).
pub fn analysis_json(analysis: &Analysis) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&AnalysisDocument::new(analysis))?)
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The analysis as JUnit XML: one test case per target and per tested metric.
pub fn junit(analysis: &Analysis) -> String {
    let mut cases = String::new();
    let mut failures = 0;
    let mut count = 0;
    for r in &analysis.targets.results {
        if matches!(r.status, Status::NotMeasured | Status::UnitMismatch) {
            let _ = writeln!(
                cases,
                "    <testcase classname=\"targets\" name=\"{} ({})\"><skipped message=\"{}\"/></testcase>",
                xml(&r.name),
                xml(&r.metric),
                r.status.label()
            );
        } else if r.status == Status::Missed {
            failures += 1;
            let value = r.value.map_or(String::new(), |v| format_value(v, &r.unit));
            let _ = writeln!(cases, "    <testcase classname=\"targets\" name=\"{} ({})\"><failure message=\"{} is {}, target {}\"/></testcase>", xml(&r.name), xml(&r.metric), xml(&r.metric), xml(&value), xml(&rule_text(&r.rule)));
        } else {
            let _ =
                writeln!(cases, "    <testcase classname=\"targets\" name=\"{} ({})\"/>", xml(&r.name), xml(&r.metric));
        }
        count += 1;
    }
    for m in &analysis.comparison.metrics {
        if m.verdict == Verdict::NotTested {
            continue;
        }
        count += 1;
        if m.verdict == Verdict::Regressed {
            failures += 1;
            let _ = writeln!(cases, "    <testcase classname=\"regressions\" name=\"{}\"><failure message=\"regressed: {} → {} ({})\"/></testcase>", xml(&m.key), xml(&format_value(m.baseline, &m.unit)), xml(&format_value(m.optimized, &m.unit)), xml(&m.change_text()));
        } else {
            let _ = writeln!(cases, "    <testcase classname=\"regressions\" name=\"{}\"/>", xml(&m.key));
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"perfproof\" tests=\"{count}\" failures=\"{failures}\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

/// The original framework's per-area comparison files, metrics export and validation summary.
pub fn write_results_dir(analysis: &Analysis, dir: &Path) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    let mut summary = format!(
        "perfproof validation summary: {} → {}\n{}\n\n",
        analysis.comparison.baseline_label,
        analysis.comparison.optimized_label,
        grade_line(analysis)
    );
    for kind in KINDS {
        let area = kind.area;
        let document = AreaComparison::new(&analysis.comparison, kind, analysis.cost.as_ref());
        let metrics = &document.metrics;
        if metrics.is_empty() {
            let _ = writeln!(summary, "{area}: not measured");
            continue;
        }
        let name = format!("comparison_{area}.json");
        write_json(dir, &name, &document)?;
        let improved = metrics.iter().filter(|m| m.verdict == Verdict::Improved).count();
        let regressed = metrics.iter().filter(|m| m.verdict == Verdict::Regressed).count();
        let _ =
            writeln!(summary, "{area}: {} metrics, {improved} improved, {regressed} regressed ({name})", metrics.len());
        written.push(name);
    }
    let name = "metrics_export.json";
    write_json(dir, name, &MetricsExport::new(&analysis.comparison, analysis.cost.as_ref()))?;
    let _ = writeln!(summary, "every metric of both runs: {name}");
    written.push(name.into());
    let _ = writeln!(summary, "\n{}\n\nrecommendations:", cost_lines(analysis));
    for line in recommendations(analysis) {
        let _ = writeln!(summary, "- {line}");
    }
    crate::output::write_atomically(&dir.join("validation_summary.txt"), summary.as_bytes())?;
    written.push("validation_summary.txt".into());
    Ok(written)
}

fn write_json(dir: &Path, name: &str, document: &impl serde::Serialize) -> anyhow::Result<()> {
    crate::output::write_atomically(&dir.join(name), serde_json::to_string_pretty(document)?.as_bytes())
}

/// What to look at next, from missed targets, regressions and weak evidence.
pub fn recommendations(analysis: &Analysis) -> Vec<String> {
    let mut out = analysis.advice.clone();
    for r in analysis.targets.results.iter().filter(|r| r.status == Status::Missed) {
        out.push(format!(
            "{} misses its target ({} is {}, target {}): profile this path before shipping",
            r.name,
            r.metric,
            r.value.map_or(String::new(), |v| format_value(v, &r.unit)),
            rule_text(&r.rule)
        ));
    }
    for key in analysis.regressions() {
        out.push(format!("{key} regressed with confidence: find the change that caused it"));
    }
    let thin = analysis.comparison.count(Verdict::InsufficientData) + analysis.comparison.count(Verdict::Inconclusive);
    if thin > 0 {
        out.push(format!(
            "{thin} metrics are inconclusive or lack data: run longer (a percentile needs 7 samples beyond it: p99 {}, p99.9 {}) or repeat the run",
            min_samples(0.99),
            min_samples(0.999)
        ));
    }
    if let Some(cost) = &analysis.cost {
        if cost.status == CostStatus::BelowTarget {
            out.push(format!(
                "cost reduction {} is {}: the capacity gain does not yet save instances at this traffic",
                format::percent(cost.reduction_pct),
                cost.status_label()
            ));
        }
    }
    if out.is_empty() {
        out.push(
            "every measured target holds and nothing regressed: ship it, and keep this baseline for the next change"
                .into(),
        );
    }
    // How much the verdicts can be trusted, whatever they say.
    let evidence: Vec<EvidenceKind> =
        analysis.comparison.metrics.iter().filter_map(|m| m.evidence).map(|e| e.kind).collect();
    if evidence.iter().any(|k| matches!(k, EvidenceKind::Histogram | EvidenceKind::Seconds)) {
        out.push(
            "a report has too few time windows (an older runner, or a run of a few seconds): some intervals assume independent requests and are too narrow under load; measure for 30 s or more with this version".into(),
        );
    }
    if !evidence.contains(&EvidenceKind::Trials)
        && evidence.iter().any(|k| matches!(k, EvidenceKind::Windows | EvidenceKind::Histogram | EvidenceKind::Seconds))
    {
        out.push(
            "each side is one stretch (--trials 1, or an older runner): measure with the default trials so verdicts rest on the variance between trials, which sees the drift between runs, not only the noise within one".into(),
        );
    }
    out
}

/// Trends (newest value, slope per day with its interval) and alerts.
pub fn print_history(history: &History) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "metric",
        "runs",
        "first",
        "newest",
        "slope per day",
        "trend",
    ]);
    for t in history.trends.iter().filter(|t| !t.key.contains(".endpoint.")) {
        let (Some(first), Some(last)) = (t.points.first(), t.points.last()) else { continue };
        let slope = t.slope_per_day.map_or("n/a (needs 3 runs)".into(), |(s, ci)| {
            format!("{s:+.3} [{:+.3}, {:+.3}] {}", ci.low, ci.high, t.unit)
        });
        let verdict = if t.worsening { Cell::new("worsening").fg(Color::Red) } else { Cell::new("") };
        table.add_row(vec![
            Cell::new(&t.key),
            Cell::new(t.points.len()),
            Cell::new(format_value(first.value, &t.unit)),
            Cell::new(format_value(last.value, &t.unit)),
            Cell::new(slope),
            verdict,
        ]);
    }
    println!("{table}");
    if history.alerts.is_empty() {
        println!("no alerts");
    }
    for alert in &history.alerts {
        println!("alert [{}]: {}", alert.run, alert.message);
    }
}
