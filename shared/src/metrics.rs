//! The metric catalogue: every number of a report under a stable key, with its
//! unit, its direction, and the evidence statistics need for a verdict: the
//! whole run's histogram or count, and its sections (time windows, trials).
//!
//! Keys: `http.<scenario>.latency.p95`, `http.<scenario>.throughput_rps`,
//! `http.<scenario>.error_rate`, `http.<scenario>.endpoint.<name>.latency.p95`, ...
//! `db.<name>.throughput_tps`, `db.<name>.latency.p90`, `db.<name>.pool.efficiency`,
//! `db.<name>.pool8.u16.throughput_tps` (a sweep point), ...
//! `ml.<name>.latency.p95` (per request, at the headline batch size: 1, the
//! individual mode), `ml.<name>.throughput_rps`, `ml.<name>.samples_per_s`,
//! `ml.<name>.b32.samples_per_s`, `ml.<name>.b32.speedup`, `ml.<name>.b32.latency.p95`,
//! `ml.<name>.b32.u16.samples_per_s` (a sweep of load levels), ...
//! `cache.<name>.hit_rate` (a proportion of reads), `cache.<name>.hit.latency.p95`,
//! `cache.<name>.miss.latency.p95`, `cache.<name>.load_penalty_ms`,
//! `cache.<name>.throughput_ops`, `cache.<name>.c1000.hit_rate` (a sweep point), ...

use std::collections::BTreeMap;
use std::sync::Arc;

use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::latency::{Latency, LatencyError};
use crate::report::{KindInfo, LoadResult, OperationStats, Window, Workload};
use crate::{Report, TimeUnit};

/// The key of the cost reduction between two runs, in percent: computed by
/// [`crate::cost`], graded by the default targets of [`crate::targets`].
pub const COST_REDUCTION_KEY: &str = "cost.reduction_pct";

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    LowerIsBetter,
    HigherIsBetter,
}

/// What a verdict on a metric can be computed from.
#[derive(Debug, Clone)]
pub enum Evidence {
    /// A quantile of a latency distribution.
    Quantile { latency: Arc<LatencyEvidence>, quantile: f64 },
    /// A proportion (error rate, hit rate).
    Proportion(ProportionEvidence),
    /// A rate of successful operations per second (throughput).
    Rate(RateEvidence),
    /// A capacity: the bracket of its search.
    Bracket(BracketEvidence),
    /// No statistical test applies (means, maxima, counts).
    None,
}

/// A latency distribution decoded once for every quantile read from it: the
/// whole run's histogram and its sections.
#[derive(Debug, Clone)]
pub struct LatencyEvidence {
    pub histogram: Histogram<u64>,
    /// The unit of the histogram's values.
    pub unit: TimeUnit,
    /// One histogram per batch of time windows, in time order (see [`batches`]);
    /// empty when the report has no windows.
    pub windows: Vec<Histogram<u64>>,
    /// One histogram per repeated trial; empty for a single run.
    pub trials: Vec<Histogram<u64>>,
}

/// A proportion `hits / total`, and its counts in each repeated trial.
#[derive(Debug, Clone, Default)]
pub struct ProportionEvidence {
    pub hits: u64,
    pub total: u64,
    /// `[hits, total]` of each repeated trial; empty for a single run, and in
    /// reports from before trials kept their parts' counts.
    pub trials: Vec<[u64; 2]>,
    /// `[hits, total]` of each batch of time windows (see [`batches`]): a
    /// workload's error rate from its windows' counts, the other proportions from
    /// those its windows keep; empty in reports from before windows kept them.
    pub windows: Vec<[u64; 2]>,
}

impl Evidence {
    /// A proportion `hits / total` with no sections (yet: see `attach_sections`).
    pub fn proportion(hits: u64, total: u64) -> Self {
        Evidence::Proportion(ProportionEvidence { hits, total, ..ProportionEvidence::default() })
    }
}

/// A capacity search's bracket: the highest rate that passed, the lowest above it
/// that did not (none when the search ended before one: the bracket is open above),
/// and how many probes it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BracketEvidence {
    pub pass: f64,
    pub fail: Option<f64>,
    pub probes: usize,
}

