//! The ML inference workload's part of a report (`{"ml": {...}}`): the model's
//! interface, and one point per batch size (samples per request), or per batch size
//! × load level with a sweep (each point's `result.load` says its users or rate),
//! with its requests/s, samples/s, per-request and per-sample latency, and its
//! speedup and amortization against one sample per request at the same level.
//!
//! The headline `result` is the individual mode (batch size 1, at the first level)
//! when it was measured, else the smallest batch size: so `ml.<name>.latency.p95`
//! (and the default target "ML inference p95 < 500 ms") reads the per-request
//! latency of one sample per request.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kind::{header_accessors, latency_walk, walk_result, Curve, KindInfo, WorkloadKind};
use super::{LoadModel, LoadResult};
use crate::format;
use crate::latency::Latency;
use crate::merge::MergeKind;
use crate::metrics::{
    key_segment, latency_metrics, result_metrics, CatalogueError, Direction, Evidence, Metric, RateEvidence,
};
use crate::summary::{load_text, SummaryRow, SummaryTable};

/// Inference requests against one model, at one or several batch sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MlResult {
    /// Workload name; the key under which its metrics are listed (`ml.<name>.…`).
    pub name: String,
    /// Where the model ran: the server's base URL without credentials, or
    /// `in-process` for the in-process backend.
    pub target: String,
    /// `oip` (Open Inference Protocol, KServe v2 REST) or `in_process` (tract in the runner).
    pub backend: String,
    /// The model and its interface, as the server (or the file) declares it.
    pub model: MlModel,
    /// One point per batch size, in the order run; with a sweep of load levels,
    /// one per batch size × level, batch-major (each point's `result.load` holds
    /// its level).
    pub points: Vec<BatchPoint>,
    /// The batch size of the headline `result`: 1 (the individual mode) when it
    /// was measured, else the smallest batch size.
    pub headline_batch_size: u32,
    /// What the load engine measured at the headline batch size (operations are
    /// inference requests; latency is per request). The same as that point's `result`.
    pub result: LoadResult,
}

/// A model's name and interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MlModel {
    pub name: String,
    /// Version, when the server names one.
    pub version: Option<String>,
    pub inputs: Vec<MlTensor>,
    pub outputs: Vec<MlTensor>,
}

/// An input or output tensor: name, datatype (Open Inference Protocol names:
/// `FP32`, `INT64`, ...) and shape (-1 for a variable dimension, such as the batch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MlTensor {
    pub name: String,
    pub datatype: String,
    pub shape: Vec<i64>,
}

/// One batch size: `batch_size` samples in every request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BatchPoint {
    /// Samples per request.
    pub batch_size: u32,
    /// Successful requests per second.
    pub requests_per_s: f64,
    /// Samples answered per second: requests/s × batch size.
    pub samples_per_s: f64,
    /// samples/s at this batch size over samples/s at batch size 1 at the same load
    /// level; absent when that point was not measured (or answered nothing).
    pub speedup: Option<f64>,
    /// speedup / batch size: 1 when a batch costs no more per sample than one
    /// sample alone; near 1/B when batching gains nothing.
    pub amortization: Option<f64>,
    /// Per-sample time of successful requests: each request's time from sending it
    /// to its answer, divided by the batch size.
    pub sample_latency: Latency,
    /// What the load engine measured at this batch size (latency per request).
    pub result: LoadResult,
}

impl BatchPoint {
    /// Fills `requests_per_s` and `samples_per_s` from the point's result.
    pub fn derive_rates(&mut self) {
        self.requests_per_s = self.result.throughput_per_s;
        self.samples_per_s = self.requests_per_s * f64::from(self.batch_size);
    }
}

/// Fills every point's speedup and amortization against the batch-size-1 point at
/// the same load level (users or rate).
pub fn derive_speedups(points: &mut [BatchPoint]) {
    let singles: Vec<(f64, f64)> =
        points.iter().filter(|p| p.batch_size == 1).map(|p| (p.result.load.level(), p.samples_per_s)).collect();
    for point in points {
        let level = point.result.load.level();
        let single = singles.iter().find(|(l, _)| *l == level).map(|&(_, s)| s);
        let speedup = single.filter(|s| *s > 0.0).map(|s| point.samples_per_s / s);
        point.speedup = speedup;
        point.amortization = speedup.map(|s| s / f64::from(point.batch_size.max(1)));
    }
}

