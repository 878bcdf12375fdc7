//! Comparison of two reports, metric by metric: values, change, improvement
//! factor and its category, and a statistical verdict.
//!
//! A verdict holds a confidence interval of the relative change (optimized /
//! baseline − 1, the change shown), oriented so that positive means worse, against
//! a practical threshold τ: regressed when the whole interval is above +τ,
//! improved when below −τ, no change when inside ±τ, inconclusive otherwise.
//!
//! Load tests are autocorrelated (requests queue), so intervals never treat
//! requests or seconds as independent when the reports carry better evidence:
//! - both runs repeated (≥ 2 trials each): the spread between trials;
//! - otherwise the time windows of each run, as sections (batch means): the whole
//!   run's value is the estimate, and the spread over the sections of a rate, or
//!   of the fraction of values at or below the whole run's percentile, gives a t
//!   interval with k − 1 degrees of freedom;
//! - reports without windows (older runners) or with fewer than [`MIN_SECTIONS`]
//!   (runs of a few seconds): order-statistic intervals of each
//!   histogram combined with MOVER, and per-second rates, which assume
//!   independence; the evidence says so.
//!
//! Each run's percentile interval is combined into one of the ratio with MOVER
//! on the log scale; rates as a ratio (Fieller, which holds the zero-rate windows
//! of a stall). Proportions: the difference in percentage points, against τ × the
//! baseline rate with an absolute floor; its interval from the spread of the
//! trials' proportions when both runs have trials, else Newcombe's from the counts
//! (which assumes independent operations; the evidence says so).
//!
//! A part of a workload (an endpoint, a query, a cache's hits, a pool's ratios)
//! rests on the same evidence as the workload: trials keep their parts' figures
//! ([`crate::metrics::trial_parts`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use std::borrow::Cow;

use hdrhistogram::Histogram;

use crate::metrics::{
    catalogue, BracketEvidence, CatalogueError, Direction, Evidence, LatencyEvidence, Metric, MetricValue,
    ProportionEvidence, RateEvidence,
};
use crate::stats::{
    difference, fieller_ratio, log_quantile, mover_ratio, newcombe_difference, quantile_interval,
    sectioned_quantile_interval, trial_log_quantiles, trials_quantile_interval, welch_difference, Estimate, Interval,
};
use crate::Report;

/// How verdicts are reached.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompareSettings {
    /// Confidence level of the intervals (0.95 = 95 %).
    pub confidence: f64,
    /// Practical threshold for relative changes (0.05 = 5 %); for proportions,
    /// relative to the baseline rate.
    pub threshold: f64,
    /// The least practical threshold for proportions, in percentage points (a
    /// baseline of 0 errors would otherwise make any error a regression).
    pub proportion_floor_pp: f64,
}

impl Default for CompareSettings {
    fn default() -> Self {
        CompareSettings { confidence: 0.95, threshold: 0.05, proportion_floor_pp: 0.1 }
    }
}

impl CompareSettings {
    /// The practical threshold of a proportion whose baseline is `baseline_pct` %, in
    /// percentage points: τ × the baseline rate, at least the floor.
    pub fn proportion_threshold_pp(&self, baseline_pct: f64) -> f64 {
        (self.threshold * baseline_pct).max(self.proportion_floor_pp)
    }
}

/// Non-empty batches of windows each run needs for a verdict from windows; runs
/// with fewer (a few seconds long) fall back to the independent-sample methods.
pub const MIN_SECTIONS: usize = 5;

/// The statistical verdict on one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Improved,
    Regressed,
    NoChange,
    Inconclusive,
    /// Too few samples for an interval (e.g. p99 of a short run).
    InsufficientData,
    /// No test applies to this metric (means, maxima, counts).
    NotTested,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Improved => "improved",
            Verdict::Regressed => "regressed",
            Verdict::NoChange => "no change",
            Verdict::Inconclusive => "inconclusive",
            Verdict::InsufficientData => "insufficient data",
            Verdict::NotTested => "not tested",
        }
    }
}

/// Improvement categories of the original framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Factor above 2.
    Excellent,
    /// 1.5 to 2.
    VeryGood,
    /// 1.2 to 1.5.
    Good,
    /// 1.0 to 1.2.
    Moderate,
    /// Below 1.
    Regression,
}

