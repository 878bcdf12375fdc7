//! perfproof's pure core, shared by the `perfproof` runner and the web app.
//!
//! Architecture invariant: this crate does no I/O. It takes values and returns
//! values, deterministically, and builds for the host and for
//! `wasm32-unknown-unknown`, so the browser computes exactly what the CLI does.
//!
//! - [`report`]: the versioned report schema (the only interface between runner and web),
//!   parsing with errors that name the field path and line, and the JSON Schema.
//! - [`latency`]: latency distributions as lossless HDR histograms with derived summaries.
//! - [`metrics`]: the metric catalogue (stable keys, units, directions, evidence).
//! - [`stats`]: quantile, MOVER, Wilson/Newcombe, Welch and regression intervals.
//! - [`capacity`]: capacity under an SLO: the SLO, each probe's judgement, the search's record.
//! - [`comparability`]: whether two runs can be compared (same load, target, machine), said out loud.
//! - [`compare`]: two reports compared with statistical verdicts and improvement factors.
//! - [`targets`]: target rules, defaults, evaluation and grade.
//! - [`cost`]: 30-day cost projection and ROI.
//! - [`charts`]: chart data from reports (latency spectrum, timeline, daily cost), for page and CLI.
//! - [`comparison_table`]: the comparison as the page's table shows it (filters, sort
//!   orders, metric names and intervals in words, headline sentences).
//! - [`analysis`]: comparison + targets + cost, as `compare` and the web app show it.
//! - [`export`]: the versioned JSON documents written from an analysis (`compare --json`,
//!   per-area files, metrics export).
//! - [`merge`]: shards or repeated trials into one report, exactly.
//! - [`trend`]: series, slopes and alerts over a history of runs.
//! - [`share`]: the versioned share-link codec.

pub mod analysis;
pub mod capacity;
pub mod charts;
pub mod comparability;
pub mod compare;
pub mod comparison_table;
pub mod cost;
pub mod export;
pub mod format;
pub mod latency;
pub mod merge;
pub mod metrics;
pub mod monitor;
pub mod report;
pub mod share;
pub mod stats;
pub mod summary;
pub mod targets;
pub mod trend;

pub use latency::{Latency, LatencyError, LatencySummary, TimeUnit};
pub use report::{parse_report, Report, ReportError, SCHEMA_ID};