/// Sections of a rate: successful operations per second of each part.
#[derive(Debug, Clone, Default)]
pub struct RateEvidence {
    /// Per batch of time windows (see [`batches`]).
    pub windows: Vec<f64>,
    /// Per repeated trial.
    pub trials: Vec<f64>,
    /// Per whole second of the timeline: what reports without windows offer.
    pub seconds: Vec<f64>,
}

/// One metric of one report.
#[derive(Debug, Clone)]
pub struct Metric {
    pub key: String,
    /// The value, in `unit`.
    pub value: f64,
    /// `ms`, `req/s`, `%`, `count`.
    pub unit: &'static str,
    pub direction: Direction,
    pub evidence: Evidence,
}

/// A metric as listed for people and machines (no evidence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricValue {
    pub key: String,
    pub value: f64,
    pub unit: String,
    pub direction: Direction,
}

impl From<&Metric> for MetricValue {
    fn from(m: &Metric) -> Self {
        MetricValue { key: m.key.clone(), value: m.value, unit: m.unit.into(), direction: m.direction }
    }
}

/// Every metric of a report, in a stable order. Decodes the histograms, so a
/// corrupt one is an error naming its metric.
pub fn catalogue(report: &Report) -> Result<Vec<Metric>, CatalogueError> {
    let mut metrics = Vec::new();
    for workload in &report.workloads {
        workload.metrics(&mut metrics)?;
    }
    Ok(metrics)
}

/// A histogram in a report could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("metric `{key}`: {source}")]
pub struct CatalogueError {
    pub key: String,
    pub source: LatencyError,
}

/// The percentiles every latency is judged at, by their key segment.
pub(crate) const PERCENTILES: [(&str, f64); 5] =
    [("p50", 0.50), ("p90", 0.90), ("p95", 0.95), ("p99", 0.99), ("p99_9", 0.999)];

/// The most batches a run's windows are pooled into: fewer, longer batches are
/// less correlated with each other (Schmeiser 1982: 10 to 30 batches).
pub const MAX_BATCHES: usize = 10;

/// A run's windows as batches for batch means: short windows folded (see
/// [`fold_windows`]), then consecutive windows pooled into at most
/// [`MAX_BATCHES`] batches of (nearly) equal numbers of windows; groups of indices
/// into `windows`, in time order.
pub fn batches(windows: &[Window], window_s: f64) -> Vec<Vec<usize>> {
    let folded = fold_windows(windows, window_s);
    let (n, count) = (folded.len(), folded.len().min(MAX_BATCHES));
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, group) in folded.into_iter().enumerate() {
        out[i * count / n].extend(group);
    }
    out
}

/// Windows of one trial shorter than half of `window_s` (such as the sliver of
/// in-flight completions after the end) joined to the window before them, or to
/// the one after when they come first: groups of indices into `windows`, in time order.
pub fn fold_windows(windows: &[Window], window_s: f64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..windows.len()).collect();
    order.sort_by_key(|&i| (windows[i].trial, windows[i].index));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut carried: Vec<usize> = Vec::new();
    for i in order {
        let same_trial = |g: &Vec<usize>| windows[g[0]].trial == windows[i].trial;
        if windows[i].duration_s < window_s / 2.0 {
            match groups.last_mut().filter(|g| same_trial(g) && carried.is_empty()) {
                Some(group) => group.push(i),
                None => carried.push(i),
            }
        } else {
            carried.push(i);
            groups.push(std::mem::take(&mut carried));
        }
    }
    match groups.last_mut() {
        Some(group) if !carried.is_empty() && windows[group[0]].trial == windows[carried[0]].trial => {
            group.append(&mut carried)
        }
        _ if !carried.is_empty() => groups.push(carried),
        _ => {}
    }
    groups
}

/// Decodes a latency for the catalogue, naming the metric it belongs to on error.
fn decode(latency: &Latency, key: impl FnOnce() -> String) -> Result<Histogram<u64>, CatalogueError> {
    latency.decode().map_err(|source| CatalogueError { key: key(), source })
}

