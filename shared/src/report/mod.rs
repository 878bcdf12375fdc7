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
use crate::merge::MergeKind;

mod cache;
mod db;
mod http;
mod kind;
mod ml;
pub use cache::*;
pub use db::*;
pub use http::*;
pub use kind::{Curve, Gauge, KindInfo, WorkloadKind};
pub use ml::*;

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
    /// One result per workload that ran, in the order they ran.
    pub workloads: Vec<Workload>,
    /// Workloads that were asked for but could not start (target down, bad
    /// configuration); the others' results are still in `workloads`.
    #[serde(default)]
    pub failures: Vec<WorkloadFailure>,
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
    /// False when the run was stopped by a signal (Ctrl-C, SIGTERM) before every
    /// workload finished: the report then holds what was measured up to that point,
    /// and each workload's `result.complete` says which ones ran to the end.
    pub complete: bool,
    /// The machine the runner ran on.
    pub host: Host,
    /// This run's place in a distributed run (`--shard`), when it is one shard.
    #[serde(default)]
    pub shard: Option<ShardMeta>,
    /// For a report merged from shards: which shards it holds and which are missing.
    #[serde(default)]
    pub merged_shards: Option<MergedShards>,
}

/// One shard of a distributed run: shard `index` of `count`, all sharing `group`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShardMeta {
    /// The run group every shard of the run shares (what `merge` checks).
    pub group: String,
    /// This shard's index, 0 ≤ index < count.
    pub index: u32,
    /// How many shards the run has.
    pub count: u32,
    /// The agreed start of the shards' load (UTC), when one was set (`--start-at`).
    pub start_at: Option<DateTime<Utc>>,
    /// How late this shard actually started after `start_at`, in milliseconds.
    pub start_lag_ms: Option<f64>,
}

/// The shards a merged report holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MergedShards {
    /// The run group of the shards.
    pub group: String,
    /// How many shards the run had.
    pub count: u32,
    /// The indices of the shards merged.
    pub present: Vec<u32>,
    /// The indices missing (merged with `--allow-missing`): the figures cover only the others.
    pub missing: Vec<u32>,
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

/// A workload that was asked for and could not start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkloadFailure {
    /// Workload kind (`http`, ...).
    pub kind: String,
    /// Workload name, as it would have appeared in `workloads`.
    pub name: String,
    /// What went wrong, with any credentials removed.
    pub error: String,
}

