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

use super::LoadResult;
use crate::latency::Latency;

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