/// The percentiles, mean and maximum of `latency` under `prefix` (`<prefix>.latency.p95`),
/// with `sections`' windows and trials as their evidence when given.
pub(crate) fn latency_metrics(
    prefix: &str,
    latency: &Latency,
    sections: Option<&LoadResult>,
    out: &mut Vec<Metric>,
) -> Result<(), CatalogueError> {
    let histogram = decode(latency, || format!("{prefix}.latency"))?;
    let (mut windows, mut trials) = (Vec::new(), Vec::new());
    if let Some(result) = sections {
        windows = batch_histograms(&batches(&result.windows, result.window_s), |i| {
            (&result.windows[i].latency, format!("{prefix}.windows[{i}].latency"))
        })?;
        for (i, trial) in result.trials.iter().enumerate() {
            trials.push(decode(&trial.latency, || format!("{prefix}.trials[{i}].latency"))?);
        }
    }
    let per_ms = latency.unit.per_millisecond();
    let evidence = Arc::new(LatencyEvidence { histogram, unit: latency.unit, windows, trials });
    for (name, q) in PERCENTILES {
        out.push(Metric {
            key: format!("{prefix}.latency.{name}"),
            value: evidence.histogram.value_at_quantile(q) as f64 / per_ms,
            unit: "ms",
            direction: Direction::LowerIsBetter,
            evidence: Evidence::Quantile { latency: evidence.clone(), quantile: q },
        });
    }
    for (name, value) in [("mean", latency.summary.mean), ("max", latency.summary.max as f64)] {
        out.push(Metric {
            key: format!("{prefix}.latency.{name}"),
            value: value / per_ms,
            unit: "ms",
            direction: Direction::LowerIsBetter,
            evidence: Evidence::None,
        });
    }
    Ok(())
}

/// What a part's metrics need of one section of a workload (a trial, a time
/// window), beside the section's own figures: the latency of each part (an
/// endpoint, a query, a cache's hits), keyed by its name under the workload
/// (`endpoint.search`, `hit`), and every proportion as `[hits, total]`, keyed by
/// its metric under the workload (`error_rate`, `hit_rate`). A report keeps them in
/// each [`crate::report::Trial`] and [`Window`], so that every metric rests on the
/// spread between sections, as the workload's own do (see `attach_sections`).
pub type TrialParts = (BTreeMap<String, Latency>, BTreeMap<String, [u64; 2]>);

/// The [`TrialParts`] of `workload`, a single run or one window of one, read from
/// its kind's catalogue.
pub fn trial_parts(workload: &Workload) -> Result<TrialParts, CatalogueError> {
    let mut metrics = Vec::new();
    workload.own_metrics(&mut metrics)?;
    let prefix = workload.metric_prefix();
    let (mut latencies, mut proportions) = (BTreeMap::new(), BTreeMap::new());
    for metric in &metrics {
        let Some(name) = metric.key.strip_prefix(&prefix).and_then(|k| k.strip_prefix('.')) else { continue };
        match &metric.evidence {
            Evidence::Quantile { latency, .. } if latency.windows.is_empty() && latency.trials.is_empty() => {
                if let Some((part, _)) = name.rsplit_once(".latency.") {
                    if !latencies.contains_key(part) {
                        let encoded = Latency::from_histogram(&latency.histogram, latency.unit)
                            .map_err(|source| CatalogueError { key: metric.key.clone(), source })?;
                        latencies.insert(part.to_string(), encoded);
                    }
                }
            }
            Evidence::Proportion(p) => {
                proportions.insert(name.to_string(), [p.hits, p.total]);
            }
            _ => {}
        }
    }
    Ok((latencies, proportions))
}

