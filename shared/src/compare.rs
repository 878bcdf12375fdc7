//! Comparison of two reports, metric by metric: values, change, improvement
//! factor and its category, and a statistical verdict.
//!
//! A verdict holds a confidence interval of the relative change, oriented so that
//! positive means worse, against a practical threshold τ: regressed when the whole
//! interval is above +τ, improved when below −τ, no change when inside ±τ,
//! inconclusive otherwise. Percentiles: order-statistic intervals from each
//! histogram, combined with MOVER. Proportions: Newcombe's interval of the
//! difference, in percentage points, against τ_pp. Throughput: Welch on the log of
//! the per-second rates.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::metrics::{catalogue, CatalogueError, Direction, Evidence, Metric, MetricValue};
use crate::stats::{mover_ratio, newcombe_difference, quantile_interval, welch_log_ratio, Interval};
use crate::Report;

/// How verdicts are reached.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompareSettings {
    /// Confidence level of the intervals (0.95 = 95 %).
    pub confidence: f64,
    /// Practical threshold for relative changes (0.05 = 5 %).
    pub threshold: f64,
    /// Practical threshold for proportions, in percentage points.
    pub threshold_pp: f64,
}

impl Default for CompareSettings {
    fn default() -> Self {
        CompareSettings { confidence: 0.95, threshold: 0.05, threshold_pp: 1.0 }
    }
}

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
    pub category: Option<Category>,
    pub verdict: Verdict,
    /// Interval of the oriented relative change (positive = worse), as a fraction;
    /// for proportions, of the difference in percentage points.
    pub interval: Option<Interval>,
}

impl MetricComparison {
    /// The relative change as people read it (`-12.3 %`, or `n/a` from a zero baseline).
    pub fn change_text(&self) -> String {
        self.change_pct.map_or("n/a".into(), |pct| format!("{pct:+.1} %"))
    }

    /// The improvement factor with its category (`2.41x excellent`), or `n/a`.
    pub fn factor_text(&self) -> String {
        match (self.factor, self.category) {
            (Some(f), Some(c)) => format!("{f:.2}x {}", c.label()),
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
    if !(settings.threshold >= 0.0 && settings.threshold.is_finite() && settings.threshold_pp >= 0.0) {
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
    let (verdict, interval) = verdict(a, b, settings);
    MetricComparison {
        key: a.key.clone(),
        unit: a.unit.into(),
        direction: a.direction,
        baseline: a.value,
        optimized: b.value,
        change,
        change_pct,
        factor,
        category: factor.map(Category::of),
        verdict,
        interval,
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

/// The oriented relative change interval from a ratio interval of optimized/baseline.
fn oriented(ratio: Interval, direction: Direction) -> Interval {
    match direction {
        Direction::LowerIsBetter => Interval { low: ratio.low - 1.0, high: ratio.high - 1.0 },
        Direction::HigherIsBetter => Interval { low: 1.0 / ratio.high - 1.0, high: 1.0 / ratio.low - 1.0 },
    }
}

fn verdict(a: &Metric, b: &Metric, settings: &CompareSettings) -> (Verdict, Option<Interval>) {
    let confidence = settings.confidence;
    match (&a.evidence, &b.evidence) {
        (
            Evidence::Quantile { histogram: ha, quantile: q, unit_per_ms: per_ms_a },
            Evidence::Quantile { histogram: hb, unit_per_ms: per_ms_b, .. },
        ) => {
            let in_ms = |ci: Interval, per_ms: f64| Interval { low: ci.low / per_ms, high: ci.high / per_ms };
            let intervals = quantile_interval(ha, *q, confidence).zip(quantile_interval(hb, *q, confidence));
            match intervals
                .and_then(|(ca, cb)| mover_ratio(a.value, in_ms(ca, *per_ms_a), b.value, in_ms(cb, *per_ms_b)))
            {
                Some(ratio) => {
                    let interval = oriented(ratio, a.direction);
                    (decide(interval, settings.threshold), Some(interval))
                }
                None => (Verdict::InsufficientData, None),
            }
        }
        (Evidence::Proportion { hits: xa, trials: na }, Evidence::Proportion { hits: xb, trials: nb }) => {
            match newcombe_difference(*xa, *na, *xb, *nb, confidence) {
                Some(d) => {
                    let pp = match a.direction {
                        Direction::LowerIsBetter => Interval { low: d.low * 100.0, high: d.high * 100.0 },
                        Direction::HigherIsBetter => Interval { low: -d.high * 100.0, high: -d.low * 100.0 },
                    };
                    (decide(pp, settings.threshold_pp), Some(pp))
                }
                None => (Verdict::InsufficientData, None),
            }
        }
        (Evidence::Trials(ta), Evidence::Trials(tb)) => match welch_log_ratio(ta, tb, confidence) {
            Some(ratio) => {
                let interval = oriented(ratio, a.direction);
                (decide(interval, settings.threshold), Some(interval))
            }
            None => (Verdict::InsufficientData, None),
        },
        _ => (Verdict::NotTested, None),
    }
}