impl Category {
    /// The category of an improvement factor.
    pub fn of(factor: f64) -> Self {
        if factor > 2.0 {
            Category::Excellent
        } else if factor >= 1.5 {
            Category::VeryGood
        } else if factor >= 1.2 {
            Category::Good
        } else if factor >= 1.0 {
            Category::Moderate
        } else {
            Category::Regression
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Excellent => "excellent",
            Category::VeryGood => "very good",
            Category::Good => "good",
            Category::Moderate => "moderate",
            Category::Regression => "regression",
        }
    }
}

/// What a verdict rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// Time windows of each run, pooled into batches (batch means).
    Windows,
    /// Repeated trials of each run: the spread between them.
    Trials,
    /// Order-statistic intervals of each whole-run histogram (reports without
    /// enough windows): assumes independent requests.
    Histogram,
    /// Per-second rates of the timeline (reports without enough windows): assumes
    /// independent seconds.
    Seconds,
    /// Counts of a proportion (Newcombe), for runs without trials: assumes
    /// independent operations.
    Proportion,
    /// Capacity searches' brackets [highest pass, lowest fail]: the counts are probes.
    Brackets,
}

/// The evidence a verdict used, with how much of it each run gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VerdictEvidence {
    pub kind: EvidenceKind,
    /// Sections (windows, batches, trials, seconds) or samples/operations of the baseline.
    pub baseline: u64,
    /// The same, of the optimized run.
    pub optimized: u64,
}

impl VerdictEvidence {
    /// "10 batches of windows", "5 trials", "histograms of 5,000/4,990 (too few
    /// windows: independence assumed)".
    pub fn text(&self) -> String {
        let n = if self.baseline == self.optimized {
            crate::format::count(self.baseline)
        } else {
            format!("{}/{}", crate::format::count(self.baseline), crate::format::count(self.optimized))
        };
        match self.kind {
            EvidenceKind::Windows => format!("{n} batches of windows"),
            EvidenceKind::Trials => format!("{n} trials"),
            EvidenceKind::Histogram => format!("histograms of {n} (too few windows: independence assumed)"),
            EvidenceKind::Seconds => format!("{n} seconds (too few windows: independence assumed)"),
            EvidenceKind::Proportion => format!("{n} operations (too few trials or windows: independence assumed)"),
            EvidenceKind::Brackets => format!("capacity brackets of {n} probes"),
        }
    }
}

/// Which of the two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Baseline,
    Optimized,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Baseline => "baseline",
            Side::Optimized => "optimized",
        }
    }
}

/// One metric of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricComparison {
    pub key: String,
    pub unit: String,
    pub direction: Direction,
    pub baseline: f64,
    pub optimized: f64,
    /// optimized − baseline, in `unit`.
    pub change: f64,
    /// Relative change in percent; `None` when the baseline is 0.
    pub change_pct: Option<f64>,
    /// baseline/optimized when lower is better, optimized/baseline when higher is;
    /// `None` when a value is 0.
    pub factor: Option<f64>,
    /// The factor's category, when the verdict agrees there is a change (improved
    /// or regressed) or no test applies; `None` beside "no change", "inconclusive"
    /// and "insufficient data".
    pub category: Option<Category>,
    pub verdict: Verdict,
    /// Interval of the oriented relative change (positive = worse), as a fraction;
    /// for proportions (`interval_in_points`), of the difference in percentage points.
    pub interval: Option<Interval>,
    /// True when `interval` is a difference in percentage points (a proportion).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interval_in_points: bool,
    /// What the verdict rests on; `None` when no test applies.
    pub evidence: Option<VerdictEvidence>,
}

impl MetricComparison {
    /// The relative change as people read it (`-12.3 %`, or `n/a` from a zero baseline).
    pub fn change_text(&self) -> String {
        self.change_pct.map_or("n/a".into(), crate::format::change_percent)
    }

    /// The improvement factor with its category (`2.41x excellent`), or `n/a`.
    pub fn factor_text(&self) -> String {
        match (self.factor, self.category) {
            (Some(f), Some(c)) => format!("{} {}", crate::format::factor(f), c.label()),
            _ => "n/a".into(),
        }
    }
}

/// Two reports compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Comparison {
    pub baseline_label: String,
    pub optimized_label: String,
    pub settings: CompareSettings,
    pub metrics: Vec<MetricComparison>,
    /// Metrics only the baseline report has (not compared).
    pub only_in_baseline: Vec<MetricValue>,
    /// Metrics only the optimized report has (not compared).
    pub only_in_optimized: Vec<MetricValue>,
}

