//! The comparison as the page's table shows it: its workloads, the filters by
//! workload and verdict, the order of each sortable column, each metric's name and
//! interval in words, and the headline verdicts in sentences. Values only, from
//! [`crate::compare`]'s verdicts; the web app's comparison view and overview draw them.

use std::cmp::Ordering;

use crate::compare::{MetricComparison, Verdict};
use crate::format;

/// The workload a metric key belongs to: its first two segments (`http.demo`).
pub fn metric_workload(key: &str) -> &str {
    let end = key.match_indices('.').nth(1).map_or(key.len(), |(i, _)| i);
    &key[..end]
}

/// The workloads of `metrics`, in the order they first appear.
pub fn comparison_workloads(metrics: &[MetricComparison]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for m in metrics {
        let workload = metric_workload(&m.key);
        if !seen.iter().any(|w| w == workload) {
            seen.push(workload.to_string());
        }
    }
    seen
}

/// A sortable column of the comparison table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Metric,
    Before,
    After,
    Change,
    Factor,
    Verdict,
}

impl Column {
    pub const ALL: [Column; 6] =
        [Column::Metric, Column::Before, Column::After, Column::Change, Column::Factor, Column::Verdict];

    /// The column's header.
    pub fn label(self) -> &'static str {
        match self {
            Column::Metric => "metric",
            Column::Before => "before",
            Column::After => "after",
            Column::Change => "change",
            Column::Factor => "factor",
            Column::Verdict => "verdict",
        }
    }
}

/// The verdicts in the order the table sorts them: the news first.
const VERDICT_ORDER: [Verdict; 6] = [
    Verdict::Regressed,
    Verdict::Improved,
    Verdict::Inconclusive,
    Verdict::NoChange,
    Verdict::InsufficientData,
    Verdict::NotTested,
];

/// The comparison table's rows: the metrics of `workload` (all when `None`) whose
/// verdict is `verdict` (any when `None`), ordered by `sort` (column, descending)
/// or in the comparison's order. Metrics without a change or factor (`n/a`) sort
/// last either way; ties keep the comparison's order.
pub fn comparison_rows<'a>(
    metrics: &'a [MetricComparison],
    workload: Option<&str>,
    verdict: Option<Verdict>,
    sort: Option<(Column, bool)>,
) -> Vec<&'a MetricComparison> {
    let mut rows: Vec<&MetricComparison> = metrics
        .iter()
        .filter(|m| workload.is_none_or(|w| metric_workload(&m.key) == w))
        .filter(|m| verdict.is_none_or(|v| m.verdict == v))
        .collect();
    if let Some((column, descending)) = sort {
        let flip = |o: Ordering| if descending { o.reverse() } else { o };
        let optional = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => flip(a.total_cmp(&b)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        let rank = |v: Verdict| VERDICT_ORDER.iter().position(|o| *o == v).unwrap_or(VERDICT_ORDER.len());
        rows.sort_by(|a, b| match column {
            Column::Metric => flip(a.key.cmp(&b.key)),
            Column::Before => flip(a.baseline.total_cmp(&b.baseline)),
            Column::After => flip(a.optimized.total_cmp(&b.optimized)),
            Column::Change => optional(a.change_pct, b.change_pct),
            Column::Factor => optional(a.factor, b.factor),
            Column::Verdict => flip(rank(a.verdict).cmp(&rank(b.verdict))),
        });
    }
    rows
}

