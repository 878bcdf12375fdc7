//! Merging reports: the shards of one distributed run (measured at the same time
//! on several machines), or repeated trials (measured one after another), into
//! one report. Histograms and counts are added exactly; percentiles are always
//! re-derived from the added histograms, never averaged.

use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::latency::{Latency, LatencyError, TimeUnit};
use crate::report::{EndpointResult, LoadModel, LoadResult, OperationStats, Schedule, TimelinePoint, Workload};
use crate::Report;

/// How the reports relate in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MergeKind {
    /// Measured at the same time (one load split over machines): rates add up.
    Shards,
    /// Measured one after another: durations add up, rates are overall.
    Trials,
}

/// Why reports cannot be merged.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error("report {index} does not match report 0: {what}")]
    Mismatch { index: usize, what: String },
    #[error("report {index}, `{path}`: {source}")]
    Latency { index: usize, path: String, source: LatencyError },
}

/// Merges `reports` (at least one) into one report.
pub fn merge(reports: &[Report], kind: MergeKind) -> Result<Report, MergeError> {
    let (first, rest) = reports.split_first().ok_or(MergeError::Empty)?;
    let mut merged = first.clone();
    // Histograms of the first report, decoded once and added to as we go.
    let mut acc = Accumulator::new(first)?;
    for (offset, report) in rest.iter().enumerate() {
        let index = offset + 1;
        if report.workloads.len() != merged.workloads.len() {
            return Err(MergeError::Mismatch {
                index,
                what: format!("{} workloads, not {}", report.workloads.len(), merged.workloads.len()),
            });
        }
        for (w, (into, from)) in merged.workloads.iter_mut().zip(&report.workloads).enumerate() {
            merge_workload(into, from, kind, index, w)?;
        }
        for failure in &report.failures {
            if !merged.failures.contains(failure) {
                merged.failures.push(failure.clone());
            }
        }
        acc.add(index, report)?;
        let run = &mut merged.run;
        run.started_at = run.started_at.min(report.run.started_at);
        run.ended_at = run.ended_at.max(report.run.ended_at);
        run.complete &= report.run.complete;
        run.run_id = uuid::Uuid::from_u128(run.run_id.as_u128() ^ report.run.run_id.as_u128());
    }
    acc.encode_into(&mut merged)?;
    if reports.len() > 1 {
        let note = match kind {
            MergeKind::Shards => format!(
                "merged from {} shards: whole-run figures are exact; per-second percentiles in the timeline are the highest shard's (an upper bound)",
                reports.len()
            ),
            MergeKind::Trials => format!("merged from {} trials run one after another", reports.len()),
        };
        for workload in &mut merged.workloads {
            workload.result_mut().warnings.push(note.clone());
        }
    }
    Ok(merged)
}

/// The report's histograms, decoded once, added to shard by shard, encoded once.
/// Reports whose workloads and endpoints match (checked before `add`) list their
/// latencies in the same order, so they are matched by position; paths name errors.
struct Accumulator {
    histograms: Vec<(String, Histogram<u64>, TimeUnit)>,
}

impl Accumulator {
    fn new(first: &Report) -> Result<Self, MergeError> {
        let histograms = first
            .latencies()
            .into_iter()
            .map(|(path, latency)| match latency.decode() {
                Ok(h) => Ok((path, h, latency.unit)),
                Err(source) => Err(MergeError::Latency { index: 0, path, source }),
            })
            .collect::<Result<_, _>>()?;
        Ok(Accumulator { histograms })
    }

    fn add(&mut self, index: usize, report: &Report) -> Result<(), MergeError> {
        let latencies = report.latencies();
        if latencies.len() != self.histograms.len() {
            return Err(MergeError::Mismatch {
                index,
                what: format!("{} latency distributions, not {}", latencies.len(), self.histograms.len()),
            });
        }
        for ((path, latency), (expected, into, unit)) in latencies.into_iter().zip(&mut self.histograms) {
            if path != *expected || latency.unit != *unit {
                return Err(MergeError::Mismatch {
                    index,
                    what: format!(
                        "`{path}` in {} where `{expected}` in {} was expected",
                        latency.unit.symbol(),
                        unit.symbol()
                    ),
                });
            }
            let h = latency.decode().map_err(|source| MergeError::Latency { index, path: path.clone(), source })?;
            into.add(&h).map_err(|e| MergeError::Mismatch { index, what: format!("`{path}`: {e:?}") })?;
        }
        Ok(())
    }

    fn encode_into(self, report: &mut Report) -> Result<(), MergeError> {
        for ((_, slot), (path, h, unit)) in report.latencies_mut().into_iter().zip(self.histograms) {
            *slot =
                Latency::from_histogram(&h, unit).map_err(|source| MergeError::Latency { index: 0, path, source })?;
        }
        Ok(())
    }
}

