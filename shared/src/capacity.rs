//! Capacity under an SLO: the service level a capacity search holds a workload
//! to ([`Slo`]), each probe's judgement against it ([`judge`]), and the search's
//! record in the report ([`CapacitySearch`]: every probe, the capacity and its
//! bracket, why the search ended).
//!
//! A probe is one open-model stretch at a fixed arrival rate. It **passes** only
//! when every part of the SLO holds with confidence: the latency percentile's
//! interval (from the probe's windows, as for verdicts) lies under its bound, the
//! error rate's interval under its bound, and the target completed at least the
//! required share of the offered rate without falling behind: a backlog that
//! grows through the probe (its windows' median latency rising by at least
//! [`MAX_FALLING_BEHIND`] of a second per second) is a rate the target cannot
//! sustain, however little of the probe it spoiled. It **fails** when a part is
//! violated with confidence, and is otherwise **unresolved**. A probe whose generator saturated
//! judges the generator, not the service: it is never a pass or a fail.
//!
//! The search itself (which rates to probe) runs in the runner's engine; this
//! module is what the runner, `compare` and the page agree on.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::comparability::saturation;
use crate::compare::MIN_SECTIONS;
use crate::format;
use crate::latency::Latency;
use crate::metrics::PERCENTILES;
use crate::report::{KindInfo, LoadResult};
use crate::stats::{normal_quantile, quantile_interval, sectioned_quantile_interval, slope_interval, wilson, Interval};
use crate::summary::{SummaryRow, SummaryTable};
use crate::targets::{self, Op, Target};

/// Confidence of a probe's judgement.
pub const PROBE_CONFIDENCE: f64 = 0.95;
/// The default most errors a probe may have, in percent of its operations.
pub const DEFAULT_MAX_ERROR_PERCENT: f64 = 1.0;
/// The default least share of the offered rate a probe must complete, in percent.
pub const DEFAULT_MIN_ACHIEVED_PERCENT: f64 = 95.0;
/// The least share of the offered rate a probe may fall behind by before it fails
/// for not keeping up, whatever share it completed. Falling behind shows as a
/// rising latency: measured from each operation's scheduled start and grouped by
/// the second it completed, latency grows by this share of a second per second
/// (a target that completes 99 of 100 offered grows its delay by 10 ms a second).
/// A fifth of the default resolution: a search that finds its rate passes within it.
pub const MAX_FALLING_BEHIND: f64 = 0.01;
/// The default resolution of a search: it ends when its lowest failing rate is
/// within this share above its highest passing one.
pub const DEFAULT_RESOLUTION: f64 = 0.05;

/// The service level a workload must hold at a probed rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// The latency percentile held to a bound: `p50`, `p90`, `p95`, `p99` or `p99.9`.
    pub percentile: String,
    /// Its bound, in milliseconds: the percentile must lie under it.
    pub latency_ms: f64,
    /// Most failed operations, in percent of the probe's operations.
    pub max_error_percent: f64,
    /// Least share of the offered rate the target must complete, in percent.
    pub min_achieved_percent: f64,
    /// The part of the workload whose latency the bound holds (`read`: a cache's
    /// reads), judged from its windows' figures of it; every successful operation
    /// when absent. Its kind's ([`KindInfo::capacity_part`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
}

/// An SLO that cannot be used; the message names the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SloError {
    #[error("`percentile` is `{0}`: name one of p50, p90, p95, p99, p99.9")]
    Percentile(String),
    #[error("`{field}` is {value}: {wanted}")]
    Bound { field: &'static str, value: f64, wanted: &'static str },
}

impl Slo {
    /// The kind's default: its tier's latency target, [`DEFAULT_MAX_ERROR_PERCENT`]
    /// and [`DEFAULT_MIN_ACHIEVED_PERCENT`].
    pub fn default_for(info: &KindInfo) -> Slo {
        let (percentile, latency_ms) = info.capacity_latency;
        Slo {
            percentile: percentile.into(),
            latency_ms,
            max_error_percent: DEFAULT_MAX_ERROR_PERCENT,
            min_achieved_percent: DEFAULT_MIN_ACHIEVED_PERCENT,
            part: info.capacity_part.map(String::from),
        }
    }

