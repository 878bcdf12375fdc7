//! Merging reports: the shards of one distributed run (measured at the same time
//! on several machines), or repeated trials (measured one after another), into
//! one report. Histograms and counts are added exactly; percentiles are always
//! re-derived from the added histograms, never averaged.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::latency::{Latency, LatencyError, TimeUnit};
use crate::report::{
    LoadModel, LoadResult, MergedShards, OperationStats, Schedule, TimelinePoint, Trial, Window, Workload,
};
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
    #[error("report {index} does not overlap report 0 in time: shards are measured at once; merge reports run one after another as trials (--trials)")]
    NoOverlap { index: usize },
    #[error("report {index} is {what}; every report merged as shards must be a shard of the same run")]
    NotAShard { index: usize, what: String },
    #[error("report {index} is shard {shard} of run group `{group}`, but report 0 belongs to run group `{expected}`")]
    OtherGroup { index: usize, shard: u32, group: String, expected: String },
    #[error("reports {first} and {index} are both shard {shard}: each shard may be merged once")]
    DuplicateShard { first: usize, index: usize, shard: u32 },
    #[error("shards {missing:?} of {count} are missing from run group `{group}`; merge them too, or pass --allow-missing to merge what is here (the report then says which are missing)")]
    MissingShards { group: String, count: u32, missing: Vec<u32> },
}

/// How strict a merge is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeOptions {
    /// Merge the shards at hand when some of the run's shards are missing.
    pub allow_missing: bool,
}

impl MergeError {
    /// Names the workload's real position in the report (the merge of one
    /// workload speaks of `workloads[0]`).
    fn at_workload(self, w: usize) -> Self {
        match self {
            MergeError::Latency { index, path, source } => MergeError::Latency {
                index,
                path: path.replacen("workloads[0]", &format!("workloads[{w}]"), 1),
                source,
            },
            other => other,
        }
    }
}

/// Merges `reports` (at least one) into one report, with the default options.
pub fn merge(reports: &[Report], kind: MergeKind) -> Result<Report, MergeError> {
    merge_with(reports, kind, MergeOptions::default())
}

/// Merges `reports` (at least one) into one report; see [`Merger`].
pub fn merge_with(reports: &[Report], kind: MergeKind, options: MergeOptions) -> Result<Report, MergeError> {
    let (first, rest) = reports.split_first().ok_or(MergeError::Empty)?;
    let mut merger = Merger::new(first.clone(), kind, options)?;
    for report in rest {
        merger.add(report.clone())?;
    }
    merger.finish()
}

/// Merges reports one at a time, so that memory holds one report being read plus
/// the merged one (histograms decoded once, encoded once at the end).
///
/// Shards must overlap in time (measured at once); reports that do not are
/// trials, and merging them as shards would double the rate, so it is refused.
/// Reports written by `--shard` must all belong to one run group, each index once
/// and none missing (unless `options.allow_missing`); their warnings keep the
/// shard's index. The merged report gets a run id of its own.
pub struct Merger {
    kind: MergeKind,
    options: MergeOptions,
    /// The first report, into which the others are merged (its workloads are
    /// replaced at the end by the workload mergers' results).
    merged: Report,
    workloads: Vec<WorkloadMerger>,
    /// Reports merged so far.
    count: usize,
    /// Running hash of the run ids, for the merged run id.
    id: (u64, u64),
    /// Shards seen: their index and the report that held them.
    shards: Option<BTreeMap<u32, usize>>,
}

impl Merger {
    /// Starts from the first report.
    pub fn new(first: Report, kind: MergeKind, options: MergeOptions) -> Result<Self, MergeError> {
        let first = label_warnings_by_shard(first);
        let shards = match (kind, &first.run.shard) {
            (MergeKind::Shards, Some(shard)) => Some(BTreeMap::from([(shard.index, 0)])),
            _ => None,
        };
        let workloads = first
            .workloads
            .iter()
            .enumerate()
            .map(|(w, workload)| WorkloadMerger::new(workload.clone(), kind).map_err(|e| e.at_workload(w)))
            .collect::<Result<_, _>>()?;
        let mut merger = Merger {
            kind,
            options,
            merged: first,
            workloads,
            count: 1,
            id: (0x6A09_E667_F3BC_C908, kind as u64),
            shards,
        };
        merger.hash_id(merger.merged.run.run_id);
        Ok(merger)
    }