/// The index of the headline point: the first at batch size 1, else the first at
/// the smallest batch size.
pub fn headline_point(points: &[BatchPoint]) -> Option<usize> {
    points.iter().position(|p| p.batch_size == 1).or_else(|| (0..points.len()).min_by_key(|&i| points[i].batch_size))
}

impl WorkloadKind for MlResult {
    const INFO: KindInfo = KindInfo {
        kind: "ml",
        operation: "inference_request",
        operations_text: "inference requests",
        count_key: "requests",
        throughput_key: "throughput_rps",
        throughput_unit: "req/s",
        error_classes: &["connect", "timeout", "http4xx", "http5xx", "protocol", "bad_output", "inference"],
        headline_percentile: "p95",
        headline_extras: &["samples_per_s"],
        watched_extras: &[],
        area: "ml_inference",
        capacity_latency: ("p95", 500.0),
        capacity_part: None,
        default_targets: &[("ML inference latency", "ml.*.latency.p95", "< 500 ms")],
    };

    header_accessors!();

    /// The engine's block at the headline batch size (requests; latency per
    /// request), its samples/s, and per batch size (`ml.<name>.b<B>.…`; with a
    /// sweep of load levels, per batch size and level, `ml.<name>.b<B>.u<users>.…`
    /// or `….r<rate>.…`) samples/s, p95 per request, and the speedup against batch
    /// size 1 at the same level.
    fn metrics(&self, prefix: &str, out: &mut Vec<Metric>) -> Result<(), CatalogueError> {
        let mut headline = Vec::new();
        result_metrics(prefix, &self.result, &Self::INFO, &mut headline)?;
        // Samples per second: the throughput's evidence scaled by the batch size.
        let samples = headline.iter().find(|m| m.key == format!("{prefix}.throughput_rps")).map(|m| {
            let b = f64::from(self.headline_batch_size);
            let evidence = match &m.evidence {
                Evidence::Rate(r) => Evidence::Rate(RateEvidence {
                    windows: r.windows.iter().map(|v| v * b).collect(),
                    trials: r.trials.iter().map(|v| v * b).collect(),
                    seconds: r.seconds.iter().map(|v| v * b).collect(),
                }),
                other => other.clone(),
            };
            Metric {
                key: format!("{prefix}.samples_per_s"),
                value: m.value * b,
                unit: "samples/s",
                direction: Direction::HigherIsBetter,
                evidence,
            }
        });
        out.extend(headline);
        out.extend(samples);
        // With a sweep of load levels, each point's keys name its level too.
        let levels = self.points.iter().map(|p| p.result.load.level()).collect::<Vec<_>>();
        let swept = levels.iter().any(|l| *l != levels[0]);
        for point in &self.points {
            let point_prefix = match (&point.result.load, swept) {
                (_, false) => format!("{prefix}.b{}", point.batch_size),
                (LoadModel::Closed { users, .. }, true) => format!("{prefix}.b{}.u{users}", point.batch_size),
                (LoadModel::Open { rate_per_s, .. }, true) => {
                    format!("{prefix}.b{}.r{}", point.batch_size, key_segment(&rate_per_s.to_string()))
                }
            };
            let mut all = Vec::new();
            latency_metrics(&point_prefix, &point.result.stats.latency, Some(&point.result), &mut all)?;
            let p95 = format!("{point_prefix}.latency.p95");
            out.extend(all.into_iter().filter(|m| m.key == p95));
            out.push(Metric {
                key: format!("{point_prefix}.samples_per_s"),
                value: point.samples_per_s,
                unit: "samples/s",
                direction: Direction::HigherIsBetter,
                evidence: Evidence::None,
            });
            if let Some(speedup) = point.speedup {
                out.push(Metric {
                    key: format!("{point_prefix}.speedup"),
                    value: speedup,
                    unit: "x",
                    direction: Direction::HigherIsBetter,
                    evidence: Evidence::None,
                });
            }
        }
        Ok(())
    }

    latency_walk!(|this, base, out| {
        let MlResult { result, points, .. } = this;
        walk_result!(format!("{base}.result"), result, out);
        for (i, BatchPoint { sample_latency, result, .. }) in points.into_iter().enumerate() {
            out.push((format!("{base}.points[{i}].sample_latency"), sample_latency));
            walk_result!(format!("{base}.points[{i}].result"), result, out);
        }
    });