    /// The latency a targets file holds the workload `name` of `info`'s kind to, as
    /// an SLO's percentile and bound in milliseconds: a `<` or `<=` rule in a time
    /// unit on one of its latency percentiles (`http.api.latency.p95`, or a pattern
    /// matching it such as `http.*.latency.p95`; a cache's reads',
    /// `cache.*.read.latency.p99`: see [`KindInfo::capacity_part`]). Of several, the rule on the
    /// tier's own percentile ([`KindInfo::capacity_latency`]), else the first in
    /// the file; `None` when no rule holds its latency under a bound.
    pub fn latency_from_targets(targets: &[Target], info: &KindInfo, name: &str) -> Option<(String, f64)> {
        let part = info.capacity_part.map_or(String::new(), |part| format!(".{part}"));
        let bounds: Vec<(&str, f64)> = targets
            .iter()
            .filter(|t| matches!(t.op, Op::Lt | Op::Le) && t.fits_unit("ms"))
            .filter_map(|t| {
                PERCENTILES
                    .iter()
                    .find(|(p, _)| targets::matches(&t.metric, &format!("{}.{name}{part}.latency.{p}", info.kind)))
                    .map(|(p, _)| (*p, t.value))
            })
            .collect();
        let own = info.capacity_latency.0;
        let (percentile, bound) = bounds.iter().find(|(p, _)| *p == own).or(bounds.first())?;
        Some((percentile.replace('_', "."), *bound))
    }

    /// The percentile as a quantile (`p95`: 0.95), or an error naming it.
    pub fn quantile(&self) -> Result<f64, SloError> {
        let key = self.percentile.replace('.', "_");
        PERCENTILES
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, q)| *q)
            .ok_or_else(|| SloError::Percentile(self.percentile.clone()))
    }

    /// Checks every field; the error names the first that cannot be used.
    pub fn check(&self) -> Result<(), SloError> {
        self.quantile()?;
        let bound = |field, value: f64, ok: bool, wanted| {
            if ok {
                Ok(())
            } else {
                Err(SloError::Bound { field, value, wanted })
            }
        };
        let l = self.latency_ms;
        bound("latency_ms", l, l.is_finite() && l > 0.0, "a positive number of milliseconds")?;
        let e = self.max_error_percent;
        bound("max_error_percent", e, (0.0..100.0).contains(&e), "a percentage from 0 up to, not including, 100")?;
        let a = self.min_achieved_percent;
        bound("min_achieved_percent", a, a > 0.0 && a <= 100.0, "a percentage above 0, at most 100")
    }

    /// The fewest operations a probe needs for its error bound to be shown held:
    /// with no errors, Wilson's upper end z²/(n + z²) falls under the bound b once
    /// n > z²(1 − b)/b (381 operations for 1 %); twice that, so that a probe with
    /// an error or two can show it too. `None` with a bound of 0, which any error
    /// breaks and none can show held.
    pub fn operations_for_errors(&self) -> Option<u64> {
        let b = self.max_error_percent / 100.0;
        let z = normal_quantile(1.0 - (1.0 - PROBE_CONFIDENCE) / 2.0);
        (b > 0.0).then(|| (2.0 * z * z * (1.0 - b) / b).ceil() as u64)
    }

    /// The SLO in words: `p95 < 200 ms, errors < 1 %, at least 95 % of the offered
    /// rate` (a part's percentile: `read p99 < 10 ms, ...`).
    pub fn text(&self) -> String {
        let part = self.part.as_ref().map_or(String::new(), |part| format!("{part} "));
        format!(
            "{part}{} < {}, errors < {}, at least {} of the offered rate",
            self.percentile,
            format::latency_ms(self.latency_ms),
            format::percent(self.max_error_percent),
            format::percent(self.min_achieved_percent)
        )
    }
}