    fn hash_id(&mut self, id: uuid::Uuid) {
        fn mix(mut z: u64) -> u64 {
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        let id = id.as_u128();
        let (hi, lo) = &mut self.id;
        *hi = mix(*hi ^ (id >> 64) as u64).wrapping_add(*lo);
        *lo = mix(*lo ^ id as u64).wrapping_add(*hi);
    }

    /// Merges the next report.
    pub fn add(&mut self, report: Report) -> Result<(), MergeError> {
        let index = self.count;
        if report.workloads.len() != self.workloads.len() {
            return Err(MergeError::Mismatch {
                index,
                what: format!("{} workloads, not {}", report.workloads.len(), self.workloads.len()),
            });
        }
        if self.kind == MergeKind::Shards {
            let (a, b) = (&self.merged.run, &report.run);
            if b.started_at >= a.ended_at || a.started_at >= b.ended_at {
                return Err(MergeError::NoOverlap { index });
            }
            self.check_shard(index, &report)?;
        }
        let report = label_warnings_by_shard(report);
        for (w, (merger, workload)) in self.workloads.iter_mut().zip(&report.workloads).enumerate() {
            merger.add(index, workload).map_err(|e| e.at_workload(w))?;
        }
        for failure in &report.failures {
            if !self.merged.failures.contains(failure) {
                self.merged.failures.push(failure.clone());
            }
        }
        let run = &mut self.merged.run;
        run.started_at = run.started_at.min(report.run.started_at);
        run.ended_at = run.ended_at.max(report.run.ended_at);
        run.complete &= report.run.complete;
        self.hash_id(report.run.run_id);
        self.count += 1;
        Ok(())
    }

    /// One group, each index once; a shard among plain reports (or the reverse) is an error.
    fn check_shard(&mut self, index: usize, report: &Report) -> Result<(), MergeError> {
        let (Some(first), Some(seen)) = (&self.merged.run.shard, &mut self.shards) else {
            return match report.run.shard {
                Some(_) => {
                    Err(MergeError::NotAShard { index: 0, what: format!("not a shard while report {index} is") })
                }
                None => Ok(()),
            };
        };
        let shard = report.run.shard.as_ref().ok_or(MergeError::NotAShard { index, what: "not a shard".into() })?;
        if shard.group != first.group {
            return Err(MergeError::OtherGroup {
                index,
                shard: shard.index,
                group: shard.group.clone(),
                expected: first.group.clone(),
            });
        }
        if shard.count != first.count || shard.index >= shard.count {
            return Err(MergeError::NotAShard {
                index,
                what: format!("shard {} of {} where report 0 is of {}", shard.index, shard.count, first.count),
            });
        }
        if let Some(&earlier) = seen.get(&shard.index) {
            return Err(MergeError::DuplicateShard { first: earlier, index, shard: shard.index });
        }
        seen.insert(shard.index, index);
        Ok(())
    }

    /// The merged report.
    pub fn finish(mut self) -> Result<Report, MergeError> {
        let shards = match (&self.merged.run.shard, self.shards.take()) {
            (Some(first), Some(seen)) => {
                let missing: Vec<u32> = (0..first.count).filter(|i| !seen.contains_key(i)).collect();
                if !missing.is_empty() && !self.options.allow_missing {
                    return Err(MergeError::MissingShards { group: first.group.clone(), count: first.count, missing });
                }
                Some(MergedShards {
                    group: first.group.clone(),
                    count: first.count,
                    present: seen.into_keys().collect(),
                    missing,
                })
            }
            _ => None,
        };
        self.merged.workloads =
            self.workloads.into_iter().map(WorkloadMerger::finish).collect::<Result<Vec<_>, _>>()?;
        let (hi, lo) = self.id;
        self.merged.run.run_id =
            uuid::Builder::from_custom_bytes((u128::from(hi) << 64 | u128::from(lo)).to_be_bytes()).into_uuid();
        let count = self.count;
        if count > 1 {
            let note = match self.kind {
                MergeKind::Shards => format!(
                    "merged from {count} shards: whole-run figures are exact; per-second percentiles in the timeline are the highest shard's (an upper bound)"
                ),
                MergeKind::Trials => format!("merged from {count} trials run one after another"),
            };
            for workload in &mut self.merged.workloads {
                workload.result_mut().warnings.push(note.clone());
            }
        }
        if let Some(shards) = shards {
            self.merged.run.shard = None;
            if !shards.missing.is_empty() {
                for workload in &mut self.merged.workloads {
                    workload.result_mut().warnings.push(format!(
                        "shards {:?} of {} are missing: the figures cover only the other {}",
                        shards.missing,
                        shards.count,
                        shards.present.len()
                    ));
                }
            }
            self.merged.run.merged_shards = Some(shards);
        }
        Ok(self.merged)
    }
}

/// A shard's report whose warnings say which shard raised them.
fn label_warnings_by_shard(mut report: Report) -> Report {
    if let Some(shard) = report.run.shard.as_ref().map(|s| s.index) {
        for workload in &mut report.workloads {
            for warning in &mut workload.result_mut().warnings {
                *warning = format!("shard {shard}: {warning}");
            }
        }
    }
    report
}

/// Merges one workload's results from several reports (in their order): the
/// shards of one run, or trials one after another. Runners use it for `--trials`.
pub fn merge_workloads(workloads: &[&Workload], kind: MergeKind) -> Result<Workload, MergeError> {
    let (first, rest) = workloads.split_first().ok_or(MergeError::Empty)?;
    let mut merger = WorkloadMerger::new((*first).clone(), kind)?;
    for (offset, from) in rest.iter().enumerate() {
        merger.add(offset + 1, from)?;
    }
    merger.finish()
}

/// One workload being merged: its figures, its whole-run histograms and windows.
struct WorkloadMerger {
    kind: MergeKind,
    merged: Workload,
    histograms: Accumulator,
    windows: Windows,
}

impl WorkloadMerger {
    fn new(first: Workload, kind: MergeKind) -> Result<Self, MergeError> {
        let histograms = Accumulator::new(&first)?;
        let windows = Windows::new(first.result())?;
        Ok(WorkloadMerger { kind, merged: first, histograms, windows })
    }

