//! The whole analysis of a baseline and an optimized report, as the CLI's
//! `compare` and the web app show it: comparison with verdicts, targets and grade
//! (of the optimized run, with the cost reduction), and cost and ROI.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::comparability::{self, ComparabilityWarning};
use crate::compare::{compare_catalogues, CompareError, CompareSettings, Comparison, Verdict};
use crate::cost::{compare_costs, reduction_target, CostComparison, CostInputs};
use crate::metrics::{catalogue, Metric, MetricValue};
use crate::targets::{default_targets, evaluate, Evaluation, Target};
use crate::Report;

/// What an analysis takes besides the two reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnalysisSettings {
    pub compare: CompareSettings,
    /// The rules graded; the one on `cost.reduction_pct` also sets the range the
    /// cost reduction's status is read against.
    pub targets: Vec<Target>,
    pub cost: CostInputs,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            compare: CompareSettings::default(),
            targets: default_targets(),
            cost: CostInputs::default(),
        }
    }
}

/// The analysis of one before/after pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Analysis {
    pub comparison: Comparison,
    /// Targets held against the optimized run's metrics and the cost reduction.
    pub targets: Evaluation,
    /// The same targets held against the baseline run alone (no cost reduction).
    pub baseline_targets: Evaluation,
    /// `None` when cost could not be computed (`cost_error` says why).
    pub cost: Option<CostComparison>,
    pub cost_error: Option<String>,
    /// Why the two runs may not be comparable; empty when they are.
    pub comparability: Vec<ComparabilityWarning>,
    /// What the optimized run says about its connection pools and caches, in
    /// words (see [`crate::report::pool_advice`], [`crate::report::cache_advice`]).
    pub advice: Vec<String>,
}

impl Analysis {
    /// Metrics whose verdict is "regressed".
    pub fn regressions(&self) -> Vec<&str> {
        self.comparison.metrics.iter().filter(|m| m.verdict == Verdict::Regressed).map(|m| m.key.as_str()).collect()
    }
}

/// Analyzes `optimized` against `baseline`. Each report's catalogue (and so each
/// histogram) is decoded once and serves the comparison and the targets alike.
pub fn analyze(baseline: &Report, optimized: &Report, settings: &AnalysisSettings) -> Result<Analysis, CompareError> {
    let a = catalogue(baseline).map_err(|source| CompareError::Catalogue { which: "baseline", source })?;
    let b = catalogue(optimized).map_err(|source| CompareError::Catalogue { which: "optimized", source })?;
    let comparison = compare_catalogues((&baseline.run.label, &a), (&optimized.run.label, &b), settings.compare)?;
    let reduction = reduction_target(&settings.targets);
    let (cost, cost_error) = match compare_costs(baseline, optimized, &settings.cost, &reduction) {
        Ok(cost) => (Some(cost), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let values = |metrics: &[Metric]| metrics.iter().map(MetricValue::from).collect::<Vec<_>>();
    let mut optimized_values = values(&b);
    if let Some(cost) = &cost {
        optimized_values.extend(cost.metrics());
    }
    let targets = evaluate(&settings.targets, &optimized_values);
    let baseline_targets = evaluate(&settings.targets, &values(&a));
    let comparability = comparability::check(baseline, optimized);
    let advice = optimized.workloads.iter().filter_map(|w| w.advice()).collect();
    Ok(Analysis { comparison, targets, baseline_targets, cost, cost_error, comparability, advice })
}