fn add_counts(into: &mut OperationStats, from: &OperationStats) {
    into.operations += from.operations;
    into.successes += from.successes;
    for (map, more) in
        [(&mut into.errors, &from.errors), (&mut into.codes, &from.codes), (&mut into.counters, &from.counters)]
    {
        for (key, n) in more {
            *map.entry(key.clone()).or_default() += n;
        }
    }
}

/// Merges workload `w` of report `index` into the accumulated one: the kind's
/// own part, then the engine's common block.
fn merge_workload(
    into: &mut Workload,
    from: &Workload,
    kind: MergeKind,
    index: usize,
    w: usize,
) -> Result<(), MergeError> {
    let mismatch = |what: String| MergeError::Mismatch { index, what };
    if (into.kind(), into.name()) != (from.kind(), from.name()) {
        return Err(mismatch(format!(
            "workload {w} is {} `{}`, not {} `{}`",
            from.kind(),
            from.name(),
            into.kind(),
            into.name()
        )));
    }
    let label = format!("{} `{}`", into.kind(), into.name());
    match (&mut *into, from) {
        (Workload::Http(into), Workload::Http(from)) => {
            let names = |e: &[EndpointResult]| e.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
            if names(&into.endpoints) != names(&from.endpoints) {
                return Err(mismatch(format!(
                    "{label} has endpoints {:?}, not {:?}",
                    names(&from.endpoints),
                    names(&into.endpoints)
                )));
            }
            for (a, b) in into.endpoints.iter_mut().zip(&from.endpoints) {
                add_counts(&mut a.stats, &b.stats);
            }
        }
    }
    merge_result(into.result_mut(), from.result(), kind, index, &label)
}

fn merge_result(
    into: &mut LoadResult,
    from: &LoadResult,
    kind: MergeKind,
    index: usize,
    label: &str,
) -> Result<(), MergeError> {
    let mismatch = |what: String| MergeError::Mismatch { index, what };
    if into.schedule.is_some() != from.schedule.is_some() {
        return Err(mismatch(format!("{label} mixes the open and the closed load model")));
    }
    add_counts(&mut into.stats, &from.stats);
    into.complete &= from.complete;
    let before = into.duration_s;
    match kind {
        MergeKind::Shards => {
            into.duration_s = into.duration_s.max(from.duration_s);
            into.throughput_per_s += from.throughput_per_s;
            for point in &from.timeline {
                match into.timeline.iter_mut().find(|p| p.second == point.second) {
                    Some(p) => {
                        p.operations += point.operations;
                        p.errors += point.errors;
                        p.p50_us = p.p50_us.max(point.p50_us);
                        p.p95_us = p.p95_us.max(point.p95_us);
                        p.p99_us = p.p99_us.max(point.p99_us);
                    }
                    None => into.timeline.push(point.clone()),
                }
            }
            into.timeline.sort_by_key(|p| p.second);
            match (&mut into.load, &from.load) {
                (LoadModel::Closed { users, .. }, LoadModel::Closed { users: more, .. }) => *users += more,
                (
                    LoadModel::Open { rate_per_s, max_in_flight, .. },
                    LoadModel::Open { rate_per_s: r, max_in_flight: m, .. },
                ) => {
                    *rate_per_s += r;
                    *max_in_flight += m;
                }
                _ => return Err(mismatch(format!("{label} mixes load models"))),
            }
        }
        MergeKind::Trials => {
            into.duration_s += from.duration_s;
            into.throughput_per_s =
                if into.duration_s > 0.0 { into.stats.successes as f64 / into.duration_s } else { 0.0 };
            let offset = into.timeline.last().map_or(0, |p| p.second + 1);
            into.timeline
                .extend(from.timeline.iter().map(|p| TimelinePoint { second: p.second + offset, ..p.clone() }));
        }
    }
    if let (Some(a), Some(b)) = (&mut into.schedule, &from.schedule) {
        merge_schedule(a, b, kind, before, from.duration_s);
    }
    let g = &mut into.generator;
    g.cpu_percent_mean = (g.cpu_percent_mean * index as f64 + from.generator.cpu_percent_mean) / (index + 1) as f64;
    g.cpu_percent_max = g.cpu_percent_max.max(from.generator.cpu_percent_max);
    g.target_in_process |= from.generator.target_in_process;
    for warning in &from.warnings {
        if !into.warnings.contains(warning) {
            into.warnings.push(warning.clone());
        }
    }
    Ok(())
}

fn merge_schedule(into: &mut Schedule, from: &Schedule, kind: MergeKind, before_s: f64, from_s: f64) {
    into.late_operations += from.late_operations;
    match kind {
        MergeKind::Shards => {
            into.target_rate_per_s += from.target_rate_per_s;
            into.achieved_rate_per_s += from.achieved_rate_per_s;
        }
        MergeKind::Trials => {
            let total = before_s + from_s;
            if total > 0.0 {
                into.target_rate_per_s = (into.target_rate_per_s * before_s + from.target_rate_per_s * from_s) / total;
                into.achieved_rate_per_s =
                    (into.achieved_rate_per_s * before_s + from.achieved_rate_per_s * from_s) / total;
            }
        }
    }
}