/// Declares the workload kinds: the one list every kind is named in. It generates
/// the [`Workload`] enum and the methods that delegate to each kind's
/// [`WorkloadKind`], so that no other code matches on the kinds.
macro_rules! workload_kinds {
    ($($(#[$doc:meta])* $variant:ident($part:ty),)*) => {
        /// The result of one workload, keyed by its kind (`{"http": {...}}`).
        ///
        /// Externally tagged, and no `#[serde(flatten)]` anywhere in the report: both would
        /// make serde buffer the input and lose the field path and line of a parse error.
        /// Every kind holds the engine's common block in `result`, plus its own part.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        // A report holds a handful of workloads: their size in memory does not matter.
        #[allow(clippy::large_enum_variant)]
        pub enum Workload {
            $($(#[$doc])* $variant($part),)*
        }

        /// Every workload kind this build reads, in the order of [`Workload`].
        pub const KINDS: &[&KindInfo] = &[$(&<$part as WorkloadKind>::INFO),*];

        /// The workload kinds this build reads, as they are named in reports.
        pub const WORKLOAD_KINDS: &[&str] = &[$(<$part as WorkloadKind>::INFO.kind),*];

        $(
            impl From<$part> for Workload {
                fn from(part: $part) -> Self {
                    Workload::$variant(part)
                }
            }

            impl Part for $part {
                fn of(workload: &Workload) -> Option<&Self> {
                    match workload {
                        Workload::$variant(part) => Some(part),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }
            }
        )*

        impl Workload {
            /// The kind's words and headline keys.
            pub fn info(&self) -> &'static KindInfo {
                match self {
                    $(Workload::$variant(_) => &<$part as WorkloadKind>::INFO,)*
                }
            }

            /// The workload's name (scenario name), unique per kind within a report.
            pub fn name(&self) -> &str {
                match self {
                    $(Workload::$variant(part) => part.name(),)*
                }
            }

            /// What it measured, with any credentials removed.
            pub fn target(&self) -> &str {
                match self {
                    $(Workload::$variant(part) => part.target(),)*
                }
            }

            /// The engine's common block.
            pub fn result(&self) -> &LoadResult {
                match self {
                    $(Workload::$variant(part) => part.result(),)*
                }
            }

            /// The engine's common block, to change.
            pub fn result_mut(&mut self) -> &mut LoadResult {
                match self {
                    $(Workload::$variant(part) => part.result_mut(),)*
                }
            }

            /// Its metrics, in a stable order (see [`crate::metrics::catalogue`]).
            pub fn metrics(
                &self,
                out: &mut Vec<crate::metrics::Metric>,
            ) -> Result<(), crate::metrics::CatalogueError> {
                let start = out.len();
                self.own_metrics(out)?;
                let prefix = self.metric_prefix();
                crate::metrics::attach_sections(&prefix, self.result(), &mut out[start..])
            }

            /// Its metrics as its kind gives them, before the parts are given their
            /// windows' and trials' figures: what a trial or window keeps of its parts
            /// ([`crate::metrics::trial_parts`]).
            pub(crate) fn own_metrics(
                &self,
                out: &mut Vec<crate::metrics::Metric>,
            ) -> Result<(), crate::metrics::CatalogueError> {
                let prefix = self.metric_prefix();
                match self {
                    $(Workload::$variant(part) => part.metrics(&prefix, out),)*
                }
            }

            /// What derives from merged figures (see [`WorkloadKind::after_merge`]).
            pub(crate) fn after_merge(&mut self) {
                match self {
                    $(Workload::$variant(part) => part.after_merge(),)*
                }
            }

            /// One sentence of advice on the run, when its kind has one to give.
            pub fn advice(&self) -> Option<String> {
                match self {
                    $(Workload::$variant(part) => part.advice(),)*
                }
            }

            /// Its parts with their own figures (see [`WorkloadKind::parts`]).
            pub fn parts(&self) -> Vec<(String, &OperationStats)> {
                match self {
                    $(Workload::$variant(part) => part.parts(),)*
                }
            }

            /// Its own Prometheus gauges (see [`WorkloadKind::gauges`]).
            pub fn gauges(&self) -> Vec<Gauge> {
                match self {
                    $(Workload::$variant(part) => part.gauges(),)*
                }
            }

            /// Its own table in a run's summary (see [`WorkloadKind::detail`]).
            pub fn detail(&self) -> Option<crate::summary::SummaryTable> {
                match self {
                    $(Workload::$variant(part) => part.detail(),)*
                }
            }

            fn latencies_at<'a>(&'a self, index: usize, out: &mut Vec<(String, &'a Latency)>) {
                let base = format!("workloads[{index}].{}", self.kind());
                match self {
                    $(Workload::$variant(part) => part.latencies(&base, out),)*
                }
            }

            fn latencies_at_mut<'a>(&'a mut self, index: usize, out: &mut Vec<(String, &'a mut Latency)>) {
                let base = format!("workloads[{index}].{}", self.kind());
                match self {
                    $(Workload::$variant(part) => part.latencies_mut(&base, out),)*
                }
            }

            /// Merges the kind's own part of `from`, a workload of the same kind
            /// and name (see [`WorkloadKind::merge_part`]).
            pub(crate) fn merge_part(&mut self, from: &Workload, kind: MergeKind, label: &str) -> Result<(), String> {
                match (self, from) {
                    $((Workload::$variant(into), Workload::$variant(from)) => into.merge_part(from, kind, label),)*
                    #[allow(unreachable_patterns)]
                    _ => Err(format!("{label} mixes workload kinds")),
                }
            }

            /// Says what of the kinds' own setups differs between two workloads of
            /// the same kind (see [`WorkloadKind::check_comparable`]); nothing for
            /// workloads of different kinds, which are never paired.
            pub(crate) fn check_comparable(&self, other: &Workload, embedded: bool, warn: &mut dyn FnMut(String)) {
                match (self, other) {
                    $((Workload::$variant(a), Workload::$variant(b)) => a.check_comparable(b, embedded, warn),)*
                    #[allow(unreachable_patterns)]
                    _ => {}
                }
            }
        }
    };
}

workload_kinds! {
    /// HTTP load against one target.
    Http(HttpResult),
    /// A query mix through a connection pool against one database.
    Db(DbResult),
    /// Inference requests against one model, at one or several batch sizes.
    Ml(MlResult),
    /// Cache-aside reads and writes through a cache in front of a database table.
    Cache(CacheResult),
}

/// The kind named `kind` in reports (`http`), if this build knows it.
pub fn kind_info(kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().copied().find(|info| info.kind == kind)
}

/// A kind's part of a report, to pick one kind's workloads out of a report
/// ([`Report::parts`]).
pub trait Part: WorkloadKind {
    /// The part, when `workload` is of this kind.
    fn of(workload: &Workload) -> Option<&Self>;
}

impl Workload {
    /// The kind, as the report names it (`http`).
    pub fn kind(&self) -> &'static str {
        self.info().kind
    }

    /// The prefix of its metric keys (`http.<name>`).
    pub fn metric_prefix(&self) -> String {
        format!("{}.{}", self.kind(), crate::metrics::key_segment(self.name()))
    }

    /// This workload's latency distributions, with paths as if it were `workloads[0]`.
    pub fn latencies(&self) -> Vec<(String, &Latency)> {
        let mut out = Vec::new();
        self.latencies_at(0, &mut out);
        out
    }

    /// The same distributions as [`Workload::latencies`], in the same order, to replace them.
    pub fn latencies_mut(&mut self) -> Vec<(String, &mut Latency)> {
        let mut out = Vec::new();
        self.latencies_at_mut(0, &mut out);
        out
    }
}

/// How load was offered, keyed by the load model (`{"closed": {...}}` or `{"open": {...}}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoadModel {
    /// Closed model: virtual users, each starting its next operation when the
    /// previous one has completed (and its think time has passed).
    Closed {
        /// Concurrent virtual users (the peak, when stages ramp them).
        users: u32,
        /// Pause of each user between an operation's end and its next one, in milliseconds.
        think_time_ms: f64,
        /// Stages that ramp the number of users; empty for a constant number.
        stages: Vec<Stage>,
    },
    /// Open model: operations started on a schedule at an arrival rate, whatever the
    /// target's response time; latency is measured from each scheduled start.
    Open {
        /// Target arrival rate in operations per second (the peak, when stages ramp it).
        rate_per_s: f64,
        /// Stages that ramp the arrival rate; empty for a constant rate.
        stages: Vec<Stage>,
        /// Most operations in flight at once; one due when all are busy waits
        /// (and its wait counts in its latency).
        max_in_flight: u32,
    },
}

impl LoadModel {
    /// Users (closed model) or the arrival rate per second (open model): the peak, with stages.
    pub fn level(&self) -> f64 {
        match self {
            LoadModel::Closed { users, .. } => f64::from(*users),
            LoadModel::Open { rate_per_s, .. } => *rate_per_s,
        }
    }
}

/// One stage of a ramp: over `duration_s`, the users (closed model) or the rate
/// (open model, operations per second) move linearly from the previous stage's
/// target (0 before the first stage) to `target`. The warm-up runs at the first
/// stage's target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stage {
    /// Length of the stage, in seconds.
    pub duration_s: f64,
    /// Users or operations per second reached at the end of the stage.
    pub target: f64,
}

/// Counts and latency of a set of operations (a whole workload, or one part of it
/// such as an HTTP endpoint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OperationStats {
    /// Operations completed or failed (each counted once).
    pub operations: u64,
    /// Operations that succeeded.
    pub successes: u64,
    /// Failed operations by outcome class; classes with no failures are omitted.
    /// Each workload kind names its classes (`KindInfo::error_classes`; HTTP:
    /// `connect`, `timeout`, `tls`, `http4xx`, `http5xx`, `body`, `protocol`).
    pub errors: BTreeMap<String, u64>,
    /// Operations by the code the target answered with (HTTP: the status code).
    pub codes: BTreeMap<String, u64>,
    /// The workload's own counters (HTTP: `bytes_received`, response body bytes).
    pub counters: BTreeMap<String, u64>,
    /// Latency of successful operations. In the open model: from the scheduled
    /// start to the end (coordinated-omission corrected); in the closed model:
    /// from start to end.
    pub latency: Latency,
}