    fn add(&mut self, index: usize, from: &Workload) -> Result<(), MergeError> {
        let trial_offset = match self.kind {
            MergeKind::Shards => 0,
            MergeKind::Trials => {
                if self.merged.result().trials.is_empty() {
                    let mut first = trial_of(self.merged.result());
                    keep_parts(&mut first, &self.merged, 0)?;
                    self.merged.result_mut().trials = vec![first];
                }
                self.merged.result().trials.len() as u32
            }
        };
        merge_workload(&mut self.merged, from, self.kind, index)?;
        if self.kind == MergeKind::Trials && from.result().trials.is_empty() {
            // merge_workload made `from` a trial of its own: the last one.
            if let Some(trial) = self.merged.result_mut().trials.last_mut() {
                keep_parts(trial, from, index)?;
            }
        }
        self.histograms.add(index, from)?;
        self.windows.add(index, from.result(), trial_offset)
    }

    fn finish(mut self) -> Result<Workload, MergeError> {
        self.histograms.encode_into(&mut self.merged)?;
        self.windows.encode_into(self.merged.result_mut())?;
        self.merged.after_merge();
        Ok(self.merged)
    }
}

/// Merges one of a workload's own load results from a trial or a shard (a sweep
/// point's, from [`WorkloadKind::merge_part`](crate::report::WorkloadKind::merge_part)):
/// its counts, timeline, windows and trials as the workload's own block; its
/// whole-run histograms are added by [`merge_workloads`] with the workload's.
pub(crate) fn merge_point(
    into: &mut LoadResult,
    from: &LoadResult,
    kind: MergeKind,
    label: &str,
) -> Result<(), String> {
    let trial_offset = match kind {
        MergeKind::Shards => 0,
        MergeKind::Trials => {
            if into.trials.is_empty() {
                into.trials = vec![trial_of(into)];
            }
            into.trials.len() as u32
        }
    };
    let mut windows = Windows::new(into).map_err(|e| e.to_string())?;
    windows.add(1, from, trial_offset).map_err(|e| e.to_string())?;
    merge_result(into, from, kind, 1, label).map_err(|e| e.to_string())?;
    windows.encode_into(into).map_err(|e| e.to_string())
}

/// A single run as one trial.
fn trial_of(result: &LoadResult) -> Trial {
    Trial {
        duration_s: result.duration_s,
        operations: result.stats.operations,
        successes: result.stats.successes,
        throughput_per_s: result.throughput_per_s,
        latency: result.stats.latency.clone(),
        complete: result.complete,
        parts: BTreeMap::new(),
        proportions: BTreeMap::new(),
    }
}

/// Keeps in `trial` the parts' figures of the single run `workload` (report
/// `index`) it was made from (see [`crate::metrics::TrialParts`]).
fn keep_parts(trial: &mut Trial, workload: &Workload, index: usize) -> Result<(), MergeError> {
    let (parts, proportions) = crate::metrics::trial_parts(workload).map_err(|e| MergeError::Latency {
        index,
        path: e.key,
        source: e.source,
    })?;
    (trial.parts, trial.proportions) = (parts, proportions);
    Ok(())
}

/// Whole-run histograms are matched by position; windows and trials have merges of their own.
fn whole_run(path: &str) -> bool {
    !path.contains(".windows[") && !path.contains(".trials[")
}

/// A workload's whole-run histograms, decoded once, added to report by report,
/// encoded once. Workloads whose parts match (checked before `add`) list their
/// latencies in the same order, so they are matched by position; paths name errors.
struct Accumulator {
    histograms: Vec<(String, Histogram<u64>, TimeUnit)>,
}

impl Accumulator {
    fn new(first: &Workload) -> Result<Self, MergeError> {
        let histograms = first
            .latencies()
            .into_iter()
            .filter(|(path, _)| whole_run(path))
            .map(|(path, latency)| match latency.decode() {
                Ok(h) => Ok((path, h, latency.unit)),
                Err(source) => Err(MergeError::Latency { index: 0, path, source }),
            })
            .collect::<Result<_, _>>()?;
        Ok(Accumulator { histograms })
    }

