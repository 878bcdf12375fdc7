//! Chart data prepared from reports, the same for the web page and the CLI: a
//! workload's latency spectrum (HDR-style percentiles on a log "nines" axis), its
//! per-second timeline, a database workload's throughput and pool efficiency
//! against pool size, an ML workload's samples/s and latency against batch size,
//! a cache workload's hit rate and hit and miss latency against capacity, and the
//! 30-day daily cost of baseline and optimized. Also the comparison table as the
//! page shows it: its workloads, the filters by workload and verdict, the order of
//! each sortable column, each metric's name and interval in words, and the
//! headline verdicts in sentences.
//!
//! Values only: no drawing, no I/O. Latencies are in milliseconds, read from the
//! report's histograms (the source of truth), never from interpolated summaries.

use std::cmp::Ordering;

use crate::compare::{EvidenceKind, MetricComparison, Verdict};
use crate::cost::CostComparison;
use crate::latency::LatencyError;
use crate::Report;

/// The quantiles of a spectrum: every summary percentile (p50, p90, p95, p99,
/// p99.9) and the steps of the nines ladder between and beyond them.
pub const SPECTRUM_QUANTILES: [f64; 11] = [0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999];

/// One point of a latency spectrum.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrumPoint {
    /// The quantile, from 0 to 1.
    pub quantile: f64,
    /// Its place on the log axis, −log10(1 − quantile): 0 for p0, 2 for p99, 4 for p99.99.
    pub nines: f64,
    /// The histogram's value at the quantile, in milliseconds.
    pub ms: f64,
}

impl SpectrumPoint {
    /// The quantile as a percentage, rounded to hundredths: 50, 99.9, 99.95.
    pub fn percentile(&self) -> f64 {
        (self.quantile * 10_000.0).round() / 100.0
    }
}

/// The latency spectrum of one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    /// The workload, as `<kind> <name>` (`http demo`).
    pub name: String,
    /// One point per [`SPECTRUM_QUANTILES`] entry, in that order.
    pub points: Vec<SpectrumPoint>,
}

/// One second of a workload's run.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondPoint {
    /// Seconds since the start of measurement.
    pub second: u32,
    /// Operations completed in that second, per second.
    pub operations_per_s: f64,
    /// Of them, failed.
    pub errors: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

/// The per-second timeline of one workload.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineSeries {
    /// The workload, as `<kind> <name>` (`http demo`).
    pub name: String,
    pub points: Vec<SecondPoint>,
}

/// One day of the 30-day cost projection.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyCost {
    /// Day of the projection, from 1 to 30.
    pub day: u32,
    pub baseline_usd: f64,
    pub optimized_usd: f64,
}

/// A chart that could not be prepared.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ChartError {
    #[error("{workload}: latency histogram: {source}")]
    Latency { workload: String, source: LatencyError },
}

/// How charts name a workload: `http demo`.
fn series_name(kind: &str, name: &str) -> String {
    format!("{kind} {name}")
}

/// The whole-run latency spectrum of every workload of `report`, in report order.
pub fn spectrum(report: &Report) -> Result<Vec<Spectrum>, ChartError> {
    report
        .workloads
        .iter()
        .map(|workload| {
            let name = series_name(workload.kind(), workload.name());
            let latency = &workload.result().stats.latency;
            let histogram =
                latency.decode().map_err(|source| ChartError::Latency { workload: name.clone(), source })?;
            let points = SPECTRUM_QUANTILES
                .iter()
                .map(|&quantile| SpectrumPoint {
                    quantile,
                    nines: -(1.0 - quantile).log10(),
                    ms: latency.to_ms(histogram.value_at_quantile(quantile) as f64),
                })
                .collect();
            Ok(Spectrum { name, points })
        })
        .collect()
}

/// The per-second timeline of every workload of `report`, in report order.
pub fn timeline(report: &Report) -> Vec<TimelineSeries> {
    let ms = |us: u64| us as f64 / 1_000.0;
    report
        .workloads
        .iter()
        .map(|workload| TimelineSeries {
            name: series_name(workload.kind(), workload.name()),
            points: workload
                .result()
                .timeline
                .iter()
                .map(|p| SecondPoint {
                    second: p.second,
                    operations_per_s: p.operations as f64,
                    errors: p.errors,
                    p50_ms: ms(p.p50_us),
                    p95_ms: ms(p.p95_us),
                    p99_ms: ms(p.p99_us),
                })
                .collect(),
        })
        .collect()
}