impl Comparison {
    /// How the verdicts were reached and how they came out, in one line (the CLI
    /// and the page show the same words).
    pub fn verdicts_line(&self) -> String {
        let s = &self.settings;
        format!(
            "verdicts at {:.0} % confidence, threshold ±{:.1} % (rates: of the baseline rate, at least ±{:.2} pp): {} improved, {} regressed, {} no change, {} inconclusive, {} insufficient data",
            s.confidence * 100.0,
            s.threshold * 100.0,
            s.proportion_floor_pp,
            self.count(Verdict::Improved),
            self.count(Verdict::Regressed),
            self.count(Verdict::NoChange),
            self.count(Verdict::Inconclusive),
            self.count(Verdict::InsufficientData),
        )
    }

    /// The metrics only one run has.
    pub fn only_in(&self, side: Side) -> &[MetricValue] {
        match side {
            Side::Baseline => &self.only_in_baseline,
            Side::Optimized => &self.only_in_optimized,
        }
    }

    /// Every metric of one run with its value: the compared ones, then those only it has.
    pub fn metrics_of(&self, side: Side) -> Vec<MetricValue> {
        self.metrics
            .iter()
            .map(|m| MetricValue {
                key: m.key.clone(),
                value: match side {
                    Side::Baseline => m.baseline,
                    Side::Optimized => m.optimized,
                },
                unit: m.unit.clone(),
                direction: m.direction,
            })
            .chain(self.only_in(side).iter().cloned())
            .collect()
    }