/// Gives the metrics of a workload (under `prefix`) that its kind gave no sections
/// the figures of their parts kept by its trials and windows ([`trial_parts`]): a
/// part's latency and a proportion then rest on the spread between trials, or
/// between batches of windows, as the workload's own do. Metrics whose sections
/// lack them (older reports) keep what they had.
pub(crate) fn attach_sections(prefix: &str, result: &LoadResult, metrics: &mut [Metric]) -> Result<(), CatalogueError> {
    let trials = if result.trials.len() >= 2 { &result.trials[..] } else { &[] };
    let groups = batches(&result.windows, result.window_s);
    let mut decoded: BTreeMap<String, Arc<LatencyEvidence>> = BTreeMap::new();
    for metric in metrics {
        let Some(name) = metric.key.strip_prefix(prefix).and_then(|k| k.strip_prefix('.')) else { continue };
        match &mut metric.evidence {
            Evidence::Quantile { latency, .. } if latency.trials.is_empty() || latency.windows.is_empty() => {
                let Some((part, _)) = name.rsplit_once(".latency.") else { continue };
                if let Some(evidence) = decoded.get(part) {
                    *latency = evidence.clone();
                    continue;
                }
                let (mut kept_trials, mut kept_windows) = (Vec::new(), Vec::new());
                if latency.trials.is_empty() {
                    let kept = trials.iter().map(|t| t.parts.get(part)).collect::<Option<Vec<_>>>().unwrap_or_default();
                    kept_trials = kept
                        .into_iter()
                        .enumerate()
                        .map(|(i, l)| decode(l, || format!("{prefix}.trials[{i}].parts.{part}")))
                        .collect::<Result<_, _>>()?;
                }
                if latency.windows.is_empty() && result.windows.iter().all(|w| w.parts.contains_key(part)) {
                    kept_windows = batch_histograms(&groups, |i| {
                        (&result.windows[i].parts[part], format!("{prefix}.windows[{i}].parts.{part}"))
                    })?;
                }
                if kept_trials.is_empty() && kept_windows.is_empty() {
                    continue;
                }
                let mut evidence = LatencyEvidence::clone(latency);
                if !kept_trials.is_empty() {
                    evidence.trials = kept_trials;
                }
                if !kept_windows.is_empty() {
                    evidence.windows = kept_windows;
                }
                let evidence = Arc::new(evidence);
                decoded.insert(part.to_string(), evidence.clone());
                *latency = evidence;
            }
            Evidence::Proportion(p) => {
                if p.trials.is_empty() {
                    if let Some(kept) = trials.iter().map(|t| t.proportions.get(name).copied()).collect() {
                        p.trials = kept;
                    }
                }
                if p.windows.is_empty() {
                    let counts = |group: &Vec<usize>| {
                        group.iter().try_fold([0, 0], |[x, n], &i| {
                            result.windows[i].proportions.get(name).map(|[hits, total]| [x + hits, n + total])
                        })
                    };
                    p.windows = groups.iter().map(counts).collect::<Option<_>>().unwrap_or_default();
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// One histogram per group of windows, the sum of `latency(i)`'s for the windows
/// `i` of the group (a latency and its path, for errors).
fn batch_histograms<'a>(
    groups: &[Vec<usize>],
    latency: impl Fn(usize) -> (&'a Latency, String),
) -> Result<Vec<Histogram<u64>>, CatalogueError> {
    let mut out = Vec::with_capacity(groups.len());
    for group in groups {
        let mut sum = crate::latency::new_histogram();
        for &i in group {
            let (latency, path) = latency(i);
            let window = decode(latency, || path.clone())?;
            sum.add(&window).map_err(|e| CatalogueError {
                key: path,
                source: LatencyError::Decode(format!("cannot add it to its batch: {e:?}")),
            })?;
        }
        out.push(sum);
    }
    Ok(out)
}

/// `<prefix>.error_rate`: failed operations, in percent of all.
pub(crate) fn error_rate(prefix: &str, stats: &OperationStats) -> Metric {
    let errors = stats.error_count().min(stats.operations);
    Metric {
        key: format!("{prefix}.error_rate"),
        value: if stats.operations == 0 { 0.0 } else { errors as f64 / stats.operations as f64 * 100.0 },
        unit: "%",
        direction: Direction::LowerIsBetter,
        evidence: Evidence::proportion(errors, stats.operations),
    }
}

/// The metrics of the engine's common block, which every workload kind has.
pub(crate) fn result_metrics(
    prefix: &str,
    result: &LoadResult,
    words: &KindInfo,
    out: &mut Vec<Metric>,
) -> Result<(), CatalogueError> {
    latency_metrics(prefix, &result.stats.latency, Some(result), out)?;
    // Whole seconds of the timeline; the last one may be partial and is left out.
    let full_seconds = (result.duration_s.floor() as usize).min(result.timeline.len());
    let seconds =
        result.timeline.iter().take(full_seconds).map(|p| p.operations.saturating_sub(p.errors) as f64).collect();
    // Each batch of windows: its successes per second, and its [errors, operations].
    let (mut windows, mut window_errors) = (Vec::new(), Vec::new());
    for group in batches(&result.windows, result.window_s) {
        let (mut failed, mut operations, mut duration) = (0, 0, 0.0);
        for window in group.iter().map(|&i| &result.windows[i]) {
            failed += window.errors.min(window.operations);
            operations += window.operations;
            duration += window.duration_s;
        }
        windows.push(if duration > 0.0 { (operations - failed) as f64 / duration } else { 0.0 });
        window_errors.push([failed, operations]);
    }
    let trials = result.trials.iter().map(|t| t.throughput_per_s).collect();
    out.push(Metric {
        key: format!("{prefix}.{}", words.throughput_key),
        value: result.throughput_per_s,
        unit: words.throughput_unit,
        direction: Direction::HigherIsBetter,
        evidence: Evidence::Rate(RateEvidence { windows, trials, seconds }),
    });
    let mut errors = error_rate(prefix, &result.stats);
    if let Evidence::Proportion(p) = &mut errors.evidence {
        p.windows = window_errors;
    }
    out.push(errors);
    if let Some(search) = &result.capacity {
        if let Some(pass) = search.capacity_per_s {
            out.push(Metric {
                key: format!("{prefix}.capacity"),
                value: pass,
                unit: words.throughput_unit,
                direction: Direction::HigherIsBetter,
                evidence: Evidence::Bracket(BracketEvidence {
                    pass,
                    fail: search.lowest_fail_per_s,
                    probes: search.probes.len(),
                }),
            });
        }
    }
    out.push(Metric {
        key: format!("{prefix}.{}", words.count_key),
        value: result.stats.operations as f64,
        unit: "count",
        direction: Direction::HigherIsBetter,
        evidence: Evidence::None,
    });
    if let Some(schedule) = &result.schedule {
        let lag = &schedule.lag;
        out.push(Metric {
            key: format!("{prefix}.schedule.lag.p99"),
            value: lag.summary.p99 as f64 / lag.unit.per_millisecond(),
            unit: "ms",
            direction: Direction::LowerIsBetter,
            evidence: Evidence::None,
        });
    }
    Ok(())
}

/// `key`: a share from 0 to 1, in percent, higher is better.
pub(crate) fn percent(key: String, share: f64) -> Metric {
    Metric { key, value: share * 100.0, unit: "%", direction: Direction::HigherIsBetter, evidence: Evidence::None }
}

/// A name made safe as one key segment: dots, `*` (the target wildcard) and spaces become `_`.
pub fn key_segment(name: &str) -> String {
    name.chars().map(|c| if c == '.' || c == '*' || c.is_whitespace() { '_' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::new_histogram;
    use crate::TimeUnit;

    fn windows(spec: &[(u32, f64)]) -> Vec<Window> {
        let latency = Latency::from_histogram(&new_histogram(), TimeUnit::Microseconds).unwrap();
        let mut index = [0u32; 4];
        spec.iter()
            .map(|&(trial, duration_s)| {
                index[trial as usize] += 1;
                Window {
                    trial,
                    index: index[trial as usize] - 1,
                    duration_s,
                    operations: 0,
                    errors: 0,
                    latency: latency.clone(),
                    parts: BTreeMap::new(),
                    proportions: BTreeMap::new(),
                }
            })
            .collect()
    }

    #[test]
    fn short_windows_fold_into_a_neighbour_of_their_trial() {
        // A sliver after the end joins the window before it; a short first window the one after.
        let w = windows(&[(0, 2.0), (0, 2.0), (0, 0.01), (1, 0.5), (1, 2.0), (1, 2.0)]);
        assert_eq!(fold_windows(&w, 2.0), vec![vec![0], vec![1, 2], vec![3, 4], vec![5]]);
        // A trial made of one sliver stays its own group.
        let w = windows(&[(0, 2.0), (1, 0.01)]);
        assert_eq!(fold_windows(&w, 2.0), vec![vec![0], vec![1]]);
    }

    #[test]
    fn windows_pool_into_at_most_ten_batches_in_time_order() {
        let w = windows(&[(0, 1.0); 31]);
        let b = batches(&w, 1.0);
        assert_eq!(b.len(), MAX_BATCHES);
        assert_eq!(b.concat(), (0..31).collect::<Vec<_>>());
        assert!(b.iter().all(|g| (3..=4).contains(&g.len())), "{b:?}");
        assert_eq!(batches(&windows(&[(0, 1.0); 7]), 1.0).len(), 7);
    }
}