impl OperationStats {
    /// Total failed operations, over every class.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// A counter of the workload's, 0 when absent.
    pub fn counter(&self, name: &str) -> u64 {
        self.counters.get(name).copied().unwrap_or(0)
    }
}

/// One second of the measured run, for charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TimelinePoint {
    /// Seconds since the end of the warm-up (the start of measurement).
    pub second: u32,
    /// Operations that completed in this second.
    pub operations: u64,
    /// Of them, failed.
    pub errors: u64,
    /// Median latency of this second's successful operations, in microseconds.
    pub p50_us: u64,
    /// 95th percentile, in microseconds.
    pub p95_us: u64,
    /// 99th percentile, in microseconds.
    pub p99_us: u64,
}

/// Open-model schedule keeping: how well the generator kept its start times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Schedule {
    /// Operations per second the schedule asked for, averaged over the measured period.
    pub target_rate_per_s: f64,
    /// Operations per second actually started over the measured period.
    pub achieved_rate_per_s: f64,
    /// Operations started more than `late_threshold_ms` after their scheduled time.
    pub late_operations: u64,
    /// The lateness that makes an operation count as late, in milliseconds.
    pub late_threshold_ms: f64,
    /// Latency of successful operations measured from the actual start
    /// (what a coordinated-omission-prone tool would report).
    pub uncorrected_latency: Latency,
    /// Actual start minus scheduled start, of every operation.
    pub lag: Latency,
    /// Operations a capacity probe scheduled that were still unanswered (in
    /// flight, or held by the in-flight limit) when it stopped waiting for them:
    /// its grace after the schedule's end ran out, or so many were past its SLO's
    /// latency bound that the bound was broken whatever they did. Abandoned, neither
    /// counted nor measured (0 outside probes, which wait for every operation).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub abandoned: u64,
}

