//! The seam every workload kind plugs into: one [`WorkloadKind`] implementation per
//! kind's file (`http.rs`, `db.rs`, `ml.rs`, `cache.rs`) answers everything the rest
//! of shared asks of a kind: its words and headline keys ([`KindInfo`]), its metrics,
//! its latency distributions, how its parts merge, what must match for two runs to
//! compare, its advice, its summary table, its gauges and its chart.
//!
//! [`Workload`](super::Workload) delegates to the trait through the one
//! `workload_kinds!` list in `report/mod.rs`; no other file matches on the kinds.
//! A new kind is a new file implementing this trait plus one line in that list.

use super::{LoadResult, OperationStats};
use crate::latency::Latency;
use crate::merge::MergeKind;
use crate::metrics::{CatalogueError, Metric};
use crate::summary::SummaryTable;

/// What a workload kind is called and how its figures are named, everywhere: in
/// metric keys, on the page, in the per-area files and in Prometheus' metric names.
#[derive(Debug)]
pub struct KindInfo {
    /// The kind as reports name it (`http`): the first segment of its metric keys.
    pub kind: &'static str,
    /// One operation, in metric names (`request` →
    /// `perfproof_http_request_duration_seconds`, and with an `s`,
    /// `perfproof_http_requests_total`).
    pub operation: &'static str,
    /// Its operations in words (`HTTP requests`).
    pub operations_text: &'static str,
    /// Key of its operation count (`requests`).
    pub count_key: &'static str,
    /// Key of its throughput (`throughput_rps`).
    pub throughput_key: &'static str,
    /// Unit of its throughput (`req/s`).
    pub throughput_unit: &'static str,
    /// Its failure classes, as a report's `errors` names them (`connect`,
    /// `timeout`, ...), in the order the runner numbers them.
    pub error_classes: &'static [&'static str],
    /// The latency percentile its tier is judged by (`p95`; `p90` for a database).
    pub headline_percentile: &'static str,
    /// Its own headline metrics besides latency, throughput and error rate, by the
    /// end of their key under the workload's prefix (`hit_rate`).
    pub headline_extras: &'static [&'static str],
    /// Of those, the ones `monitor` watches for regressions besides latency and errors.
    pub watched_extras: &'static [&'static str],
    /// The original framework's per-area comparison file (`comparison_<area>.json`).
    pub area: &'static str,
    /// The latency a capacity search holds it to by default: a percentile and its
    /// bound in milliseconds (its tier's target: `("p95", 200.0)` for HTTP).
    pub capacity_latency: (&'static str, f64),
    /// The part of the workload whose latency that bound holds, as its windows keep
    /// it (`read`: a cache's reads, whose writes go to the database), or `None` for
    /// every operation.
    pub capacity_part: Option<&'static str>,
    /// Its default targets: name, metric key pattern, rule.
    pub default_targets: &'static [(&'static str, &'static str, &'static str)],
}

impl KindInfo {
    /// The headline latency's key under a workload's prefix (`latency.p95`).
    pub fn headline_latency(&self) -> String {
        format!("latency.{}", self.headline_percentile)
    }

    /// Whether `rest` (a metric key after its workload's prefix) is one of this
    /// kind's headline metrics: its headline latency, throughput, error rate,
    /// capacity (when searched) and extras.
    pub fn is_headline(&self, rest: &str) -> bool {
        rest == self.headline_latency()
            || rest == self.throughput_key
            || rest == "error_rate"
            || rest == "capacity"
            || self.headline_extras.contains(&rest)
    }

    /// Whether `monitor` watches `rest` (a metric key after its workload's prefix).
    pub fn is_watched(&self, rest: &str) -> bool {
        rest == self.headline_latency() || rest == "error_rate" || self.watched_extras.contains(&rest)
    }
}

/// One workload kind's part of a report: the one place that knows its fields.
pub trait WorkloadKind: Sized {
    /// Its words and headline keys.
    const INFO: KindInfo;

    /// Its name (scenario name), unique per kind within a report.
    fn name(&self) -> &str;

    /// What it measured, with any credentials removed.
    fn target(&self) -> &str;

    /// The engine's common block.
    fn result(&self) -> &LoadResult;

    /// The engine's common block, to change.
    fn result_mut(&mut self) -> &mut LoadResult;

    /// Its metrics under `prefix` (`http.<name>`), in a stable order.
    fn metrics(&self, prefix: &str, out: &mut Vec<Metric>) -> Result<(), CatalogueError>;