    /// "only in baseline: a, b; only in optimized: c"; `None` when both reports
    /// have the same metrics.
    pub fn unmatched_text(&self) -> Option<String> {
        let parts: Vec<String> = [Side::Baseline, Side::Optimized]
            .into_iter()
            .filter(|side| !self.only_in(*side).is_empty())
            .map(|side| {
                let keys: Vec<&str> = self.only_in(side).iter().map(|m| m.key.as_str()).collect();
                format!("only in {}: {}", side.label(), keys.join(", "))
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    pub fn count(&self, verdict: Verdict) -> usize {
        self.metrics.iter().filter(|m| m.verdict == verdict).count()
    }

    pub fn get(&self, key: &str) -> Option<&MetricComparison> {
        self.metrics.iter().find(|m| m.key == key)
    }
}

/// Why two reports cannot be compared.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CompareError {
    #[error("{which} report: {source}")]
    Catalogue { which: &'static str, source: CatalogueError },
    #[error("the reports have no metric in common (baseline: {baseline}; optimized: {optimized}): they measured different workloads")]
    NothingInCommon { baseline: String, optimized: String },
    #[error("invalid settings: {0}")]
    Settings(String),
}

/// Compares `optimized` against `baseline`.
pub fn compare(baseline: &Report, optimized: &Report, settings: CompareSettings) -> Result<Comparison, CompareError> {
    let a = catalogue(baseline).map_err(|source| CompareError::Catalogue { which: "baseline", source })?;
    let b = catalogue(optimized).map_err(|source| CompareError::Catalogue { which: "optimized", source })?;
    compare_catalogues((&baseline.run.label, &a), (&optimized.run.label, &b), settings)
}

/// Compares two catalogues already built (label and metrics of each run).
pub fn compare_catalogues(
    (baseline_label, a): (&str, &[Metric]),
    (optimized_label, b): (&str, &[Metric]),
    settings: CompareSettings,
) -> Result<Comparison, CompareError> {
    if !(settings.confidence > 0.5 && settings.confidence < 1.0) {
        return Err(CompareError::Settings(format!("confidence {} must be between 0.5 and 1", settings.confidence)));
    }
    if !(settings.threshold >= 0.0
        && settings.threshold.is_finite()
        && settings.proportion_floor_pp >= 0.0
        && settings.proportion_floor_pp.is_finite())
    {
        return Err(CompareError::Settings("thresholds must be finite and ≥ 0".into()));
    }
    let mut metrics = Vec::new();
    let mut only_in_baseline = Vec::new();
    for ma in a {
        match b.iter().find(|mb| mb.key == ma.key) {
            Some(mb) => metrics.push(compare_metric(ma, mb, &settings)),
            None => only_in_baseline.push(MetricValue::from(ma)),
        }
    }
    let only_in_optimized = b.iter().filter(|mb| !a.iter().any(|ma| ma.key == mb.key)).map(MetricValue::from).collect();
    if metrics.is_empty() && !(a.is_empty() && b.is_empty()) {
        return Err(CompareError::NothingInCommon { baseline: workloads_of(a), optimized: workloads_of(b) });
    }
    Ok(Comparison {
        baseline_label: baseline_label.into(),
        optimized_label: optimized_label.into(),
        settings,
        metrics,
        only_in_baseline,
        only_in_optimized,
    })
}

fn workloads_of(metrics: &[Metric]) -> String {
    let mut names: Vec<String> =
        metrics.iter().map(|m| m.key.split('.').take(2).collect::<Vec<_>>().join(".")).collect();
    names.dedup();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn compare_metric(a: &Metric, b: &Metric, settings: &CompareSettings) -> MetricComparison {
    let change = b.value - a.value;
    let change_pct = (a.value != 0.0).then(|| change / a.value * 100.0);
    let factor = match a.direction {
        Direction::LowerIsBetter if b.value > 0.0 => Some(a.value / b.value),
        Direction::HigherIsBetter if a.value > 0.0 => Some(b.value / a.value),
        _ => None,
    }
    .filter(|f| f.is_finite());
    let Judgement { verdict, interval, evidence } = judge(a, b, settings);
    let interval_in_points = matches!(a.evidence, Evidence::Proportion(_));
    let category = match verdict {
        Verdict::Improved | Verdict::Regressed | Verdict::NotTested => factor.map(Category::of),
        _ => None,
    };
    MetricComparison {
        key: a.key.clone(),
        unit: a.unit.into(),
        direction: a.direction,
        baseline: a.value,
        optimized: b.value,
        change,
        change_pct,
        factor,
        category,
        verdict,
        interval,
        interval_in_points,
        evidence,
    }
}

/// Places an interval of "positive = worse" change against ±τ.
fn decide(interval: Interval, tau: f64) -> Verdict {
    if interval.low > tau {
        Verdict::Regressed
    } else if interval.high < -tau {
        Verdict::Improved
    } else if interval.low >= -tau && interval.high <= tau {
        Verdict::NoChange
    } else {
        Verdict::Inconclusive
    }
}

/// The oriented relative change interval (positive = worse) from an interval of
/// the ratio optimized/baseline, on the scale of the change shown (ratio − 1).
fn oriented(ratio: Interval, direction: Direction) -> Interval {
    match direction {
        Direction::LowerIsBetter => Interval { low: ratio.low - 1.0, high: ratio.high - 1.0 },
        Direction::HigherIsBetter => Interval { low: 1.0 - ratio.high, high: 1.0 - ratio.low },
    }
}

/// A verdict with the interval and the evidence it came from.
struct Judgement {
    verdict: Verdict,
    interval: Option<Interval>,
    evidence: Option<VerdictEvidence>,
}

impl Judgement {
    fn not_tested() -> Self {
        Judgement { verdict: Verdict::NotTested, interval: None, evidence: None }
    }

    /// From an interval of the ratio optimized/baseline, when there is one.
    fn of_ratio(ratio: Option<Interval>, direction: Direction, tau: f64, evidence: VerdictEvidence) -> Self {
        let interval = ratio.map(|r| oriented(r, direction));
        Judgement {
            verdict: interval.map_or(Verdict::InsufficientData, |i| decide(i, tau)),
            interval,
            evidence: Some(evidence),
        }
    }
}

fn evidence(kind: EvidenceKind, baseline: usize, optimized: usize) -> VerdictEvidence {
    VerdictEvidence { kind, baseline: baseline as u64, optimized: optimized as u64 }
}

fn judge(a: &Metric, b: &Metric, settings: &CompareSettings) -> Judgement {
    match (&a.evidence, &b.evidence) {
        (Evidence::Quantile { latency: la, quantile: q }, Evidence::Quantile { latency: lb, .. }) => {
            let (ratio, used) = quantile_ratio((a.value, la), (b.value, lb), *q, settings.confidence);
            Judgement::of_ratio(ratio, a.direction, settings.threshold, used)
        }
        (Evidence::Rate(ra), Evidence::Rate(rb)) => {
            let (ratio, used) = rate_ratio((a.value, ra), (b.value, rb), settings.confidence);
            Judgement::of_ratio(ratio, a.direction, settings.threshold, used)
        }
        (Evidence::Proportion(pa), Evidence::Proportion(pb)) => {
            let (difference, used) = proportion_difference(pa, pb, settings.confidence);
            let pp = difference.map(|d| match a.direction {
                Direction::LowerIsBetter => Interval { low: d.low * 100.0, high: d.high * 100.0 },
                Direction::HigherIsBetter => Interval { low: -d.high * 100.0, high: -d.low * 100.0 },
            });
            let tau = settings.proportion_threshold_pp(a.value);
            Judgement {
                verdict: pp.map_or(Verdict::InsufficientData, |i| decide(i, tau)),
                interval: pp,
                evidence: Some(used),
            }
        }
        (Evidence::Bracket(ba), Evidence::Bracket(bb)) => {
            let used = evidence(EvidenceKind::Brackets, ba.probes, bb.probes);
            let (verdict, interval) = bracket_verdict(ba, bb, settings.threshold);
            Judgement { verdict, interval, evidence: Some(used) }
        }
        _ => Judgement::not_tested(),
    }
}

/// Two capacities by their brackets: the ratio optimized/baseline lies between
/// optimized's pass over baseline's fail and optimized's fail over baseline's pass
/// (a bracket open above has no fail: that end is unbounded). Improved when even
/// the lowest ratio exceeds 1 + τ (the candidate's highest pass above the
/// baseline's lowest fail by more than τ), regressed when even the highest falls
/// below 1 − τ, no change when both ends lie within ±τ, else inconclusive. The
/// interval is shown only when both ends are finite.
fn bracket_verdict(a: &BracketEvidence, b: &BracketEvidence, tau: f64) -> (Verdict, Option<Interval>) {
    let ratio = Interval {
        low: a.fail.map_or(0.0, |fail| b.pass / fail),
        high: b.fail.map_or(f64::INFINITY, |fail| fail / a.pass),
    };
    let interval = oriented(ratio, Direction::HigherIsBetter);
    let shown = (interval.low.is_finite() && interval.high.is_finite() && a.fail.is_some()).then_some(interval);
    (decide(interval, tau), shown)
}

/// A percentile in milliseconds, at least one unit of its histogram: a value
/// below the histogram's resolution (a p50 of 0 µs) is read as that resolution,
/// so ratios and logs exist.
fn resolved(value_ms: f64, latency: &LatencyEvidence) -> f64 {
    value_ms.max(1.0 / latency.unit.per_millisecond())
}

/// Values beyond a percentile each batch of windows should hold in expectation.
const BEYOND_PER_BATCH: f64 = 100.0;

/// The batches of windows for quantile `q`: a tail percentile's values beyond it
/// come in a few long busy periods, so its batches must be longer to be nearly
/// independent: consecutive batches are pooled so that each holds about
/// [`BEYOND_PER_BATCH`] values beyond the percentile, down to [`MIN_SECTIONS`]
/// batches (p99 of 50 000 requests: 5 batches; p50 to p95: all of them).
fn tail_batches(batches: &[Histogram<u64>], q: f64) -> Cow<'_, [Histogram<u64>]> {
    let n: u64 = batches.iter().map(Histogram::len).sum();
    let wanted = ((n as f64 * q.min(1.0 - q) / BEYOND_PER_BATCH) as usize).max(MIN_SECTIONS);
    if wanted >= batches.len() {
        return Cow::Borrowed(batches);
    }
    let mut pooled = vec![crate::latency::new_histogram(); wanted];
    for (i, batch) in batches.iter().enumerate() {
        pooled[i * wanted / batches.len()].add(batch).expect("an auto-resizing histogram adds any other");
    }
    Cow::Owned(pooled)
}

/// The interval of the ratio optimized/baseline of a percentile, and the evidence used.
fn quantile_ratio(
    (a, la): (f64, &LatencyEvidence),
    (b, lb): (f64, &LatencyEvidence),
    q: f64,
    confidence: f64,
) -> (Option<Interval>, VerdictEvidence) {
    let nonempty = |sections: &[Histogram<u64>]| sections.iter().filter(|s| !s.is_empty()).count();
    let trials = nonempty(&la.trials) >= 2 && nonempty(&lb.trials) >= 2;
    if let (true, Some(ta), Some(tb)) =
        (trials, trial_log_quantiles(la.trials.iter(), q), trial_log_quantiles(lb.trials.iter(), q))
    {
        // Every trial's own percentile stands for it: the ratio from the two sides'
        // trials directly (Welch on the log scale), centred on the whole runs' ratio.
        let centre = |l: &LatencyEvidence| log_quantile(&l.histogram, q);
        let ratio = Estimate::sectioned(centre(la), &ta).zip(Estimate::sectioned(centre(lb), &tb)).map(|(ea, eb)| {
            let d = welch_difference(ea, eb, confidence);
            Interval { low: d.low.exp(), high: d.high.exp() }
        });
        return (ratio, evidence(EvidenceKind::Trials, ta.len(), tb.len()));
    }
    let (kind, intervals) = if trials {
        let interval = |l: &LatencyEvidence| trials_quantile_interval(&l.histogram, l.trials.iter(), q, confidence);
        let used = evidence(EvidenceKind::Trials, nonempty(&la.trials), nonempty(&lb.trials));
        (used, interval(la).zip(interval(lb)))
    } else if nonempty(&la.windows) >= MIN_SECTIONS && nonempty(&lb.windows) >= MIN_SECTIONS {
        let (wa, wb) = (tail_batches(&la.windows, q), tail_batches(&lb.windows, q));
        let interval = |l: &LatencyEvidence, w: &[Histogram<u64>]| {
            sectioned_quantile_interval(&l.histogram, w.iter(), q, confidence)
        };
        let used = evidence(EvidenceKind::Windows, nonempty(&wa), nonempty(&wb));
        (used, interval(la, &wa).zip(interval(lb, &wb)))
    } else {
        let used = evidence(EvidenceKind::Histogram, la.histogram.len() as usize, lb.histogram.len() as usize);
        (used, quantile_interval(&la.histogram, q, confidence).zip(quantile_interval(&lb.histogram, q, confidence)))
    };
    let in_ms = |ci: Interval, l: &LatencyEvidence| Interval {
        low: resolved(ci.low / l.unit.per_millisecond(), l),
        high: resolved(ci.high / l.unit.per_millisecond(), l),
    };
    let ratio =
        intervals.and_then(|(ca, cb)| mover_ratio(resolved(a, la), in_ms(ca, la), resolved(b, lb), in_ms(cb, lb)));
    (ratio, kind)
}

/// The interval of the ratio optimized/baseline of a rate (Fieller), and the evidence used.
fn rate_ratio(
    (a, ra): (f64, &RateEvidence),
    (b, rb): (f64, &RateEvidence),
    confidence: f64,
) -> (Option<Interval>, VerdictEvidence) {
    let (kind, sa, sb) = if ra.trials.len() >= 2 && rb.trials.len() >= 2 {
        (EvidenceKind::Trials, &ra.trials, &rb.trials)
    } else if ra.windows.len() >= MIN_SECTIONS && rb.windows.len() >= MIN_SECTIONS {
        (EvidenceKind::Windows, &ra.windows, &rb.windows)
    } else {
        (EvidenceKind::Seconds, &ra.seconds, &rb.seconds)
    };
    let ratio = Estimate::sectioned(a, sa)
        .zip(Estimate::sectioned(b, sb))
        .and_then(|(ea, eb)| fieller_ratio(ea, eb, confidence));
    (ratio, evidence(kind, sa.len(), sb.len()))
}

/// The interval of the difference optimized − baseline of a proportion (as a
/// fraction), and the evidence used: the spread between trials when both runs have
/// them, else between batches of windows when both have enough (operations of one
/// run are correlated, so their counts are not binomial), else Newcombe's interval
/// of the counts.
fn proportion_difference(
    a: &ProportionEvidence,
    b: &ProportionEvidence,
    confidence: f64,
) -> (Option<Interval>, VerdictEvidence) {
    let sections = |counts: &[[u64; 2]]| Estimate::fraction(counts.iter().map(|&[x, n]| (x as f64, n as f64)));
    let counted = |counts: &[[u64; 2]]| counts.iter().filter(|c| c[1] > 0).count();
    if let (Some(ea), Some(eb)) = (sections(&a.trials), sections(&b.trials)) {
        let used = evidence(EvidenceKind::Trials, counted(&a.trials), counted(&b.trials));
        return (Some(difference(ea, eb, confidence)), used);
    }
    if counted(&a.windows) >= MIN_SECTIONS && counted(&b.windows) >= MIN_SECTIONS {
        if let (Some(ea), Some(eb)) = (sections(&a.windows), sections(&b.windows)) {
            let used = evidence(EvidenceKind::Windows, counted(&a.windows), counted(&b.windows));
            return (Some(difference(ea, eb, confidence)), used);
        }
    }
    let used = evidence(EvidenceKind::Proportion, a.total as usize, b.total as usize);
    (newcombe_difference(a.hits, a.total, b.hits, b.total, confidence), used)
}