/// For `skip_serializing_if`: a count of 0 is left out.
fn is_zero(n: &u64) -> bool {
    *n == 0
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
    /// Load threads the closed model ran on.
    pub threads: u32,
    /// True when the target ran inside the runner process (an embedded target),
    /// so the CPU figures include the target's.
    pub target_in_process: bool,
}

/// What the load engine measured for one workload, whatever its kind: the common
/// block of every workload result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadResult {
    /// How load was offered.
    pub load: LoadModel,
    /// Warm-up before measurement, in seconds; its operations are excluded from every figure.
    pub warmup_s: f64,
    /// Measured duration (after warm-up), in seconds.
    pub duration_s: f64,
    /// False when a stop signal ended this workload before its planned end.
    pub complete: bool,
    /// Successful operations per second over `duration_s` (HTTP: requests per second).
    pub throughput_per_s: f64,
    /// Everything the workload measured.
    pub stats: OperationStats,
    /// Per-second operations, errors and latency percentiles.
    pub timeline: Vec<TimelinePoint>,
    /// Open model only: schedule keeping and the uncorrected latency.
    pub schedule: Option<Schedule>,
    /// The measured period cut into about 20 equal time windows of whole seconds, each with its own latency
    /// histogram: the evidence for intervals that hold when neighbouring operations
    /// are correlated (batch means). Empty in reports of older runners.
    #[serde(default)]
    pub windows: Vec<Window>,
    /// Length of each window, in seconds (the last one of a trial may be shorter).
    #[serde(default)]
    pub window_s: f64,
    /// Repeated trials of this workload, one after another, when the run asked for
    /// more than one (`--trials`); empty for a single run. Every other figure of this
    /// block covers all trials together.
    #[serde(default)]
    pub trials: Vec<Trial>,
    /// The runner's own CPU use.
    pub generator: GeneratorStats,
    /// The capacity search run after the measurement (`run --capacity`): the
    /// highest open-model rate at which the workload's SLO held. Absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<crate::capacity::CapacitySearch>,
    /// Things a reader should know before trusting the numbers (e.g. the generator
    /// was the bottleneck, the run was cut short by the operation limit).
    pub warnings: Vec<String>,
}