/// How a probe stood against the SLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// Every part of the SLO held with confidence.
    Pass,
    /// A part was violated with confidence.
    Fail,
    /// Neither: too close to a bound to tell, or the generator saturated.
    Unresolved,
}

/// The part of the SLO that decided a probe (or ended a search).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// The latency percentile.
    Latency,
    /// The error rate.
    Errors,
    /// The target completed less than the required share of the offered rate,
    /// or fell behind it through the probe ([`MAX_FALLING_BEHIND`]).
    NotKeepingUp,
    /// The load generator saturated: the probe measured it, not the service.
    Generator,
}

/// One probe: an open-model stretch at a fixed rate, judged against the SLO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Probe {
    /// Arrival rate offered, per second.
    pub offered_per_s: f64,
    /// Operations completed (successful or not) per second.
    pub achieved_per_s: f64,
    /// Measured duration, in seconds (after its own warm-up).
    pub duration_s: f64,
    /// Operations completed or failed.
    pub operations: u64,
    /// Of them, failed.
    pub errors: u64,
    /// Latency of its successful operations (of the SLO's part, when it names one),
    /// from their scheduled start.
    pub latency: Latency,
    /// The SLO percentile's confidence interval, in milliseconds, when one could be formed.
    pub percentile_interval_ms: Option<[f64; 2]>,
    /// What the interval rests on (`5 windows`, or `histogram (independence assumed)`).
    pub evidence: String,
    pub outcome: ProbeOutcome,
    /// The part of the SLO that decided a fail or left it unresolved.
    pub limit: Option<Limit>,
    /// Why, in words (`p95 240 ms [231 ms, 252 ms] over 200 ms`).
    pub reason: String,
}

/// Why a search ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
pub enum SearchEnd {
    /// The bracket narrowed to the resolution; `limit` failed first above it.
    Resolved { limit: Limit },
    /// The generator saturated before the service's limit was found.
    Generator,
    /// Even the lowest rate probed failed.
    NoPassingRate,
    /// The probe or time budget ran out first.
    Budget,
    /// A stop signal ended it.
    Interrupted,
    /// A probe could not run (the target went down); the error.
    TargetFailed(String),
}

impl SearchEnd {
    /// In words, for tables and notes.
    pub fn text(&self) -> String {
        match self {
            SearchEnd::Resolved { limit } => format!("resolved: {} limits it", limit_text(*limit)),
            SearchEnd::Generator => "the load generator saturated first: not the service's limit".into(),
            SearchEnd::NoPassingRate => "no rate probed held the SLO".into(),
            SearchEnd::Budget => "the search's budget ran out before the resolution".into(),
            SearchEnd::Interrupted => "interrupted".into(),
            SearchEnd::TargetFailed(error) => format!("a probe could not run: {error}"),
        }
    }
}

/// A limit in words.
pub fn limit_text(limit: Limit) -> &'static str {
    match limit {
        Limit::Latency => "latency",
        Limit::Errors => "errors",
        Limit::NotKeepingUp => "the target not keeping up",
        Limit::Generator => "the load generator",
    }
}

/// A workload's capacity search: the highest open-model rate at which its SLO holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CapacitySearch {
    pub slo: Slo,
    /// The search ends when its lowest failing rate is within this share above its
    /// highest passing one (0.05: 5 %).
    pub resolution: f64,
    /// Every probe, in the order run.
    pub probes: Vec<Probe>,
    /// The capacity: the highest passing rate, per second; none when no probe passed.
    pub capacity_per_s: Option<f64>,
    /// The bracket's top: the lowest rate above the capacity that did not pass
    /// (failed, or stayed unresolved), per second.
    pub lowest_fail_per_s: Option<f64>,
    /// Why it ended.
    pub end: SearchEnd,
    /// False when it ended before its bracket was resolved (interrupted, a target
    /// that went down, the budget, the generator).
    pub complete: bool,
}

