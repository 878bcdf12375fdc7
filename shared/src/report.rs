//! The perfproof report, schema v1: the only interface between the runner and the web app.
//!
//! Every report names its schema ([`SCHEMA_ID`]). [`parse_report`] reads one and
//! says plainly what is wrong: JSON syntax (line and column), a field of the wrong
//! shape (its path, line and column), a schema version this build does not know,
//! or a latency summary that its histogram does not support.
//! [`json_schema`] is the published JSON Schema, generated from these types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::latency::{Latency, LatencyError};

/// The schema identifier written into, and required of, every report this build reads.
pub const SCHEMA_ID: &str = "perfproof.report/v1";
/// The prefix every perfproof report schema identifier starts with.
const SCHEMA_PREFIX: &str = "perfproof.report/";

/// One run of the perfproof runner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Schema identifier; `perfproof.report/v1` for this version.
    pub schema: String,
    /// What ran, where and when.
    pub run: RunMeta,
    /// One result per workload that ran.
    pub workloads: Vec<Workload>,
}

/// Run metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunMeta {
    /// Version of the perfproof runner that wrote the report.
    pub tool_version: String,
    /// Unique identifier of this run.
    pub run_id: Uuid,
    /// User-chosen label, such as `baseline` or `optimized`.
    pub label: String,
    /// When the run started (UTC).
    pub started_at: DateTime<Utc>,
    /// When the run ended (UTC).
    pub ended_at: DateTime<Utc>,
    /// False when the run was interrupted (signal or deadline) before it finished:
    /// the report then holds what was measured up to that point.
    pub complete: bool,
    /// The machine the runner ran on.
    pub host: Host,
}

/// The machine a run was measured from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Host {
    /// Operating system, as Rust names it (`linux`, `macos`, `windows`, ...).
    pub os: String,
    /// CPU architecture (`x86_64`, `aarch64`, ...).
    pub arch: String,
    /// Logical CPUs available to the runner.
    pub cpus: u32,
    /// Total physical memory, in bytes.
    pub memory_bytes: u64,
}

/// The result of one workload, keyed by its kind (`{"http": {...}}`).
///
/// Externally tagged, and no `#[serde(flatten)]` anywhere in the report: both would
/// make serde buffer the input and lose the field path and line of a parse error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    /// HTTP load against one target.
    Http(HttpResult),
}

/// How load was offered, keyed by the load model (`{"closed": {...}}` or `{"open": {...}}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoadModel {
    /// Closed model: virtual users, each sending its next request when the previous
    /// one has completed (and its think time has passed).
    Closed {
        /// Concurrent virtual users (the peak, when stages ramp them).
        users: u32,
        /// Pause of each user between a response and its next request, in milliseconds.
        think_time_ms: f64,
        /// Stages that ramp the number of users; empty for a constant number.
        stages: Vec<Stage>,
    },
    /// Open model: requests sent on a schedule at an arrival rate, whatever the
    /// target's response time; latency is measured from each scheduled send time.
    Open {
        /// Target arrival rate in requests per second (the peak, when stages ramp it).
        rate_rps: f64,
        /// Stages that ramp the arrival rate; empty for a constant rate.
        stages: Vec<Stage>,
        /// Most requests in flight at once; a request due when all are busy waits
        /// (and its wait counts in its latency).
        max_in_flight: u32,
    },
}

/// One stage of a ramp: over `duration_s`, the users (closed model) or the rate
/// (open model, requests per second) move linearly from the previous stage's
/// target (0 before the first stage) to `target`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stage {
    /// Length of the stage, in seconds.
    pub duration_s: f64,
    /// Users or requests per second reached at the end of the stage.
    pub target: f64,
}