/// A database workload at one pool size: its best point over the load levels run.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolPoint {
    pub pool_size: u32,
    /// Users (closed model) or arrivals per second (open model) of that point.
    pub load_level: f64,
    /// Transactions per second.
    pub throughput_per_s: f64,
    /// Σ hold / Σ (acquire wait + hold), in percent.
    pub efficiency_pct: f64,
    /// Σ hold / (size × duration), in percent.
    pub utilization_pct: f64,
    pub p90_ms: f64,
}

/// A database workload's points by pool size, smallest first: every size of a
/// sweep, or the one size of a single run.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolCurve {
    /// The workload, as `db <name>`.
    pub name: String,
    pub points: Vec<PoolPoint>,
    /// The pool size the sweep recommends.
    pub recommended: Option<u32>,
}

/// The pool curve of every database workload of `report`, in report order.
pub fn pool_curves(report: &Report) -> Vec<PoolCurve> {
    report
        .workloads
        .iter()
        .filter_map(|workload| match workload {
            crate::report::Workload::Db(db) => Some(db),
            _ => None,
        })
        .map(|db| {
            let point = |pool: &crate::report::PoolStats, result: &crate::report::LoadResult, level: f64| {
                let latency = &result.stats.latency;
                PoolPoint {
                    pool_size: pool.size,
                    load_level: level,
                    throughput_per_s: result.throughput_per_s,
                    efficiency_pct: pool.efficiency * 100.0,
                    utilization_pct: pool.utilization * 100.0,
                    p90_ms: latency.to_ms(latency.summary.p90 as f64),
                }
            };
            let mut points: Vec<PoolPoint> = Vec::new();
            if db.sweep.is_empty() {
                points.push(point(&db.pool, &db.result, db.result.load.level()));
            }
            for sweep_point in &db.sweep {
                let candidate = point(&sweep_point.pool, &sweep_point.result, sweep_point.result.load.level());
                match points.iter_mut().find(|p| p.pool_size == candidate.pool_size) {
                    Some(best) if best.throughput_per_s >= candidate.throughput_per_s => {}
                    Some(best) => *best = candidate,
                    None => points.push(candidate),
                }
            }
            points.sort_by_key(|p| p.pool_size);
            PoolCurve {
                name: series_name("db", &db.name),
                points,
                recommended: db.recommendation.as_ref().map(|r| r.pool_size),
            }
        })
        .collect()
}

/// An ML workload at one batch size.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSizePoint {
    pub batch_size: u32,
    /// Samples inferred per second (requests × batch size).
    pub samples_per_s: f64,
    pub requests_per_s: f64,
    /// Per-request latency p95, in milliseconds.
    pub p95_ms: f64,
}

/// An ML workload's points by batch size, smallest first.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchCurve {
    /// The workload, as `ml <name>`.
    pub name: String,
    pub points: Vec<BatchSizePoint>,
}

/// The batch-size curve of every ML workload of `report`, in report order.
pub fn batch_curves(report: &Report) -> Vec<BatchCurve> {
    report
        .workloads
        .iter()
        .filter_map(|workload| match workload {
            crate::report::Workload::Ml(ml) => Some(ml),
            _ => None,
        })
        .map(|ml| {
            // A sweep of loads measures every batch size at several levels: the
            // chart draws the headline's level.
            let level = crate::report::headline_point(&ml.points).map(|i| ml.points[i].result.load.level());
            let mut points: Vec<BatchSizePoint> = ml
                .points
                .iter()
                .filter(|p| level.is_none_or(|l| p.result.load.level() == l))
                .map(|p| {
                    let latency = &p.result.stats.latency;
                    BatchSizePoint {
                        batch_size: p.batch_size,
                        samples_per_s: p.samples_per_s,
                        requests_per_s: p.requests_per_s,
                        p95_ms: latency.to_ms(latency.summary.p95 as f64),
                    }
                })
                .collect();
            points.sort_by_key(|p| p.batch_size);
            BatchCurve { name: series_name("ml", &ml.name), points }
        })
        .collect()
}