impl CapacitySearch {
    /// The capacity with its bracket: `394 req/s [394, 411]`, or `none [none, 411]`.
    pub fn found_text(&self, unit: &str) -> String {
        let rate = |r: Option<f64>| r.map_or("none".to_string(), format::number);
        let found = self.capacity_per_s.map_or("none".into(), |c| format!("{} {unit}", format::number(c)));
        format!("{found} [{}, {}]", rate(self.capacity_per_s), rate(self.lowest_fail_per_s))
    }

    /// The bracket `[highest pass, lowest fail]` from the probes: the highest passing
    /// rate, and the lowest rate above it that did not pass (a probe whose generator
    /// saturated is neither).
    pub fn bracket(probes: &[Probe]) -> (Option<f64>, Option<f64>) {
        let pass = probes.iter().filter(|p| p.outcome == ProbeOutcome::Pass).map(|p| p.offered_per_s).fold(None, max);
        let fail = probes
            .iter()
            .filter(|p| p.outcome != ProbeOutcome::Pass && p.limit != Some(Limit::Generator))
            .map(|p| p.offered_per_s)
            .filter(|&rate| pass.is_none_or(|pass| rate > pass))
            .fold(None, min);
        (pass, fail)
    }
}

fn max(acc: Option<f64>, x: f64) -> Option<f64> {
    Some(acc.map_or(x, |a| a.max(x)))
}

fn min(acc: Option<f64>, x: f64) -> Option<f64> {
    Some(acc.map_or(x, |a| a.min(x)))
}

/// Judges a probe's result (an open-model stretch offered `offered_per_s`) against `slo`.
pub fn judge(slo: &Slo, result: &LoadResult, offered_per_s: f64) -> Result<Probe, SloError> {
    let q = slo.quantile()?;
    let stats = &result.stats;
    let duration = result.duration_s.max(f64::MIN_POSITIVE);
    let achieved_per_s = stats.operations as f64 / duration;
    let errors = stats.operations - stats.successes;
    let judged = judged_latency(slo, result);
    let mut probe = Probe {
        offered_per_s,
        achieved_per_s,
        duration_s: result.duration_s,
        operations: stats.operations,
        errors,
        latency: judged.as_ref().map_or_else(|_| stats.latency.clone(), |(whole, _, _)| whole.clone()),
        percentile_interval_ms: None,
        evidence: String::new(),
        outcome: ProbeOutcome::Pass,
        limit: None,
        reason: String::new(),
    };
    let mut decide = |outcome: ProbeOutcome, limit: Limit, reason: String| {
        // The first fail decides; an unresolved part only stands while nothing failed.
        let rank = |o: ProbeOutcome| match o {
            ProbeOutcome::Pass => 0,
            ProbeOutcome::Unresolved => 1,
            ProbeOutcome::Fail => 2,
        };
        if rank(outcome) > rank(probe.outcome) {
            (probe.outcome, probe.limit, probe.reason) = (outcome, Some(limit), reason);
        }
    };
    if let Some(share) = saturation(result) {
        decide(
            ProbeOutcome::Unresolved,
            Limit::Generator,
            format!("the load generator used {} of its cores: it measured itself", format::share(share)),
        );
    }
    let achieved = achieved_per_s / offered_per_s.max(f64::MIN_POSITIVE) * 100.0;
    if achieved < slo.min_achieved_percent {
        decide(
            ProbeOutcome::Fail,
            Limit::NotKeepingUp,
            format!(
                "completed {} of {} offered per second ({})",
                format::number(achieved_per_s),
                format::number(offered_per_s),
                format::percent(achieved)
            ),
        );
    }
    // Still unanswered past the latency bound when the probe stopped waiting (its
    // grace ran out, or so many were late that the bound was broken whatever they
    // did): a queue the target had not worked off.
    let abandoned = result.schedule.as_ref().map_or(0, |s| s.abandoned);
    if abandoned > 0 {
        let what = format!("{} operations still unanswered when the probe stopped waiting", format::count(abandoned));
        decide(ProbeOutcome::Fail, Limit::NotKeepingUp, what);
    }
    if let Some((behind, ci)) = falling_behind(result) {
        let text = |verb| {
            let [b, l, h] = [behind, ci.low, ci.high].map(format::share);
            let rise = format::latency_ms(behind * 1000.0);
            format!("{verb} behind by {b} [{l}, {h}] of the offered rate: its latency rose {rise} a second")
        };
        if behind >= MAX_FALLING_BEHIND && ci.low > 0.0 {
            decide(ProbeOutcome::Fail, Limit::NotKeepingUp, text("fell"));
        } else if behind >= MAX_FALLING_BEHIND {
            decide(ProbeOutcome::Unresolved, Limit::NotKeepingUp, text("may have fallen"));
        }
    }
    let errors_ci = wilson(errors, stats.operations, PROBE_CONFIDENCE);
    if slo.max_error_percent == 0.0 {
        // No error allowed: none held it, any broke it.
        if errors > 0 {
            decide(ProbeOutcome::Fail, Limit::Errors, format!("{errors} errors where the SLO allows none"));
        }
    } else if let Some(errors_ci) = errors_ci {
        let bound = slo.max_error_percent / 100.0;
        let rate = errors as f64 / stats.operations as f64;
        let text = |verb| {
            let [r, l, h, b] = [rate, errors_ci.low, errors_ci.high, bound].map(format::share);
            format!("errors {r} [{l}, {h}] {verb} {b}")
        };
        if errors_ci.low > bound {
            decide(ProbeOutcome::Fail, Limit::Errors, text("over"));
        } else if errors_ci.high > bound {
            decide(ProbeOutcome::Unresolved, Limit::Errors, text("too close to"));
        }
    }
    let judged = judged.and_then(|(whole, windows, part)| latency_interval(&whole, &windows, part, q));
    let bound = slo.latency_ms;
    match judged {
        Ok((value, [low, high], evidence)) => {
            probe.percentile_interval_ms = Some([low, high]);
            probe.evidence = evidence;
            let text = |verb| {
                let [v, l, h, b] = [value, low, high, bound].map(format::latency_ms);
                format!("{} {v} [{l}, {h}] {verb} {b}", slo.percentile)
            };
            if low > bound {
                decide(ProbeOutcome::Fail, Limit::Latency, text("over"));
            } else if high >= bound {
                decide(ProbeOutcome::Unresolved, Limit::Latency, text("too close to"));
            }
        }
        Err(why) => decide(ProbeOutcome::Unresolved, Limit::Latency, format!("{}: {why}", slo.percentile)),
    }
    if probe.outcome == ProbeOutcome::Pass {
        probe.reason = format!("held {}", slo.text());
    }
    Ok(probe)
}