/// Outcome classes of HTTP requests that did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HttpErrorKind {
    /// The connection could not be established, or was refused, reset or closed
    /// before a response arrived.
    Connect,
    /// No complete response within the request timeout.
    Timeout,
    /// TLS handshake or certificate failure.
    Tls,
    /// The server answered with a 4xx status.
    Http4xx,
    /// The server answered with a 5xx status.
    Http5xx,
    /// The response body failed midway or exceeded the largest body read.
    Body,
    /// The response was not valid HTTP (garbage, malformed headers, protocol violation).
    Protocol,
}

/// Request counts and latency of one endpoint, or of a whole workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequestStats {
    /// Requests completed or failed (each request counted once).
    pub requests: u64,
    /// Requests that got a 1xx, 2xx or 3xx response with its body read completely.
    pub successes: u64,
    /// Failed requests by outcome class; classes with no failures are omitted.
    pub errors: BTreeMap<HttpErrorKind, u64>,
    /// Responses by HTTP status code (as a string key, e.g. `"200"`).
    pub status_codes: BTreeMap<String, u64>,
    /// Response body bytes received.
    pub bytes_received: u64,
    /// Latency of successful requests. In the open model: from the scheduled send
    /// time to the last body byte (coordinated-omission corrected); in the closed
    /// model: from send to last body byte.
    pub latency: Latency,
}

impl RequestStats {
    /// Total failed requests, over every class.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// One endpoint of a weighted scenario.
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
    pub stats: RequestStats,
}

/// One second of the measured run, for charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TimelinePoint {
    /// Seconds since the end of the warm-up (the start of measurement).
    pub second: u32,
    /// Requests that completed in this second.
    pub requests: u64,
    /// Of them, failed.
    pub errors: u64,
    /// Median latency of this second's successful requests, in microseconds.
    pub p50_us: u64,
    /// 95th percentile, in microseconds.
    pub p95_us: u64,
    /// 99th percentile, in microseconds.
    pub p99_us: u64,
}

/// Open-model schedule keeping: how well the generator kept its send times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Schedule {
    /// Requests per second the schedule asked for, averaged over the measured period.
    pub target_rate_rps: f64,
    /// Requests per second actually sent over the measured period.
    pub achieved_rate_rps: f64,
    /// Requests sent more than `late_threshold_ms` after their scheduled time.
    pub late_requests: u64,
    /// The lateness that makes a request count as late, in milliseconds.
    pub late_threshold_ms: f64,
    /// Latency of successful requests measured from the actual send time
    /// (what a coordinated-omission-prone tool would report).
    pub uncorrected_latency: Latency,
    /// Actual send time minus scheduled send time, of every request.
    pub lag: Latency,
}

/// The load generator's own resource use, to tell whether it limited the load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GeneratorStats {
    /// Mean CPU use of the runner process during measurement, in percent of one core.
    pub cpu_percent_mean: f64,
    /// Highest one-second CPU use of the runner process, in percent of one core.
    pub cpu_percent_max: f64,
    /// Logical cores available to the runner.
    pub cores: u32,
    /// True when the target ran inside the runner process (the embedded demo
    /// service), so the CPU figures include the target's.
    pub target_in_process: bool,
}

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
    /// How load was offered.
    pub load: LoadModel,
    /// Warm-up before measurement, in seconds; its requests are excluded from every figure.
    pub warmup_s: f64,
    /// Measured duration (after warm-up), in seconds.
    pub duration_s: f64,
    /// Successful requests per second over `duration_s`.
    pub throughput_rps: f64,
    /// Everything the workload measured, over every endpoint.
    pub stats: RequestStats,
    /// The same, per endpoint of the scenario.
    pub endpoints: Vec<EndpointResult>,
    /// Per-second requests, errors and latency percentiles.
    pub timeline: Vec<TimelinePoint>,
    /// Open model only: schedule keeping and the uncorrected latency.
    pub schedule: Option<Schedule>,
    /// The runner's own CPU use.
    pub generator: GeneratorStats,
    /// Things a reader should know before trusting the numbers (e.g. the generator
    /// was the bottleneck, the run was cut short by the request limit).
    pub warnings: Vec<String>,
}