/// One time window of the measured period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Window {
    /// The trial it belongs to (0 for a single run).
    pub trial: u32,
    /// Its position in the trial: it starts `index × window_s` seconds after the
    /// trial's warm-up ended.
    pub index: u32,
    /// Its length, in seconds.
    pub duration_s: f64,
    /// Operations that completed in it.
    pub operations: u64,
    /// Of them, failed.
    pub errors: u64,
    /// Latency of its successful operations (same meaning as `stats.latency`).
    pub latency: Latency,
    /// The latency of each part of the workload in this window (an endpoint, a
    /// query, a cache's hits), keyed as in [`Trial::parts`]: the windows' evidence
    /// of the parts' verdicts. Absent in older reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parts: BTreeMap<String, Latency>,
    /// Each proportion of the workload in this window as `[hits, total]`, keyed as
    /// in [`Trial::proportions`]. Absent in older reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub proportions: BTreeMap<String, [u64; 2]>,
}

/// One of several repeated trials of a workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Trial {
    /// Measured duration of the trial, in seconds.
    pub duration_s: f64,
    /// Operations completed or failed.
    pub operations: u64,
    /// Of them, successful.
    pub successes: u64,
    /// Successful operations per second.
    pub throughput_per_s: f64,
    /// Latency of the trial's successful operations.
    pub latency: Latency,
    /// False when a stop signal ended the trial before its planned end.
    pub complete: bool,
    /// The latency of each part of the workload in this trial (an endpoint, a
    /// query, a cache's hits), keyed by its metric name under the workload
    /// (`endpoint.search`, `hit`): the evidence of the parts' verdicts. Absent in
    /// older reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parts: BTreeMap<String, Latency>,
    /// Each proportion of the workload in this trial as `[hits, total]`, keyed by its
    /// metric name under the workload (`error_rate`, `hit_rate`). Absent in older reports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub proportions: BTreeMap<String, [u64; 2]>,
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
    #[error("unknown workload kind `{kind}` at `{path}` (line {line}): this build of perfproof knows {known}; a newer perfproof may have written it")]
    UnknownWorkload { kind: String, path: String, line: usize, known: String },
    #[error("invalid field `{path}` at line {line}, column {column}: {message}")]
    Field { path: String, line: usize, column: usize, message: String },
    #[error("invalid field `{path}`: {source}")]
    Latency { path: String, source: LatencyError },
    #[error("`{path}`: {kind} workload `{name}` appears twice in the report (first at `{first}`); each workload kind and name may appear once")]
    DuplicateWorkload { path: String, first: String, kind: String, name: String },
}