/// A cache workload at one capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityPoint {
    /// Most entries the cache holds; absent for Redis.
    pub capacity: Option<u64>,
    /// The capacity as a share of the keyspace, in percent.
    pub capacity_pct: Option<f64>,
    pub hit_rate_pct: f64,
    /// The best hit rate any policy could reach at this capacity, in percent.
    pub ideal_hit_rate_pct: Option<f64>,
    /// Hit and miss latency p50 and p95, in milliseconds.
    pub hit_p50_ms: f64,
    pub hit_p95_ms: f64,
    pub miss_p50_ms: f64,
    pub miss_p95_ms: f64,
    /// Operations per second.
    pub throughput_per_s: f64,
}

/// A cache workload's points by capacity, smallest first: every capacity of a
/// sweep, or the one cache of a single run.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheCurve {
    /// The workload, as `cache <name>`.
    pub name: String,
    pub points: Vec<CapacityPoint>,
    /// The capacity the sweep recommends.
    pub recommended: Option<u64>,
}

/// The capacity curve of every cache workload of `report`, in report order.
pub fn cache_curves(report: &Report) -> Vec<CacheCurve> {
    report
        .workloads
        .iter()
        .filter_map(|workload| match workload {
            crate::report::Workload::Cache(cache) => Some(cache),
            _ => None,
        })
        .map(|cache| {
            let keyspace = cache.keys.keyspace.max(1) as f64;
            let point = |stats: &crate::report::CacheStats, result: &crate::report::LoadResult| {
                let ms = |l: &crate::Latency, q: u64| l.to_ms(q as f64);
                let (hit, miss) = (&stats.hit_latency, &stats.miss_latency);
                CapacityPoint {
                    capacity: stats.capacity,
                    capacity_pct: stats.capacity.map(|c| c as f64 / keyspace * 100.0),
                    hit_rate_pct: stats.hit_rate * 100.0,
                    ideal_hit_rate_pct: stats.ideal_hit_rate.map(|r| r * 100.0),
                    hit_p50_ms: ms(hit, hit.summary.p50),
                    hit_p95_ms: ms(hit, hit.summary.p95),
                    miss_p50_ms: ms(miss, miss.summary.p50),
                    miss_p95_ms: ms(miss, miss.summary.p95),
                    throughput_per_s: result.throughput_per_s,
                }
            };
            let mut points: Vec<CapacityPoint> = if cache.sweep.is_empty() {
                vec![point(&cache.cache, &cache.result)]
            } else {
                cache.sweep.iter().map(|p| point(&p.cache, &p.result)).collect()
            };
            points.sort_by_key(|p| p.capacity.unwrap_or(u64::MAX));
            CacheCurve { name: series_name("cache", &cache.name), points, recommended: cache.recommended_capacity }
        })
        .collect()
}

/// The daily cost of baseline and optimized over the projection's 30 days.
pub fn cost_projection(cost: &CostComparison) -> Vec<DailyCost> {
    cost.baseline
        .daily_usd
        .iter()
        .zip(&cost.optimized.daily_usd)
        .zip(1..)
        .map(|((&baseline_usd, &optimized_usd), day)| DailyCost { day, baseline_usd, optimized_usd })
        .collect()
}

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
                match segment.strip_prefix('p').filter(|d| d.bytes().all(|b| b.is_ascii_digit() || b == b'_')) {
                    Some(digits) if !digits.is_empty() => format!("p{}", digits.replace('_', ".")),
                    _ => segment
                        .replace("_rps", " (req/s)")
                        .replace("_tps", " (tx/s)")
                        .replace("_ops", " (ops/s)")
                        .replace("_pct", " (%)")
                        .replace("_ms", " (ms)")
                        .replace('_', " "),
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
    match (m.interval, m.evidence.map(|e| e.kind)) {
        (None, _) => "—".into(),
        (Some(i), Some(EvidenceKind::Proportion)) => format!("{:+.2} pp to {:+.2} pp", i.low, i.high),
        (Some(i), _) => format!("{:+.1} % to {:+.1} %", i.low * 100.0, i.high * 100.0),
    }
}

/// Whether a metric is a headline: a workload's p95 latency (p90 for a database),
/// throughput, error rate, hit rate or pool efficiency, not a part's or a sweep point's.
fn is_headline(key: &str) -> bool {
    let workload = metric_workload(key);
    let rest = key.get(workload.len() + 1..).unwrap_or("");
    let latency = if key.starts_with("db.") { "latency.p90" } else { "latency.p95" };
    [
        latency,
        "throughput_rps",
        "throughput_tps",
        "throughput_ops",
        "samples_per_s",
        "error_rate",
        "hit_rate",
        "pool.efficiency",
    ]
    .contains(&rest)
}