/// Why a report could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReportError {
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Syntax { line: usize, column: usize, message: String },
    #[error("not a perfproof report: {0}")]
    NotAReport(String),
    #[error("unsupported report schema `{found}`: this build of perfproof reads `{SCHEMA_ID}`; use a perfproof version that knows `{found}`")]
    UnsupportedVersion { found: String },
    #[error("invalid field `{path}` at line {line}, column {column}: {message}")]
    Field { path: String, line: usize, column: usize, message: String },
    #[error("invalid field `{path}`: {source}")]
    Latency { path: String, source: LatencyError },
}

impl ReportError {
    /// The field path the error is about, when there is one.
    pub fn path(&self) -> Option<&str> {
        match self {
            ReportError::Field { path, .. } | ReportError::Latency { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Parses and validates a report.
///
/// Checks, in order: JSON syntax, the schema identifier, the shape of every field,
/// and that every latency summary is the one its histogram derives.
pub fn parse_report(text: &str) -> Result<Report, ReportError> {
    let probe: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            ReportError::Syntax { line: e.line(), column: e.column(), message: strip_position(&e) }
        } else {
            ReportError::NotAReport("expected a JSON object with a `schema` field".into())
        }
    })?;
    match probe.get("schema").cloned() {
        None => return Err(ReportError::NotAReport("it has no `schema` field".into())),
        Some(serde_json::Value::String(s)) if s == SCHEMA_ID => {}
        Some(serde_json::Value::String(s)) if s.starts_with(SCHEMA_PREFIX) => {
            return Err(ReportError::UnsupportedVersion { found: s })
        }
        Some(other) => return Err(ReportError::NotAReport(format!("`schema` is {other}, expected \"{SCHEMA_ID}\""))),
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let report: Report = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ReportError::Field { path, line: inner.line(), column: inner.column(), message: strip_position(&inner) }
    })?;
    report.validate()?;
    Ok(report)
}

/// serde_json appends " at line L column C" to its messages; we report those separately.
fn strip_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

impl Report {
    /// Checks what the types alone cannot: every latency summary matches its histogram.
    pub fn validate(&self) -> Result<(), ReportError> {
        for (path, latency) in self.latencies() {
            latency.verify().map_err(|source| ReportError::Latency { path, source })?;
        }
        Ok(())
    }

    /// Every latency distribution of the report with its field path, in a stable order.
    pub fn latencies(&self) -> Vec<(String, &Latency)> {
        let mut out = Vec::new();
        for (w, workload) in self.workloads.iter().enumerate() {
            match workload {
                Workload::Http(http) => {
                    let base = format!("workloads[{w}].http");
                    out.push((format!("{base}.stats.latency"), &http.stats.latency));
                    for (e, endpoint) in http.endpoints.iter().enumerate() {
                        out.push((format!("{base}.endpoints[{e}].stats.latency"), &endpoint.stats.latency));
                    }
                    if let Some(schedule) = &http.schedule {
                        out.push((format!("{base}.schedule.uncorrected_latency"), &schedule.uncorrected_latency));
                        out.push((format!("{base}.schedule.lag"), &schedule.lag));
                    }
                }
            }
        }
        out
    }

    /// The same distributions as [`Report::latencies`], in the same order, to replace them.
    pub fn latencies_mut(&mut self) -> Vec<&mut Latency> {
        let mut out = Vec::new();
        for workload in &mut self.workloads {
            match workload {
                Workload::Http(http) => {
                    out.push(&mut http.stats.latency);
                    out.extend(http.endpoints.iter_mut().map(|e| &mut e.stats.latency));
                    if let Some(schedule) = &mut http.schedule {
                        out.push(&mut schedule.uncorrected_latency);
                        out.push(&mut schedule.lag);
                    }
                }
            }
        }
        out
    }

    /// Serializes the report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }
}

/// The JSON Schema of [`Report`], generated from the types.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Report)).expect("a schema always serializes")
}
