//! The versioned JSON documents written from an analysis, beside the reports:
//! `perfproof compare --json`, the per-area `comparison_<area>.json` files and
//! `metrics_export.json` of the original framework's compare mode. Capacities are
//! metrics (`<kind>.<name>.capacity`) like any other; the cost, with its range
//! from the capacity brackets, goes whole into the metrics export and by tier into
//! each area's file.
//!
//! Each document names its shape in a `schema` field, as reports do, so a reader
//! can tell which version it holds. Within a version fields may be added; removing
//! or changing the meaning of one means a new version.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;
use crate::compare::{Comparison, MetricComparison, Side};
use crate::cost::{CostComparison, TierCost};
use crate::metrics::MetricValue;
use crate::report::KindInfo;

/// Schema id of [`AnalysisDocument`] (`perfproof compare --json`).
pub const ANALYSIS_SCHEMA_ID: &str = "perfproof.analysis/v1";
/// Schema id of [`AreaComparison`] (`comparison_<area>.json`).
pub const COMPARISON_SCHEMA_ID: &str = "perfproof.comparison/v1";
/// Schema id of [`MetricsExport`] (`metrics_export.json`).
pub const METRICS_EXPORT_SCHEMA_ID: &str = "perfproof.metrics-export/v1";

/// The whole analysis: `schema` beside the fields of [`Analysis`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnalysisDocument {
    /// [`ANALYSIS_SCHEMA_ID`].
    pub schema: String,
    #[serde(flatten)]
    pub analysis: Analysis,
}

impl AnalysisDocument {
    pub fn new(analysis: &Analysis) -> Self {
        AnalysisDocument { schema: ANALYSIS_SCHEMA_ID.into(), analysis: analysis.clone() }
    }
}

/// The compared metrics of one area (API, database, cache, ML inference).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AreaComparison {
    /// [`COMPARISON_SCHEMA_ID`].
    pub schema: String,
    /// `api_performance`, `database_optimization`, ...
    pub area: String,
    pub baseline_label: String,
    pub optimized_label: String,
    pub metrics: Vec<MetricComparison>,
    /// The area's tier in the cost, both runs (how it was priced, its instances,
    /// its 30-day cost and range); absent when no cost was projected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<AreaCost>,
}

/// One tier's cost in both runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AreaCost {
    pub baseline: TierCost,
    pub optimized: TierCost,
}

impl AreaComparison {
    /// The area of a workload kind (its [`KindInfo::area`]): the metrics of its
    /// workloads, and its tier's part of `cost`.
    pub fn new(comparison: &Comparison, kind: &KindInfo, cost: Option<&CostComparison>) -> Self {
        let of_kind = |key: &str| key.split('.').next() == Some(kind.kind);
        let tier = |tiers: &[TierCost]| tiers.iter().find(|t| t.tier.kind() == kind.kind).cloned();
        AreaComparison {
            schema: COMPARISON_SCHEMA_ID.into(),
            area: kind.area.into(),
            baseline_label: comparison.baseline_label.clone(),
            optimized_label: comparison.optimized_label.clone(),
            metrics: comparison.metrics.iter().filter(|m| of_kind(&m.key)).cloned().collect(),
            cost: cost.and_then(|c| {
                Some(AreaCost { baseline: tier(&c.baseline.tiers)?, optimized: tier(&c.optimized.tiers)? })
            }),
        }
    }
}

/// Every metric of both runs, compared or not, one row per run and metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricsExport {
    /// [`METRICS_EXPORT_SCHEMA_ID`].
    pub schema: String,
    pub baseline_label: String,
    pub optimized_label: String,
    pub metrics: Vec<RunMetric>,
    /// The cost of both runs with its ranges; absent when none was projected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostComparison>,
}

/// One metric of one run: `run` beside the key, value, unit and direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunMetric {
    pub run: Side,
    #[serde(flatten)]
    pub metric: MetricValue,
}

impl MetricsExport {
    /// The baseline run's metrics, then the optimized run's, and `cost`.
    pub fn new(comparison: &Comparison, cost: Option<&CostComparison>) -> Self {
        let metrics = [Side::Baseline, Side::Optimized]
            .into_iter()
            .flat_map(|run| comparison.metrics_of(run).into_iter().map(move |metric| RunMetric { run, metric }))
            .collect();
        MetricsExport {
            schema: METRICS_EXPORT_SCHEMA_ID.into(),
            baseline_label: comparison.baseline_label.clone(),
            optimized_label: comparison.optimized_label.clone(),
            metrics,
            cost: cost.cloned(),
        }
    }
}
