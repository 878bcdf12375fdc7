//! perfproof's pure core, shared by the `perfproof` runner and the web app.
//!
//! Architecture invariant: this crate does no I/O. It takes values and returns
//! values, deterministically, and builds for the host and for
//! `wasm32-unknown-unknown`, so the browser computes exactly what the CLI does.
//!
//! - [`report`]: the versioned report schema (the only interface between runner and web),
//!   parsing with errors that name the field path and line, and the JSON Schema.
//! - [`latency`]: latency distributions as lossless HDR histograms with derived summaries.

pub mod analysis;
pub mod compare;
pub mod cost;
pub mod latency;
pub mod metrics;
pub mod report;
pub mod stats;
pub mod targets;

pub use latency::{Latency, LatencyError, LatencySummary, TimeUnit};
pub use report::{parse_report, Report, ReportError, SCHEMA_ID};