impl ReportError {
    /// The field path the error is about, when there is one.
    pub fn path(&self) -> Option<&str> {
        match self {
            ReportError::Field { path, .. }
            | ReportError::Latency { path, .. }
            | ReportError::UnknownWorkload { path, .. }
            | ReportError::DuplicateWorkload { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// Parses and validates a report.
///
/// Checks, in order: JSON syntax, the schema identifier, the shape of every field
/// (an unknown workload kind is named as such), that every latency summary is the
/// one its histogram derives, and that no workload appears twice. A UTF-8
/// byte-order mark at the start (as some Windows editors write) is skipped.
pub fn parse_report(text: &str) -> Result<Report, ReportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A valid report, the common case, takes one typed pass; only text that fails
    // it is read again, more slowly, to say what is wrong and where.
    let report = match serde_json::from_str::<Report>(text) {
        Ok(report) if report.schema == SCHEMA_ID => report,
        _ => return Err(diagnose(text)),
    };
    report.validate()?;
    Ok(report)
}

/// Why `text` is not a report, checked in order: JSON syntax, the schema
/// identifier, then the shape of every field, with the path of the first wrong one.
fn diagnose(text: &str) -> ReportError {
    let probe: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(text) {
        Ok(probe) => probe,
        Err(e) if e.is_syntax() || e.is_eof() => {
            return ReportError::Syntax { line: e.line(), column: e.column(), message: strip_position(&e) }
        }
        Err(_) => return ReportError::NotAReport("expected a JSON object with a `schema` field".into()),
    };
    match probe.get("schema") {
        None => return ReportError::NotAReport("it has no `schema` field".into()),
        Some(serde_json::Value::String(s)) if s == SCHEMA_ID => {}
        Some(serde_json::Value::String(s)) if s.starts_with(SCHEMA_PREFIX) => {
            return ReportError::UnsupportedVersion { found: s.clone() }
        }
        Some(other) => return ReportError::NotAReport(format!("`schema` is {other}, expected \"{SCHEMA_ID}\"")),
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, Report>(&mut deserializer) {
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = strip_position(&inner);
            match unknown_workload_kind(&path, &message) {
                Some(kind) => ReportError::UnknownWorkload {
                    kind,
                    path,
                    line: inner.line(),
                    known: WORKLOAD_KINDS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                },
                None => ReportError::Field { path, line: inner.line(), column: inner.column(), message },
            }
        }
        // Both passes read the same text with the same types: they cannot disagree.
        Ok(_) => ReportError::NotAReport("it could not be read as a report".into()),
    }
}

/// The kind named by serde's "unknown variant" error at `workloads[N]`.
fn unknown_workload_kind(path: &str, message: &str) -> Option<String> {
    let index = path.strip_prefix("workloads[")?.strip_suffix(']')?;
    if !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = message.strip_prefix("unknown variant `")?;
    Some(rest[..rest.find('`')?].to_string())
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
    /// Checks what the types alone cannot: every latency summary matches its
    /// histogram, and no workload kind and name appears twice.
    pub fn validate(&self) -> Result<(), ReportError> {
        for (path, latency) in self.latencies() {
            latency.verify().map_err(|source| ReportError::Latency { path, source })?;
        }
        for (i, workload) in self.workloads.iter().enumerate() {
            let first =
                self.workloads[..i].iter().position(|w| w.kind() == workload.kind() && w.name() == workload.name());
            if let Some(first) = first {
                return Err(ReportError::DuplicateWorkload {
                    path: format!("workloads[{i}]"),
                    first: format!("workloads[{first}]"),
                    kind: workload.kind().into(),
                    name: workload.name().into(),
                });
            }
        }
        Ok(())
    }

    /// Every latency distribution of the report with its field path, in a stable order.
    pub fn latencies(&self) -> Vec<(String, &Latency)> {
        let mut out = Vec::new();
        for (i, workload) in self.workloads.iter().enumerate() {
            workload.latencies_at(i, &mut out);
        }
        out
    }

    /// The same distributions as [`Report::latencies`], in the same order, to replace them.
    pub fn latencies_mut(&mut self) -> Vec<(String, &mut Latency)> {
        let mut out = Vec::new();
        for (i, workload) in self.workloads.iter_mut().enumerate() {
            workload.latencies_at_mut(i, &mut out);
        }
        out
    }

    /// The parts of one kind's workloads, in report order: `report.parts::<DbResult>()`.
    pub fn parts<K: Part + 'static>(&self) -> impl Iterator<Item = &K> {
        self.workloads.iter().filter_map(K::of)
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
