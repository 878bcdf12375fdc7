//! Chart data prepared from reports, the same for the web page and the CLI: a
//! workload's latency spectrum (HDR-style percentiles on a log "nines" axis), its
//! per-second timeline, a database workload's throughput and pool efficiency
//! against pool size, an ML workload's samples/s and latency against batch size,
//! a cache workload's hit rate and hit and miss latency against capacity, and the
//! 30-day daily cost of baseline and optimized.
//!
//! Values only: no drawing, no I/O. Latencies are in milliseconds, read from the
//! report's histograms (the source of truth), never from interpolated summaries.

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

/// A kind's part's series name: `db demo`.
fn part_name<K: crate::report::WorkloadKind>(part: &K) -> String {
    series_name(K::INFO.kind, part.name())
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
        .parts::<crate::report::DbResult>()
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
            PoolCurve { name: part_name(db), points, recommended: db.recommendation.as_ref().map(|r| r.pool_size) }
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
        .parts::<crate::report::MlResult>()
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
            BatchCurve { name: part_name(ml), points }
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
        .parts::<crate::report::CacheResult>()
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
            CacheCurve { name: part_name(cache), points, recommended: cache.recommended_capacity }
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