    /// One point (a batch size at one load) is the headline, which the common
    /// block merges; a sweep's trials merge point by point. Shards of a sweep are
    /// refused: its points would not be measured at once.
    fn merge_part(&mut self, from: &Self, kind: MergeKind, label: &str) -> Result<(), String> {
        let swept = self.points.len() > 1 || from.points.len() > 1;
        if swept && kind == MergeKind::Shards {
            return Err(format!(
                "{label} is a sweep (of batch sizes or loads): its shards are not merged (run shards at one batch \
                 size and load, or the sweep on one machine)"
            ));
        }
        let shape = |w: &MlResult| w.points.iter().map(|p| (p.batch_size, p.result.load.level())).collect::<Vec<_>>();
        if shape(self) != shape(from) {
            let sizes = |w: &MlResult| w.points.iter().map(|p| p.batch_size).collect::<Vec<_>>();
            return Err(format!(
                "{label} has batch sizes {:?} at loads {:?}, not {:?} at {:?}",
                sizes(from),
                from.points.iter().map(|p| p.result.load.level()).collect::<Vec<_>>(),
                sizes(self),
                self.points.iter().map(|p| p.result.load.level()).collect::<Vec<_>>()
            ));
        }
        if swept {
            for (a, b) in self.points.iter_mut().zip(&from.points) {
                crate::merge::merge_point(&mut a.result, &b.result, kind, label)?;
            }
        }
        Ok(())
    }

    fn after_merge(&mut self) {
        // One point: it is the headline, merged as the common block.
        if let [point] = &mut self.points[..] {
            point.result = self.result.clone();
        }
        for point in &mut self.points {
            point.derive_rates();
        }
        derive_speedups(&mut self.points);
    }

    fn check_comparable(&self, other: &Self, embedded: bool, warn: &mut dyn FnMut(String)) {
        let (a, b) = (self, other);
        if !embedded && a.target != b.target {
            warn(format!("inference servers differ: {} then {}", a.target, b.target));
        }
        if a.backend != b.backend {
            warn(format!("inference backends differ: {} then {}", a.backend, b.backend));
        }
        if a.model.name != b.model.name {
            warn(format!("models differ: {} then {}", a.model.name, b.model.name));
        }
        let sizes = |w: &MlResult| w.points.iter().map(|p| p.batch_size).collect::<Vec<_>>();
        if sizes(a) != sizes(b) {
            warn(format!("batch sizes differ: {:?} then {:?}", sizes(a), sizes(b)));
        }
        if a.headline_batch_size != b.headline_batch_size {
            warn(format!(
                "the headline batch size differs: {} then {} (latency and throughput read different modes)",
                a.headline_batch_size, b.headline_batch_size
            ));
        }
    }

    /// The batch sizes (× load levels with a sweep): one row each, with the speedup
    /// of batching.
    fn detail(&self) -> Option<SummaryTable> {
        let unit = Self::INFO.throughput_unit;
        let level = |p: &BatchPoint| load_text(&p.result.load, unit);
        let swept = self.points.iter().any(|p| level(p) != level(&self.points[0]));
        let rows = self
            .points
            .iter()
            .map(|point| {
                let (l, s) = (&point.result.stats.latency, &point.sample_latency);
                SummaryRow::new(vec![
                    if swept {
                        format!("{}, {}", point.batch_size, level(point))
                    } else {
                        point.batch_size.to_string()
                    },
                    format::value(point.requests_per_s, unit),
                    format::value(point.samples_per_s, "samples/s"),
                    l.text(l.summary.p50),
                    l.text(l.summary.p95),
                    s.text(s.summary.p50),
                    point.speedup.map_or("-".into(), format::factor),
                    point.amortization.map_or("-".into(), format::number),
                    format::count(point.result.stats.error_count()),
                ])
            })
            .collect();
        Some(SummaryTable {
            id: "batches",
            title: format!(
                "ml {} (model {} via {}, {}): per batch size; the headline above is batch size {}",
                self.name, self.model.name, self.backend, self.target, self.headline_batch_size
            ),
            columns: vec![
                if swept { "batch size, load" } else { "batch size" },
                "requests",
                "samples",
                "p50",
                "p95",
                "per sample p50",
                "speedup",
                "amortization",
                "errors",
            ],
            rows,
            notes: Vec::new(),
        })
    }

    type Curve = BatchCurve;

    fn curve(&self) -> Option<BatchCurve> {
        // A sweep of loads measures every batch size at several levels: the
        // chart draws the headline's level.
        let level = headline_point(&self.points).map(|i| self.points[i].result.load.level());
        let mut points: Vec<BatchSizePoint> = self
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
        Some(BatchCurve { name: self.series_name(), points, recommended: None })
    }
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

/// An ML workload's points by batch size (a sweep of batch sizes recommends none).
pub type BatchCurve = Curve<BatchSizePoint, u32>;
