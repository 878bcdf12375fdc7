//! The HTTP workload's part of a report (`{"http": {...}}`): the target, the HTTP
//! version asked for, and the scenario's endpoints, each with its own figures.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kind::{header_accessors, latency_walk, walk_result, KindInfo, WorkloadKind};
use super::{LoadResult, OperationStats};
use crate::merge::{add_counts, MergeKind};
use crate::metrics::{error_rate, key_segment, latency_metrics, result_metrics, CatalogueError, Metric};

/// The HTTP workload's counter of response body bytes received (in `stats.counters`).
pub const HTTP_BYTES_RECEIVED: &str = "bytes_received";

/// Result of an HTTP load workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HttpResult {
    /// Scenario name; the key under which metrics of this workload are listed.
    pub name: String,
    /// Base target URL, with any credentials removed.
    pub target: String,
    /// HTTP version asked for: `auto` (HTTP/1.1, or HTTP/2 when TLS negotiates it),
    /// `http1` or `http2` (prior knowledge on plain HTTP).
    pub http_version: String,
    /// The same figures as `result.stats`, per endpoint of the scenario.
    pub endpoints: Vec<EndpointResult>,
    /// What the load engine measured (operations are requests).
    pub result: LoadResult,
}

/// One endpoint of a weighted HTTP scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EndpointResult {
    /// Endpoint name from the scenario.
    pub name: String,
    /// HTTP method.
    pub method: String,
    /// URL, with any credentials removed.
    pub url: String,
    /// Relative weight in the scenario's mix.
    pub weight: u32,
    /// What this endpoint measured.
    pub stats: OperationStats,
}

impl WorkloadKind for HttpResult {
    const INFO: KindInfo = KindInfo {
        kind: "http",
        operation: "request",
        operations_text: "HTTP requests",
        count_key: "requests",
        throughput_key: "throughput_rps",
        throughput_unit: "req/s",
        error_classes: &["connect", "timeout", "tls", "http4xx", "http5xx", "body", "protocol"],
        headline_percentile: "p95",
        headline_extras: &[],
        watched_extras: &[],
        area: "api_performance",
        capacity_latency: ("p95", 200.0),
        capacity_part: None,
        default_targets: &[("API p95 latency", "http.*.latency.p95", "< 200 ms")],
    };

    header_accessors!();

    /// The engine's block (requests), and with several endpoints each one's
    /// latency and error rate (`http.<name>.endpoint.<endpoint>.…`).
    fn metrics(&self, prefix: &str, out: &mut Vec<Metric>) -> Result<(), CatalogueError> {
        result_metrics(prefix, &self.result, &Self::INFO, out)?;
        if self.endpoints.len() > 1 {
            for endpoint in &self.endpoints {
                let prefix = format!("{prefix}.endpoint.{}", key_segment(&endpoint.name));
                latency_metrics(&prefix, &endpoint.stats.latency, None, out)?;
                out.push(error_rate(&prefix, &endpoint.stats));
            }
        }
        Ok(())
    }

    latency_walk!(|this, base, out| {
        let HttpResult { result, endpoints, .. } = this;
        walk_result!(format!("{base}.result"), result, out);
        for (e, EndpointResult { stats: OperationStats { latency, .. }, .. }) in endpoints.into_iter().enumerate() {
            out.push((format!("{base}.endpoints[{e}].stats.latency"), latency));
        }
    });

    fn merge_part(&mut self, from: &Self, _: MergeKind, label: &str) -> Result<(), String> {
        let names = |e: &[EndpointResult]| e.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
        if names(&self.endpoints) != names(&from.endpoints) {
            return Err(format!(
                "{label} has endpoints {:?}, not {:?}",
                names(&from.endpoints),
                names(&self.endpoints)
            ));
        }
        for (a, b) in self.endpoints.iter_mut().zip(&from.endpoints) {
            add_counts(&mut a.stats, &b.stats);
        }
        Ok(())
    }

    fn check_comparable(&self, other: &Self, embedded: bool, warn: &mut dyn FnMut(String)) {
        // Embedded targets get a new port every run: only named targets must match.
        if !embedded && self.target != other.target {
            warn(format!("targets differ: {} then {}", self.target, other.target));
        }
        let shape = |w: &HttpResult| {
            w.endpoints.iter().map(|e| format!("{} {} ×{}", e.method, e.name, e.weight)).collect::<Vec<_>>()
        };
        if shape(self) != shape(other) {
            warn(format!("endpoints differ: {:?} then {:?}", shape(self), shape(other)));
        }
    }

    /// Each endpoint of a scenario with several (`GET item-42`).
    fn parts(&self) -> Vec<(String, &OperationStats)> {
        if self.endpoints.len() < 2 {
            return Vec::new();
        }
        self.endpoints.iter().map(|e| (format!("{} {}", e.method, e.name), &e.stats)).collect()
    }

    /// None yet: an HTTP run measures one load, which the spectrum and timeline draw.
    type Curve = std::convert::Infallible;

    fn curve(&self) -> Option<Self::Curve> {
        None
    }
}