/// How fast a probe fell behind its offered rate: the slope of its windows' median
/// latency (in seconds) against the time they completed in, with its interval.
/// Behind by a share f of the offered rate, the backlog and so each operation's
/// wait grow by f seconds a second. `None` with fewer than [`MIN_SECTIONS`]
/// windows holding a latency, too few to tell a trend from noise, or with one
/// that does not decode (which the latency's judgement reports).
fn falling_behind(result: &LoadResult) -> Option<(f64, Interval)> {
    let mut points = Vec::new();
    for window in &result.windows {
        let latency = window.latency.decode().ok()?;
        if !latency.is_empty() {
            let middle = f64::from(window.index) * result.window_s + window.duration_s / 2.0;
            points.push((middle, window.latency.to_ms(latency.value_at_quantile(0.5) as f64) / 1000.0));
        }
    }
    (points.len() >= MIN_SECTIONS).then(|| slope_interval(&points, PROBE_CONFIDENCE)).flatten()
}

/// The latency the SLO holds in a probe: the whole probe's and its windows', of
/// the SLO's part when every window keeps it (its whole then the windows' sum),
/// else of every successful operation; and the words for whose it is when that is
/// not what the SLO names.
fn judged_latency(slo: &Slo, result: &LoadResult) -> Result<(Latency, Vec<Latency>, &'static str), String> {
    let kept = slo
        .part
        .as_ref()
        .filter(|_| !result.windows.is_empty())
        .and_then(|part| result.windows.iter().map(|w| w.parts.get(part).cloned()).collect::<Option<Vec<_>>>());
    match (kept, &slo.part) {
        (Some(windows), _) => {
            let mut whole = crate::latency::new_histogram();
            for window in &windows {
                let h = window.decode().map_err(|e| e.to_string())?;
                whole.add(&h).map_err(|e| format!("cannot add a window's latency: {e:?}"))?;
            }
            let whole = Latency::from_histogram(&whole, windows[0].unit).map_err(|e| e.to_string())?;
            Ok((whole, windows, ""))
        }
        (None, part) => {
            let windows = result.windows.iter().map(|w| w.latency.clone()).collect();
            let whose = if part.is_some() { ", every operation's: its windows keep no part" } else { "" };
            Ok((result.stats.latency.clone(), windows, whose))
        }
    }
}