/// The headline verdicts in sentences a manager reads, one per headline metric:
/// `http demo: latency p95 went from 0.464 ms to 0.193 ms: 2.41x better (improved).`
pub fn headline_sentences(metrics: &[MetricComparison]) -> Vec<String> {
    metrics
        .iter()
        .filter(|m| is_headline(&m.key))
        .map(|m| {
            let (before, after) =
                (crate::metrics::format_value(m.baseline, &m.unit), crate::metrics::format_value(m.optimized, &m.unit));
            let moved = format!("{}: went from {before} to {after}", metric_title(&m.key));
            let factor =
                m.factor.map(|f| if f >= 1.0 { format!("{f:.2}x better") } else { format!("{:.2}x worse", 1.0 / f) });
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
    use crate::cost::{compare_costs, reduction_target, CostInputs};
    use crate::latency::{new_histogram, Latency, TimeUnit};

    fn fixture() -> Report {
        let text = include_str!("../../tests/fixtures/http-demo-v1.json");
        crate::parse_report(text).expect("the fixture parses")
    }

    #[test]
    fn spectrum_points_are_the_histograms_percentiles() {
        let mut report = fixture();
        let mut histogram = new_histogram();
        for v in 1..=100_000u64 {
            histogram.record(v * 13).unwrap();
        }
        report.workloads[0].result_mut().stats.latency =
            Latency::from_histogram(&histogram, TimeUnit::Microseconds).unwrap();
        let spectra = spectrum(&report).unwrap();
        assert_eq!(spectra.len(), report.workloads.len());
        let first = &spectra[0];
        assert_eq!(first.name, format!("http {}", report.workloads[0].name()));
        assert_eq!(first.points.len(), SPECTRUM_QUANTILES.len());
        for point in &first.points {
            assert_eq!(point.ms, histogram.value_at_quantile(point.quantile) as f64 / 1_000.0);
        }
        let at = |percentile: f64| first.points.iter().find(|p| p.percentile() == percentile).unwrap();
        let summary = &report.workloads[0].result().stats.latency.summary;
        assert_eq!(at(50.0).ms, summary.p50 as f64 / 1_000.0);
        assert_eq!(at(99.0).ms, summary.p99 as f64 / 1_000.0);
        assert_eq!(at(99.9).ms, summary.p99_9 as f64 / 1_000.0);
        assert_eq!(at(0.0).nines, 0.0);
        assert!((at(99.0).nines - 2.0).abs() < 1e-9);
        assert!((at(99.99).nines - 4.0).abs() < 1e-9);
    }

    #[test]
    fn a_damaged_histogram_names_its_workload() {
        let mut report = fixture();
        report.workloads[0].result_mut().stats.latency.histogram = "not base64!".into();
        let error = spectrum(&report).unwrap_err();
        assert!(error.to_string().starts_with(&format!("http {}: latency histogram", report.workloads[0].name())));
    }

    #[test]
    fn timeline_is_per_second_in_milliseconds() {
        let report = fixture();
        let series = timeline(&report);
        let source = &report.workloads[0].result().timeline;
        assert!(!source.is_empty(), "the fixture has a timeline");
        assert_eq!(series[0].points.len(), source.len());
        for (point, second) in series[0].points.iter().zip(source) {
            assert_eq!(point.second, second.second);
            assert_eq!(point.operations_per_s, second.operations as f64);
            assert_eq!(point.errors, second.errors);
            assert_eq!(point.p50_ms, second.p50_us as f64 / 1_000.0);
            assert_eq!(point.p95_ms, second.p95_us as f64 / 1_000.0);
            assert_eq!(point.p99_ms, second.p99_us as f64 / 1_000.0);
        }
    }

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

    #[test]
    fn cost_projection_has_thirty_days_of_both_runs() {
        let report = fixture();
        let cost = compare_costs(&report, &report, &CostInputs::default(), &reduction_target(&[])).unwrap();
        let days = cost_projection(&cost);
        assert_eq!(days.len(), 30);
        assert_eq!(days[0].day, 1);
        assert_eq!(days[29].day, 30);
        assert_eq!(days[29].baseline_usd, cost.baseline.daily_usd[29]);
        assert_eq!(days.iter().map(|d| d.optimized_usd).sum::<f64>(), cost.optimized.total_30_days_usd);
    }
}