    fn add(&mut self, index: usize, workload: &Workload) -> Result<(), MergeError> {
        let latencies: Vec<_> = workload.latencies().into_iter().filter(|(path, _)| whole_run(path)).collect();
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

    fn encode_into(self, workload: &mut Workload) -> Result<(), MergeError> {
        let slots = workload.latencies_mut().into_iter().filter(|(path, _)| whole_run(path));
        for ((_, slot), (path, h, unit)) in slots.zip(self.histograms) {
            *slot =
                Latency::from_histogram(&h, unit).map_err(|source| MergeError::Latency { index: 0, path, source })?;
        }
        Ok(())
    }
}

/// Time windows keyed by (trial, index), decoded once, added (shards: the same
/// window measured at once) or appended (trials), encoded once.
struct Windows {
    unit: TimeUnit,
    by_key: BTreeMap<(u32, u32), WindowSum>,
}

/// A window while merging: its histogram, operations, errors and length, and its
/// parts' histograms and proportions' counts.
struct WindowSum {
    latency: Histogram<u64>,
    operations: u64,
    errors: u64,
    duration_s: f64,
    parts: BTreeMap<String, (Histogram<u64>, TimeUnit)>,
    proportions: BTreeMap<String, [u64; 2]>,
}

impl Windows {
    fn new(first: &LoadResult) -> Result<Self, MergeError> {
        let mut windows = Windows { unit: TimeUnit::Microseconds, by_key: BTreeMap::new() };
        if let Some(w) = first.windows.first() {
            windows.unit = w.latency.unit;
        }
        windows.add(0, first, 0)?;
        Ok(windows)
    }

    fn add(&mut self, index: usize, result: &LoadResult, trial_offset: u32) -> Result<(), MergeError> {
        for (i, window) in result.windows.iter().enumerate() {
            let path = format!("windows[{i}].latency");
            if window.latency.unit != self.unit {
                return Err(MergeError::Mismatch { index, what: format!("`{path}` is in another unit") });
            }
            let decode = |latency: &Latency, path: String| {
                latency.decode().map_err(|source| MergeError::Latency { index, path, source })
            };
            let h = decode(&window.latency, path.clone())?;
            let key = (window.trial + trial_offset, window.index);
            let sum = self.by_key.entry(key).or_insert_with(|| WindowSum {
                latency: crate::latency::new_histogram(),
                operations: 0,
                errors: 0,
                duration_s: 0.0,
                parts: BTreeMap::new(),
                proportions: BTreeMap::new(),
            });
            let add = |into: &mut Histogram<u64>, h: &Histogram<u64>, path: &str| {
                into.add(h).map_err(|e| MergeError::Mismatch { index, what: format!("`{path}`: {e:?}") })
            };
            add(&mut sum.latency, &h, &path)?;
            sum.operations += window.operations;
            sum.errors += window.errors;
            sum.duration_s = sum.duration_s.max(window.duration_s);
            for (name, latency) in &window.parts {
                let path = format!("windows[{i}].parts.{name}");
                let h = decode(latency, path.clone())?;
                let (into, _) =
                    sum.parts.entry(name.clone()).or_insert_with(|| (crate::latency::new_histogram(), latency.unit));
                add(into, &h, &path)?;
            }
            for (name, [hits, total]) in &window.proportions {
                let into = sum.proportions.entry(name.clone()).or_default();
                (into[0], into[1]) = (into[0] + hits, into[1] + total);
            }
        }
        Ok(())
    }