/// A metric key in words: `http.demo.latency.p99_9` → `http demo: latency p99.9`;
/// `cache.c.hit_rate` → `cache c: hit rate`.
pub fn metric_title(key: &str) -> String {
    let workload = metric_workload(key);
    let rest = key.get(workload.len() + 1..).unwrap_or("");
    let words = |text: &str| {
        text.split('.')
            .map(|segment| {
                let throughput = crate::report::KINDS.iter().find(|kind| kind.throughput_key == segment);
                match segment.strip_prefix('p').filter(|d| d.bytes().all(|b| b.is_ascii_digit() || b == b'_')) {
                    Some(digits) if !digits.is_empty() => format!("p{}", digits.replace('_', ".")),
                    _ if throughput.is_some() => {
                        format!("throughput ({})", throughput.map_or("", |k| k.throughput_unit))
                    }
                    _ => segment.replace("_pct", " (%)").replace("_ms", " (ms)").replace('_', " "),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    if rest.is_empty() {
        words(workload)
    } else {
        format!("{}: {}", words(workload), words(rest))
    }
}

/// A metric's interval of change, oriented so that positive is worse, in words:
/// `-62.1 % to -55.0 %`, or in percentage points for a proportion; `—` without one.
pub fn interval_text(m: &MetricComparison) -> String {
    match m.interval {
        None => "—".into(),
        Some(i) if m.interval_in_points => format!("{:+.2} pp to {:+.2} pp", i.low, i.high),
        Some(i) => format!("{:+.1} % to {:+.1} %", i.low * 100.0, i.high * 100.0),
    }
}

/// Whether a metric is a headline of its workload's kind (see
/// [`KindInfo::is_headline`](crate::report::KindInfo::is_headline)), not a part's
/// or a sweep point's.
fn is_headline(key: &str) -> bool {
    let workload = metric_workload(key);
    let rest = key.get(workload.len() + 1..).unwrap_or("");
    crate::report::kind_info(key.split('.').next().unwrap_or("")).is_some_and(|kind| kind.is_headline(rest))
}

/// The metrics a first look shows: each tier's headline metrics, then every other
/// metric that regressed or is inconclusive (those need a look). The rest (improved,
/// unchanged or untested parts and percentiles) wait for a view of every metric.
pub fn first_look(metrics: &[MetricComparison]) -> Vec<&MetricComparison> {
    let needs_look = |m: &&MetricComparison| matches!(m.verdict, Verdict::Regressed | Verdict::Inconclusive);
    let headlines = metrics.iter().filter(|m| is_headline(&m.key));
    headlines.chain(metrics.iter().filter(|m| !is_headline(&m.key)).filter(needs_look)).collect()
}

/// The headline verdicts in sentences a manager reads, one per headline metric:
/// `http demo: latency p95 went from 0.464 ms to 0.193 ms: 2.41x better (improved).`
pub fn headline_sentences(metrics: &[MetricComparison]) -> Vec<String> {
    metrics
        .iter()
        .filter(|m| is_headline(&m.key))
        .map(|m| {
            let (before, after) = (format::value(m.baseline, &m.unit), format::value(m.optimized, &m.unit));
            let moved = format!("{}: went from {before} to {after}", metric_title(&m.key));
            let factor = m.factor.map(|f| {
                if f >= 1.0 {
                    format!("{} better", format::factor(f))
                } else {
                    format!("{} worse", format::factor(1.0 / f))
                }
            });
            let verdict = match m.verdict {
                Verdict::Improved => format!("{}: a real improvement", factor.unwrap_or_else(|| "better".into())),
                Verdict::Regressed => format!("{}: a real regression", factor.unwrap_or_else(|| "worse".into())),
                Verdict::NoChange => "no real change (within the threshold)".into(),
                Verdict::Inconclusive => "the data cannot tell whether it changed".into(),
                Verdict::InsufficientData => "too few samples to judge".into(),
                Verdict::NotTested => "not tested statistically".into(),
            };
            format!("{moved}: {verdict}.")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compared(key: &str, baseline: f64, optimized: f64, verdict: Verdict) -> MetricComparison {
        let change_pct = (baseline != 0.0).then(|| (optimized - baseline) / baseline * 100.0);
        MetricComparison {
            key: key.into(),
            unit: "ms".into(),
            direction: crate::metrics::Direction::LowerIsBetter,
            baseline,
            optimized,
            change: optimized - baseline,
            change_pct,
            factor: (optimized != 0.0).then(|| baseline / optimized),
            category: None,
            verdict,
            interval: Some(crate::stats::Interval { low: -0.6, high: -0.5 }),
            interval_in_points: false,
            evidence: None,
        }
    }

    #[test]
    fn comparison_rows_filter_and_sort() {
        let metrics = vec![
            compared("http.api.latency.p95", 10.0, 5.0, Verdict::Improved),
            compared("http.api.latency.p99", 20.0, 25.0, Verdict::Regressed),
            compared("db.main.latency.p90", 0.0, 3.0, Verdict::NotTested),
            compared("db.main.latency.p50", 4.0, 4.0, Verdict::NoChange),
        ];
        assert_eq!(comparison_workloads(&metrics), ["http.api", "db.main"]);
        let keys = |rows: Vec<&MetricComparison>| rows.iter().map(|m| m.key.clone()).collect::<Vec<_>>();
        assert_eq!(
            keys(comparison_rows(&metrics, Some("db.main"), None, None)),
            ["db.main.latency.p90", "db.main.latency.p50"]
        );
        assert_eq!(keys(comparison_rows(&metrics, None, Some(Verdict::Regressed), None)), ["http.api.latency.p99"]);
        assert_eq!(
            keys(comparison_rows(&metrics, None, None, Some((Column::Before, false)))),
            ["db.main.latency.p90", "db.main.latency.p50", "http.api.latency.p95", "http.api.latency.p99"]
        );
        // Change: the zero baseline has none and sorts last both ways.
        assert_eq!(
            keys(comparison_rows(&metrics, None, None, Some((Column::Change, true)))),
            ["http.api.latency.p99", "db.main.latency.p50", "http.api.latency.p95", "db.main.latency.p90"]
        );
        assert_eq!(
            keys(comparison_rows(&metrics, None, None, Some((Column::Change, false)))),
            ["http.api.latency.p95", "db.main.latency.p50", "http.api.latency.p99", "db.main.latency.p90"]
        );
        assert_eq!(
            keys(comparison_rows(&metrics, None, None, Some((Column::Verdict, false))))[0],
            "http.api.latency.p99"
        );
        assert_eq!(
            keys(comparison_rows(&metrics, None, None, Some((Column::Metric, true))))[0],
            "http.api.latency.p99"
        );
    }

    #[test]
    fn metrics_read_in_words() {
        assert_eq!(metric_title("http.demo.latency.p99_9"), "http demo: latency p99.9");
        assert_eq!(metric_title("http.demo.throughput_rps"), "http demo: throughput (req/s)");
        assert_eq!(metric_title("cache.c.hit_rate"), "cache c: hit rate");
        assert_eq!(metric_title("cost"), "cost");
        let m = compared("http.api.latency.p95", 10.0, 5.0, Verdict::Improved);
        assert_eq!(interval_text(&m), "-60.0 % to -50.0 %");
        assert_eq!(
            headline_sentences(&[m.clone(), compared("http.api.latency.p99", 1.0, 2.0, Verdict::Regressed)]),
            ["http api: latency p95: went from 10.00 ms to 5.00 ms: 2.00x better: a real improvement."]
        );
        let worse = compared("http.api.latency.p95", 1.0, 2.0, Verdict::Regressed);
        assert!(headline_sentences(&[worse])[0].ends_with("2.00x worse: a real regression."));
    }
}