    /// Every latency distribution it holds, with its field path under `base`
    /// (`workloads[0].http`), in a stable order. Written once per kind with
    /// `latency_walk!`, which also gives [`Self::latencies_mut`].
    fn latencies<'a>(&'a self, base: &str, out: &mut Vec<(String, &'a Latency)>);

    /// The same distributions as [`Self::latencies`], in the same order, to replace them.
    fn latencies_mut<'a>(&'a mut self, base: &str, out: &mut Vec<(String, &'a mut Latency)>);

    /// Merges the kind's own part of `from` (a shard or a trial of the same
    /// workload) into `self`; the common block and the histograms are merged by
    /// [`crate::merge`]. `label` names the workload in errors, which say what differs.
    fn merge_part(&mut self, from: &Self, kind: MergeKind, label: &str) -> Result<(), String>;

    /// What derives from merged figures, once every part and histogram is in.
    fn after_merge(&mut self) {}

    /// Says (through `warn`) what of the kind's own setup differs between a
    /// baseline run (`self`) and an optimized one; `embedded` when both measured
    /// embedded targets, whose addresses change every run.
    fn check_comparable(&self, other: &Self, embedded: bool, warn: &mut dyn FnMut(String));

    /// One sentence of advice on the run, when the kind has one to give.
    fn advice(&self) -> Option<String> {
        None
    }

    /// Its parts with their own figures, as rows under its own in a run's summary
    /// (an HTTP scenario's endpoints, a query mix's queries, a cache's reads and
    /// writes); none when it has only one.
    fn parts(&self) -> Vec<(String, &OperationStats)> {
        Vec::new()
    }

    /// Its own table in a run's summary (see [`crate::summary`]), when it has one.
    fn detail(&self) -> Option<SummaryTable> {
        None
    }

    /// Its own figures that `monitor` exposes as Prometheus gauges, besides the
    /// latency, counts, throughput and error ratio every kind has.
    fn gauges(&self) -> Vec<Gauge> {
        Vec::new()
    }

    /// The values of its own chart (see [`crate::charts`]): its figures against
    /// the setting it sweeps (a pool size, a batch size, a cache's capacity).
    type Curve;

    /// Its chart's values, when the kind has a chart of its own.
    fn curve(&self) -> Option<Self::Curve>;

    /// How charts name it: `<kind> <name>` (`db demo`).
    fn series_name(&self) -> String {
        format!("{} {}", Self::INFO.kind, self.name())
    }
}

/// A kind's chart values ([`WorkloadKind::curve`]): its points by the setting it
/// sweeps (a pool size, a batch size, a capacity), smallest first: every point of
/// a sweep, or the one of a single run.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve<P, R> {
    /// The workload, as `<kind> <name>` (`db demo`).
    pub name: String,
    pub points: Vec<P>,
    /// The setting the sweep recommends, for a kind that recommends one.
    pub recommended: Option<R>,
}

/// A figure of a workload's run exposed as a Prometheus gauge of its own
/// (`perfproof_cache_hit_ratio{kind="cache",workload="demo"} 0.97`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gauge {
    /// The metric family's name.
    pub name: &'static str,
    /// Its `# HELP` text.
    pub help: &'static str,
    pub value: f64,
}

/// Writes a kind's [`WorkloadKind::latencies`] and [`WorkloadKind::latencies_mut`]
/// from one body: `latency_walk!(|this, base, out| { ... })`. The body binds
/// through patterns only (`let DbResult { result, pool, .. } = this;`) and pushes
/// `(path, latency)` pairs, so it reads the same for shared and mutable access.
macro_rules! latency_walk {
    (|$this:ident, $base:ident, $out:ident| $body:block) => {
        // `into_iter()` on a `&Vec` or a `&mut Vec` is what lets one body serve both.
        #[allow(clippy::into_iter_on_ref)]
        fn latencies<'a>(&'a self, $base: &str, $out: &mut Vec<(String, &'a $crate::latency::Latency)>) {
            let $this = self;
            $body
        }

        #[allow(clippy::into_iter_on_ref)]
        fn latencies_mut<'a>(&'a mut self, $base: &str, $out: &mut Vec<(String, &'a mut $crate::latency::Latency)>) {
            let $this = self;
            $body
        }
    };
}

/// Inside a [`latency_walk!`] body: the distributions of an engine's common block
/// (`result`: its latency, the schedule's, each window's, each trial's and each
/// capacity probe's) under `base`.
macro_rules! walk_result {
    ($base:expr, $result:expr, $out:ident) => {{
        let base: &str = &$base;
        let $crate::report::LoadResult {
            stats: $crate::report::OperationStats { latency, .. },
            schedule,
            windows,
            trials,
            capacity,
            ..
        } = $result;
        $out.push((format!("{base}.stats.latency"), latency));
        if let Some($crate::report::Schedule { uncorrected_latency, lag, .. }) = schedule {
            $out.push((format!("{base}.schedule.uncorrected_latency"), uncorrected_latency));
            $out.push((format!("{base}.schedule.lag"), lag));
        }
        for (i, $crate::report::Window { latency, parts, .. }) in windows.into_iter().enumerate() {
            $out.push((format!("{base}.windows[{i}].latency"), latency));
            for (name, latency) in parts {
                $out.push((format!("{base}.windows[{i}].parts.{name}"), latency));
            }
        }
        for (i, $crate::report::Trial { latency, parts, .. }) in trials.into_iter().enumerate() {
            $out.push((format!("{base}.trials[{i}].latency"), latency));
            for (name, latency) in parts {
                $out.push((format!("{base}.trials[{i}].parts.{name}"), latency));
            }
        }
        if let Some($crate::capacity::CapacitySearch { probes, .. }) = capacity {
            for (i, $crate::capacity::Probe { latency, .. }) in probes.into_iter().enumerate() {
                $out.push((format!("{base}.capacity.probes[{i}].latency"), latency));
            }
        }
    }};
}

/// Inside an `impl WorkloadKind`: the accessors of the header every kind's part
/// has, its fields `name`, `target` and `result`.
macro_rules! header_accessors {
    () => {
        fn name(&self) -> &str {
            &self.name
        }

        fn target(&self) -> &str {
            &self.target
        }

        fn result(&self) -> &$crate::report::LoadResult {
            &self.result
        }

        fn result_mut(&mut self) -> &mut $crate::report::LoadResult {
            &mut self.result
        }
    };
}

pub(crate) use {header_accessors, latency_walk, walk_result};