    fn encode_into(self, result: &mut LoadResult) -> Result<(), MergeError> {
        let unit = self.unit;
        let encode = |h: &Histogram<u64>, unit: TimeUnit, path: String| {
            Latency::from_histogram(h, unit).map_err(|source| MergeError::Latency { index: 0, path, source })
        };
        result.windows = self
            .by_key
            .into_iter()
            .map(|((trial, index), sum)| {
                let latency = encode(&sum.latency, unit, format!("windows[{index}]"))?;
                let parts = sum
                    .parts
                    .iter()
                    .map(|(name, (h, unit))| {
                        Ok((name.clone(), encode(h, *unit, format!("windows[{index}].parts.{name}"))?))
                    })
                    .collect::<Result<_, MergeError>>()?;
                Ok(Window {
                    trial,
                    index,
                    duration_s: sum.duration_s,
                    operations: sum.operations,
                    errors: sum.errors,
                    latency,
                    parts,
                    proportions: sum.proportions,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(())
    }
}

pub(crate) fn add_counts(into: &mut OperationStats, from: &OperationStats) {
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

/// Merges the workload of report `index` into the accumulated one: the kind's own
/// part, then the engine's common block (whole-run histograms and windows are
/// added by [`merge_workloads`]).
fn merge_workload(into: &mut Workload, from: &Workload, kind: MergeKind, index: usize) -> Result<(), MergeError> {
    let mismatch = |what: String| MergeError::Mismatch { index, what };
    if (into.kind(), into.name()) != (from.kind(), from.name()) {
        return Err(mismatch(format!(
            "the workload is {} `{}`, not {} `{}`",
            from.kind(),
            from.name(),
            into.kind(),
            into.name()
        )));
    }
    let label = format!("{} `{}`", into.kind(), into.name());
    into.merge_part(from, kind, &label).map_err(mismatch)?;
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
    if into.capacity.is_some() || from.capacity.is_some() {
        return Err(mismatch(format!(
            "{label} holds a capacity search, which measures one machine's service on its own: compare its report as it is"
        )));
    }
    if into.schedule.is_some() != from.schedule.is_some() {
        return Err(mismatch(format!("{label} mixes the open and the closed load model")));
    }
    add_counts(&mut into.stats, &from.stats);
    into.complete &= from.complete;
    let before = into.duration_s;
    match kind {
        MergeKind::Shards => {
            if into.trials.len() != from.trials.len() {
                return Err(mismatch(format!("{label} has {} trials, not {}", from.trials.len(), into.trials.len())));
            }
            for (a, b) in into.trials.iter_mut().zip(&from.trials) {
                add_trial(a, b).map_err(|e| match e {
                    MergeError::Latency { source, .. } => {
                        MergeError::Latency { index, path: format!("{label}: a trial's latency"), source }
                    }
                    other => other,
                })?;
            }
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
            match from.trials.is_empty() {
                true => into.trials.push(trial_of(from)),
                false => into.trials.extend(from.trials.iter().cloned()),
            }
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

/// Adds a shard's trial to the same trial of the others (measured at once).
fn add_trial(into: &mut Trial, from: &Trial) -> Result<(), MergeError> {
    add_latency(&mut into.latency, &from.latency)?;
    for (name, latency) in &from.parts {
        match into.parts.get_mut(name) {
            Some(sum) => add_latency(sum, latency)?,
            None => {
                into.parts.insert(name.clone(), latency.clone());
            }
        }
    }
    for (name, [hits, total]) in &from.proportions {
        let sum = into.proportions.entry(name.clone()).or_default();
        sum[0] += hits;
        sum[1] += total;
    }
    into.operations += from.operations;
    into.successes += from.successes;
    into.throughput_per_s += from.throughput_per_s;
    into.duration_s = into.duration_s.max(from.duration_s);
    into.complete &= from.complete;
    Ok(())
}

/// Adds one latency distribution to another, in the unit of the first.
fn add_latency(into: &mut Latency, from: &Latency) -> Result<(), MergeError> {
    let latency = |e| MergeError::Latency { index: 0, path: String::new(), source: e };
    let mut h = into.decode().map_err(latency)?;
    h.add(from.decode().map_err(latency)?)
        .map_err(|e| MergeError::Mismatch { index: 0, what: format!("a trial's latency: {e:?}") })?;
    *into = Latency::from_histogram(&h, into.unit).map_err(latency)?;
    Ok(())
}

fn merge_schedule(into: &mut Schedule, from: &Schedule, kind: MergeKind, before_s: f64, from_s: f64) {
    into.late_operations += from.late_operations;
    into.abandoned += from.abandoned;
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