/// The percentile `q` of a probe's latency, in ms, with its interval and what it
/// rests on: its windows when it has [`MIN_SECTIONS`] of them, else its
/// histogram's order statistics (independence assumed, and said), and `whose`.
fn latency_interval(
    latency: &Latency,
    windows: &[Latency],
    whose: &str,
    q: f64,
) -> Result<(f64, [f64; 2], String), String> {
    let whole = latency.decode().map_err(|e| e.to_string())?;
    let windows: Vec<_> = windows.iter().map(Latency::decode).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let filled = windows.iter().filter(|w| !w.is_empty()).count();
    let (interval, evidence) = if filled >= MIN_SECTIONS {
        (sectioned_quantile_interval(&whole, windows.iter(), q, PROBE_CONFIDENCE), format!("{filled} windows{whose}"))
    } else {
        (quantile_interval(&whole, q, PROBE_CONFIDENCE), format!("histogram (independence assumed){whose}"))
    };
    let interval =
        interval.ok_or_else(|| format!("{} operations are too few for an interval", format::count(whole.len())))?;
    let in_ms = |v: f64| latency.to_ms(v);
    Ok((in_ms(whole.value_at_quantile(q) as f64), [in_ms(interval.low), in_ms(interval.high)], evidence))
}

/// A search as a summary table (`capacity`): a row per probe, its outcome and why,
/// under a title with the capacity and its bracket, and why the search ended.
pub fn summary_table(workload: &str, search: &CapacitySearch, unit: &str) -> SummaryTable {
    let title = format!(
        "{workload}: capacity {} (resolution {}) under {}",
        search.found_text(unit),
        format::share(search.resolution),
        search.slo.text()
    );
    let rows = search
        .probes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let latency = p.latency.decode().ok().and_then(|h| {
                let q = search.slo.quantile().ok()?;
                Some(format::latency_ms(p.latency.to_ms(h.value_at_quantile(q) as f64)))
            });
            let interval = p
                .percentile_interval_ms
                .map_or("—".into(), |[l, h]| format!("[{}, {}]", format::latency_ms(l), format::latency_ms(h)));
            SummaryRow::new(vec![
                (i + 1).to_string(),
                format::number(p.offered_per_s),
                format::number(p.achieved_per_s),
                latency.unwrap_or_else(|| "—".into()),
                interval,
                format::count(p.errors),
                outcome_text(p.outcome).into(),
                p.reason.clone(),
            ])
        })
        .collect();
    let mut notes = vec![format!("search: {}", search.end.text())];
    if !search.complete {
        notes.push("the search is incomplete: its capacity is the highest rate that passed so far".into());
    }
    SummaryTable {
        id: "capacity",
        title,
        columns: vec!["probe", "offered (/s)", "achieved (/s)", "latency", "interval", "errors", "outcome", "why"],
        rows,
        notes,
    }
}

/// An outcome in words.
pub fn outcome_text(outcome: ProbeOutcome) -> &'static str {
    match outcome {
        ProbeOutcome::Pass => "pass",
        ProbeOutcome::Fail => "fail",
        ProbeOutcome::Unresolved => "unresolved",
    }
}
