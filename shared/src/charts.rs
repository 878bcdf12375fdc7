//! Chart data prepared from reports, the same for the web page and the CLI: a
//! workload's latency spectrum (HDR-style percentiles on a log "nines" axis), its
//! per-second timeline, each kind's own curve (a database's throughput and pool
//! efficiency against pool size, an ML workload's samples/s and latency against
//! batch size, a cache's hit rate and hit and miss latency against capacity: the
//! kinds' files prepare them, [`curves`] collects them), a workload's latency
//! against the load offered by its capacity search ([`load_curves`]), and the
//! 30-day daily cost of baseline and optimized.
//!
//! Values only: no drawing, no I/O. Latencies are in milliseconds, read from the
//! report's histograms (the source of truth), never from interpolated summaries.

use crate::capacity::{CapacitySearch, ProbeOutcome};
use crate::cost::CostComparison;
use crate::latency::LatencyError;
use crate::report::Part;
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

/// One probe of a capacity search, on a latency–load chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadPoint {
    /// The arrival rate offered, per second.
    pub offered_per_s: f64,
    /// The probe's latency percentiles, from its histogram, in milliseconds.
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub outcome: ProbeOutcome,
}

/// A workload's latency against the load offered, from its capacity search.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadCurve {
    /// The workload, as `<kind> <name>` (`http demo`).
    pub name: String,
    /// The offered rate's unit: the kind's throughput unit (`req/s`).
    pub unit: &'static str,
    /// One point per rate probed, in increasing rate; a rate probed twice (an
    /// unresolved probe run again, longer) shows its last probe, the one judged.
    pub points: Vec<LoadPoint>,
    /// The search itself: its SLO, capacity, bracket and why it ended.
    pub search: CapacitySearch,
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

/// The curve of every `K` workload of `report`, in report order: each kind's
/// chart values against the setting it sweeps, prepared by its
/// [`WorkloadKind::curve`](crate::report::WorkloadKind::curve) (a database's
/// [`PoolCurve`](crate::report::PoolCurve), an ML workload's
/// [`BatchCurve`](crate::report::BatchCurve), a cache's
/// [`CacheCurve`](crate::report::CacheCurve)).
pub fn curves<K: Part + 'static>(report: &Report) -> Vec<K::Curve> {
    report.parts::<K>().filter_map(K::curve).collect()
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

/// The latency–load curve of every workload of `report` that searched its
/// capacity, in report order.
pub fn load_curves(report: &Report) -> Result<Vec<LoadCurve>, ChartError> {
    let mut curves = Vec::new();
    for workload in &report.workloads {
        let Some(search) = &workload.result().capacity else { continue };
        let name = series_name(workload.kind(), workload.name());
        let mut points: Vec<LoadPoint> = Vec::with_capacity(search.probes.len());
        for probe in &search.probes {
            let latency = &probe.latency;
            let histogram =
                latency.decode().map_err(|source| ChartError::Latency { workload: name.clone(), source })?;
            let ms = |quantile| latency.to_ms(histogram.value_at_quantile(quantile) as f64);
            let point = LoadPoint {
                offered_per_s: probe.offered_per_s,
                p50_ms: ms(0.5),
                p95_ms: ms(0.95),
                p99_ms: ms(0.99),
                outcome: probe.outcome,
            };
            match points.iter_mut().find(|p| p.offered_per_s == probe.offered_per_s) {
                Some(earlier) => *earlier = point,
                None => points.push(point),
            }
        }
        points.sort_by(|a, b| a.offered_per_s.total_cmp(&b.offered_per_s));
        curves.push(LoadCurve { name, unit: workload.info().throughput_unit, points, search: search.clone() });
    }
    Ok(curves)
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
    fn curves_are_each_kinds_own_sorted_by_its_setting() {
        use crate::report::{CacheResult, DbResult, HttpResult, MlResult};
        let report = crate::parse_report(include_str!("../../static/samples/baseline.json")).unwrap();
        assert!(curves::<HttpResult>(&report).is_empty(), "HTTP has no curve of its own");
        let pools = curves::<DbResult>(&report);
        assert_eq!(pools.len(), report.parts::<DbResult>().count());
        assert!(pools.iter().all(|c| c.name.starts_with("db ") && c.points.is_sorted_by_key(|p| p.pool_size)));
        let batches = curves::<MlResult>(&report);
        assert_eq!(batches.len(), report.parts::<MlResult>().count());
        assert!(batches.iter().all(|c| c.name.starts_with("ml ") && c.points.is_sorted_by_key(|p| p.batch_size)));
        let caches = curves::<CacheResult>(&report);
        assert_eq!(caches.len(), report.parts::<CacheResult>().count());
        assert!(caches.iter().all(|c| c.name.starts_with("cache ") && !c.points.is_empty()));
        assert!(pools.len() + batches.len() + caches.len() >= 3, "the sample has every kind");
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
