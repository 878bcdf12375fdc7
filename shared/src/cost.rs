//! Cost projection and ROI: what each tier's measured capacity costs to serve a
//! traffic assumption for 30 days, before and after, and what the saving returns.
//!
//! Model (every input editable, defaults below). The API serves `requests_per_day ×
//! (1 + growth)^(d/30)` requests on day `d` of the 30, peaking at the day's average
//! rate × `peak_to_average`. Each tier (the API, inference, the database, the cache)
//! sees that peak times its fan-out (operations per API request, [`FanOut`]; the
//! API's is 1) and is priced by the instances it needs that day, ⌈demand /
//! (capacity per instance × `target_utilization`)⌉ (at least one), at its hourly
//! price. A tier's capacity per instance is its workloads' measured capacity
//! (`run --capacity`; several workloads of a tier share its traffic equally, so an
//! instance serves their harmonic mean, never their sum). A tier without one keeps a
//! fixed hourly price, labelled so ([`Basis::Fixed`]). The API has no fixed price:
//! without a search, a closed-model run is priced from its throughput at the tested
//! load, labelled as not a capacity (and warned about when its latency missed the
//! SLO); an open-model run's throughput is only the load it was offered, so it gets
//! no projection ([`CostError::NotMeasured`]), and the cost target is not measured.
//! Add the per-request charge and egress (measured bytes per response). Cost
//! reduction % = (baseline − optimized) / baseline, graded against the
//! `cost.reduction_pct` target of the analysis (the default targets' when it has
//! none; see [`reduction_target`]), so the cost line and the targets table always
//! name the same range. ROI = (annual saving − engineering cost) / engineering
//! cost; payback = engineering cost / daily saving.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::capacity::Slo;
use crate::format;
use crate::metrics::{Direction, MetricValue, COST_REDUCTION_KEY};
use crate::report::{
    CacheResult, DbResult, HttpResult, LoadModel, MlResult, Workload, WorkloadKind, HTTP_BYTES_RECEIVED,
};
use crate::targets::{default_targets, matches, Op, Target};
use crate::Report;

/// Prices, in US dollars. Defaults: a 4 vCPU / 16 GiB on-demand instance, a
/// small managed database, a one-GPU inference instance and a small cache node,
/// a gateway charge per million requests and internet egress, at typical
/// public-cloud list prices. A tier with a measured capacity is priced per
/// instance; one without keeps its fixed item (one database, the cache's memory,
/// the GPUs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Pricing {
    /// One application (API) instance, per hour.
    pub instance_hourly_usd: f64,
    /// One database instance (primary or replica), per hour: as many as the
    /// database's measured capacity needs, else one.
    pub database_hourly_usd: f64,
    /// One inference instance, per hour, when inference's capacity was measured.
    pub inference_hourly_usd: f64,
    /// One cache node, per hour, when the cache's capacity was measured.
    pub cache_node_hourly_usd: f64,
    /// Without a measured cache capacity: cache memory, per GB-hour.
    pub cache_gb_hourly_usd: f64,
    /// Without a measured cache capacity: cache size, in GB.
    pub cache_gb: f64,
    /// Without a measured inference capacity: GPUs for inference, per hour (all together).
    pub gpu_hourly_usd: f64,
    /// Per million requests (API gateway, load balancer).
    pub per_million_requests_usd: f64,
    /// Egress, per GB.
    pub egress_per_gb_usd: f64,
}

impl Default for Pricing {
    fn default() -> Self {
        Pricing {
            instance_hourly_usd: 0.192,
            database_hourly_usd: 0.34,
            inference_hourly_usd: 0.526,
            cache_node_hourly_usd: 0.068,
            cache_gb_hourly_usd: 0.017,
            cache_gb: 0.0,
            gpu_hourly_usd: 0.0,
            per_million_requests_usd: 0.20,
            egress_per_gb_usd: 0.09,
        }
    }
}

/// Each tier's operations per API request: the demand on a tier is the API's peak
/// rate times its fan-out. Defaults: one of each, a request that reads through its
/// cache, writes one transaction and scores once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FanOut {
    /// Database transactions per API request.
    pub database_transactions: f64,
    /// Cache operations (reads and writes) per API request.
    pub cache_operations: f64,
    /// Inference requests per API request.
    pub inferences: f64,
}

impl Default for FanOut {
    fn default() -> Self {
        FanOut { database_transactions: 1.0, cache_operations: 1.0, inferences: 1.0 }
    }
}

/// The traffic to serve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Traffic {
    /// Requests on day 1.
    pub requests_per_day: f64,
    /// Growth per 30 days, in percent.
    pub monthly_growth_pct: f64,
    /// Peak request rate over the day's average rate.
    pub peak_to_average: f64,
    /// Share of an instance's measured capacity used at peak (headroom).
    pub target_utilization: f64,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic {
            requests_per_day: 50_000_000.0,
            monthly_growth_pct: 5.0,
            peak_to_average: 2.0,
            target_utilization: 0.7,
        }
    }
}

/// Everything the cost model takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CostInputs {
    pub pricing: Pricing,
    pub traffic: Traffic,
    pub fan_out: FanOut,
    /// What the optimization cost to build, in US dollars (default 15 000).
    pub engineering_cost_usd: Option<f64>,
}

impl CostInputs {
    pub fn engineering_cost(&self) -> f64 {
        self.engineering_cost_usd.unwrap_or(15_000.0)
    }

    /// Checks every input; the error names the first that cannot be used.
    pub fn check(&self) -> Result<(), CostError> {
        let p = &self.pricing;
        let t = &self.traffic;
        let non_negative = [
            ("pricing.instance_hourly_usd", p.instance_hourly_usd),
            ("pricing.database_hourly_usd", p.database_hourly_usd),
            ("pricing.inference_hourly_usd", p.inference_hourly_usd),
            ("pricing.cache_node_hourly_usd", p.cache_node_hourly_usd),
            ("pricing.cache_gb_hourly_usd", p.cache_gb_hourly_usd),
            ("pricing.cache_gb", p.cache_gb),
            ("pricing.gpu_hourly_usd", p.gpu_hourly_usd),
            ("pricing.per_million_requests_usd", p.per_million_requests_usd),
            ("pricing.egress_per_gb_usd", p.egress_per_gb_usd),
            ("traffic.requests_per_day", t.requests_per_day),
            ("fan_out.database_transactions", self.fan_out.database_transactions),
            ("fan_out.cache_operations", self.fan_out.cache_operations),
            ("fan_out.inferences", self.fan_out.inferences),
            ("engineering_cost_usd", self.engineering_cost()),
        ];
        for (field, value) in non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return Err(CostError::Input { field, expected: "a number ≥ 0", value });
            }
        }
        let positive =
            [("traffic.peak_to_average", t.peak_to_average), ("traffic.target_utilization", t.target_utilization)];
        for (field, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(CostError::Input { field, expected: "a number > 0", value });
            }
        }
        if !(t.monthly_growth_pct.is_finite() && t.monthly_growth_pct > -100.0) {
            return Err(CostError::Input {
                field: "traffic.monthly_growth_pct",
                expected: "a percentage above -100",
                value: t.monthly_growth_pct,
            });
        }
        Ok(())
    }
}

/// The 30-day cost of serving the traffic with one run's measured capacities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunCost {
    /// Successful requests/s one API instance serves (see `tiers` for where it came from).
    pub capacity_rps: f64,
    /// Mean response body size, in bytes.
    pub bytes_per_request: f64,
    /// API instances on day 1 and day 30.
    pub instances_day_1: u64,
    pub instances_day_30: u64,
    /// Cost of each of the 30 days, in US dollars.
    pub daily_usd: Vec<f64>,
    /// The 30 days' cost, each measured capacity at its highest passing rate.
    pub total_30_days_usd: f64,
    /// Its range from the capacity brackets: [best case, each measured capacity at
    /// its bracket's top; the point value, the worst case], in US dollars.
    pub total_30_days_range_usd: [f64; 2],
    pub per_million_requests_usd: f64,
    /// Where the money goes over 30 days, in US dollars.
    pub breakdown: Breakdown,
    /// Each tier: how it was priced and what it costs.
    pub tiers: Vec<TierCost>,
    /// What a reader should know before trusting the projection.
    pub warnings: Vec<String>,
}

/// A tier of the priced system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Api,
    Inference,
    Database,
    Cache,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Api, Tier::Inference, Tier::Database, Tier::Cache];

    /// The workload kind whose capacity prices it.
    pub fn kind(self) -> &'static str {
        match self {
            Tier::Api => HttpResult::INFO.kind,
            Tier::Inference => MlResult::INFO.kind,
            Tier::Database => DbResult::INFO.kind,
            Tier::Cache => CacheResult::INFO.kind,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::Api => "API",
            Tier::Inference => "inference",
            Tier::Database => "database",
            Tier::Cache => "cache",
        }
    }
}

/// Where a tier's price came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Basis {
    /// Its workloads' measured capacity: what one instance serves within the SLO.
    Capacity {
        /// Operations/s one instance serves (the workloads' harmonic mean of
        /// their highest passing rates).
        per_instance_per_s: f64,
        /// The same from their brackets' tops (lowest failing rates): the best
        /// case. Equal to `per_instance_per_s` when a bracket is open above (a
        /// search that ended before a fail), which adds no width.
        best_per_instance_per_s: f64,
        /// The workloads it rests on (`http.api`).
        workloads: Vec<String>,
    },
    /// The API's closed-model throughput at the tested load: not a capacity.
    Throughput { per_instance_per_s: f64, workloads: Vec<String> },
    /// No capacity measured: its fixed hourly price.
    Fixed,
}

impl Basis {
    /// Operations/s one instance serves; `None` for a fixed price.
    pub fn per_instance_per_s(&self) -> Option<f64> {
        match self {
            Basis::Capacity { per_instance_per_s, .. } | Basis::Throughput { per_instance_per_s, .. } => {
                Some(*per_instance_per_s)
            }
            Basis::Fixed => None,
        }
    }

    /// The best case of the same: a capacity's bracket top.
    pub fn best_per_instance_per_s(&self) -> Option<f64> {
        match self {
            Basis::Capacity { best_per_instance_per_s, .. } => Some(*best_per_instance_per_s),
            _ => self.per_instance_per_s(),
        }
    }
}

/// One tier's part of a run's cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TierCost {
    pub tier: Tier,
    pub basis: Basis,
    /// Its operations per API request (1 for the API).
    pub fan_out: f64,
    /// Instances on day 1 and day 30 (fixed tiers: 0, priced as one item).
    pub instances_day_1: u64,
    pub instances_day_30: u64,
    pub total_30_days_usd: f64,
    /// Its range from the capacity brackets: [best case, point], in US dollars.
    pub total_30_days_range_usd: [f64; 2],
}

impl TierCost {
    /// Where its price came from, in words: "measured capacity 394.0 req/s per
    /// instance (http.api)".
    pub fn source_text(&self) -> String {
        TierCost::source_change(self, self)
    }

    /// Where a tier's price came from in two runs, in words: "measured capacity
    /// 394.0 → 779.0 req/s per instance (http.api)"; each run's in full when they
    /// rest on different bases or workloads.
    pub fn source_change(before: &TierCost, after: &TierCost) -> String {
        let unit = crate::report::kind_info(before.tier.kind()).map_or("/s", |k| k.throughput_unit);
        let words = |basis: &Basis| match basis {
            Basis::Capacity { per_instance_per_s, workloads, .. } => {
                Some(("measured capacity", *per_instance_per_s, workloads.join(", ")))
            }
            Basis::Throughput { per_instance_per_s, workloads } => {
                Some(("throughput at the tested load, not a capacity:", *per_instance_per_s, workloads.join(", ")))
            }
            Basis::Fixed => None,
        };
        match (words(&before.basis), words(&after.basis)) {
            (None, None) => "fixed hourly price (no capacity measured)".to_string(),
            (Some((wa, ra, la)), Some((wb, rb, lb))) if wa == wb && la == lb => {
                let rate = if ra == rb {
                    format::number(ra)
                } else {
                    format!("{} → {}", format::number(ra), format::number(rb))
                };
                format!("{wa} {rate} {unit} per instance ({la})")
            }
            _ => format!("{} → {}", before.source_text(), after.source_text()),
        }
    }
}

/// The 30-day cost by item, in US dollars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
pub struct Breakdown {
    /// API instances.
    pub instances: f64,
    pub database: f64,
    pub cache: f64,
    /// Inference: its instances, or the fixed GPUs.
    pub gpu: f64,
    pub requests: f64,
    pub egress: f64,
}

/// Where the cost reduction lies against the range of its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CostStatus {
    BelowTarget,
    MeetsTarget,
    ExceedsTarget,
}

impl CostStatus {
    /// Where `reduction_pct` lies against the range of `target`: a `between` rule
    /// has both ends, `>`/`>=` only a bottom, `<`/`<=` only a top. With a bottom,
    /// "below" is exactly the target being missed.
    pub fn of(reduction_pct: f64, target: &Target) -> CostStatus {
        let (below, above) = match target.op {
            Op::Gt => (reduction_pct <= target.value, false),
            Op::Ge => (reduction_pct < target.value, false),
            Op::Lt => (false, reduction_pct >= target.value),
            Op::Le => (false, reduction_pct > target.value),
            Op::Between => (reduction_pct < target.value, target.upper.is_some_and(|upper| reduction_pct > upper)),
        };
        if below {
            CostStatus::BelowTarget
        } else if above {
            CostStatus::ExceedsTarget
        } else {
            CostStatus::MeetsTarget
        }
    }
}

/// The target a cost reduction is graded against: the first of `targets` that
/// applies to `cost.reduction_pct` in its unit (percent), else the default
/// targets' one. The range is written once, as that target's rule.
pub fn reduction_target(targets: &[Target]) -> Target {
    let applies = |t: &Target| matches(&t.metric, COST_REDUCTION_KEY) && t.fits_unit("%");
    targets
        .iter()
        .find(|t| applies(t))
        .cloned()
        .or_else(|| default_targets().into_iter().find(applies))
        .expect("the default targets grade the cost reduction")
}

/// Return on the engineering investment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Roi {
    pub engineering_cost_usd: f64,
    pub monthly_saving_usd: f64,
    pub annual_saving_usd: f64,
    /// Its range from the capacity brackets: [worst case, best case].
    pub annual_saving_range_usd: [f64; 2],
    /// (annual saving − engineering cost) / engineering cost, in percent.
    pub roi_pct: Option<f64>,
    /// Its range from the capacity brackets: [worst case, best case].
    pub roi_range_pct: Option<[f64; 2]>,
    /// Days until the saving has paid the engineering cost; `None` when nothing is saved.
    pub payback_days: Option<f64>,
}

/// Baseline and optimized costs side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CostComparison {
    pub inputs: CostInputs,
    pub baseline: RunCost,
    pub optimized: RunCost,
    /// (baseline − optimized) / baseline, in percent.
    pub reduction_pct: f64,
    /// Its range from the capacity brackets: [worst case (the baseline at its
    /// brackets' tops, the optimized run at its highest passes), best case (the
    /// other way round)]; a point where nothing was searched.
    pub reduction_range_pct: [f64; 2],
    /// The `cost.reduction_pct` target the reduction is graded against.
    pub target: Target,
    pub status: CostStatus,
    pub roi: Roi,
}

impl CostComparison {
    /// The status with the target's range: "meets the 20–30 % target".
    pub fn status_label(&self) -> String {
        let verb = match self.status {
            CostStatus::BelowTarget => "below",
            CostStatus::MeetsTarget => "meets",
            CostStatus::ExceedsTarget => "exceeds",
        };
        format!("{verb} the {} target", self.target.range_text())
    }

    /// The comparison-level metrics targets can hold (`cost.reduction_pct`, ...).
    pub fn metrics(&self) -> Vec<MetricValue> {
        let m = |key: &str, value, unit: &str, direction| MetricValue {
            key: key.into(),
            value,
            unit: unit.into(),
            direction,
        };
        vec![
            m(COST_REDUCTION_KEY, self.reduction_pct, "%", Direction::HigherIsBetter),
            m("cost.monthly_usd", self.optimized.total_30_days_usd, "USD", Direction::LowerIsBetter),
            m(
                "cost.per_million_requests_usd",
                self.optimized.per_million_requests_usd,
                "USD",
                Direction::LowerIsBetter,
            ),
        ]
    }
}

/// Why a cost cannot be computed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CostError {
    #[error("{label}: no successful throughput measured, so no capacity to price")]
    NoCapacity { label: String },
    #[error(
        "{label}: no capacity measured: its HTTP workloads ran in the open model without a capacity search, so \
         their throughput is the load offered, not what an instance serves (run with --capacity to price it)"
    )]
    NotMeasured { label: String },
    #[error(
        "the baseline's API is priced from {baseline}, the optimized run's from {optimized}: run both the same way"
    )]
    MixedBasis { baseline: &'static str, optimized: &'static str },
    #[error("cost input `{field}` must be {expected}, not {value}")]
    Input { field: &'static str, expected: &'static str, value: f64 },
}

/// A tier's capacity per instance, from the report: its workloads' searched
/// capacities, sharing its traffic equally (an instance serves their harmonic
/// mean). `None` when none of them searched.
fn measured(report: &Report, tier: Tier) -> Option<Basis> {
    let mut workloads = Vec::new();
    let (mut passes, mut tops) = (Vec::new(), Vec::new());
    for w in report.workloads.iter().filter(|w| w.kind() == tier.kind()) {
        let Some(search) = &w.result().capacity else { continue };
        let Some(pass) = search.capacity_per_s else { continue };
        workloads.push(w.metric_prefix());
        passes.push(pass);
        tops.push(search.lowest_fail_per_s.unwrap_or(pass));
    }
    let per_instance_per_s = harmonic(&passes)?;
    let best_per_instance_per_s = harmonic(&tops)?;
    Some(Basis::Capacity { per_instance_per_s, best_per_instance_per_s, workloads })
}

/// The harmonic mean of `rates`: what serves an equal share of each; `None` when
/// there are none or one is not a positive rate.
fn harmonic(rates: &[f64]) -> Option<f64> {
    let ok = !rates.is_empty() && rates.iter().all(|r| r.is_finite() && *r > 0.0);
    ok.then(|| rates.len() as f64 / rates.iter().map(|r| 1.0 / r).sum::<f64>())
}

/// The API's basis: its searched capacity; without one, a closed-model run's
/// throughput at the tested load (with a warning per workload whose latency missed
/// the SLO); an open-model run's throughput is only the load offered, never priced.
fn api_basis(report: &Report, warnings: &mut Vec<String>) -> Result<Basis, CostError> {
    if let Some(basis) = measured(report, Tier::Api) {
        return Ok(basis);
    }
    let http: Vec<&Workload> = report.workloads.iter().filter(|w| w.kind() == Tier::Api.kind()).collect();
    if http.iter().any(|w| matches!(w.result().load, LoadModel::Open { .. })) {
        return Err(CostError::NotMeasured { label: report.run.label.clone() });
    }
    let rates: Vec<f64> = http.iter().map(|w| w.result().throughput_per_s).collect();
    let per_instance_per_s =
        harmonic(&rates).ok_or_else(|| CostError::NoCapacity { label: report.run.label.clone() })?;
    let slo = Slo::default_for(&HttpResult::INFO);
    let q = slo.quantile().expect("the default SLO names a known percentile");
    for w in &http {
        let latency = &w.result().stats.latency;
        let Ok(histogram) = latency.decode() else { continue };
        let value = latency.to_ms(histogram.value_at_quantile(q) as f64);
        if value >= slo.latency_ms {
            warnings.push(format!(
                "{}: priced from its throughput at the tested load, not a capacity, and its {} of {} missed the \
                 {} SLO: an instance serving that load is slower than the target allows",
                w.metric_prefix(),
                slo.percentile,
                format::latency_ms(value),
                format::latency_ms(slo.latency_ms)
            ));
        }
    }
    Ok(Basis::Throughput { per_instance_per_s, workloads: http.iter().map(|w| w.metric_prefix()).collect() })
}

/// The fan-out of `tier` (1 for the API), or an error when its capacity was
/// measured but no operation of it comes with a request.
fn fan_out(inputs: &CostInputs, tier: Tier, basis: &Basis) -> Result<f64, CostError> {
    let (field, value) = match tier {
        Tier::Api => return Ok(1.0),
        Tier::Inference => ("fan_out.inferences", inputs.fan_out.inferences),
        Tier::Database => ("fan_out.database_transactions", inputs.fan_out.database_transactions),
        Tier::Cache => ("fan_out.cache_operations", inputs.fan_out.cache_operations),
    };
    if value == 0.0 && matches!(basis, Basis::Capacity { .. }) {
        return Err(CostError::Input { field, expected: "above 0 where the tier's capacity was measured", value });
    }
    Ok(value)
}

/// One instance of a tier priced by its capacity, per hour.
fn instance_price(p: &Pricing, tier: Tier) -> f64 {
    match tier {
        Tier::Api => p.instance_hourly_usd,
        Tier::Inference => p.inference_hourly_usd,
        Tier::Database => p.database_hourly_usd,
        Tier::Cache => p.cache_node_hourly_usd,
    }
}

/// A tier's fixed price without a measured capacity, per hour: one database, the
/// cache's memory, the GPUs (the API is never fixed: see [`api_basis`]).
fn fixed_price(p: &Pricing, tier: Tier) -> f64 {
    match tier {
        Tier::Api => 0.0,
        Tier::Inference => p.gpu_hourly_usd,
        Tier::Database => p.database_hourly_usd,
        Tier::Cache => p.cache_gb * p.cache_gb_hourly_usd,
    }
}

/// Projects one run's 30-day cost.
pub fn project(report: &Report, inputs: &CostInputs) -> Result<RunCost, CostError> {
    inputs.check()?;
    let mut warnings = Vec::new();
    let mut tiers = Vec::with_capacity(Tier::ALL.len());
    for tier in Tier::ALL {
        let basis = match tier {
            Tier::Api => api_basis(report, &mut warnings)?,
            _ => measured(report, tier).unwrap_or(Basis::Fixed),
        };
        let fan_out = fan_out(inputs, tier, &basis)?;
        tiers.push(TierCost {
            tier,
            basis,
            fan_out,
            instances_day_1: 0,
            instances_day_30: 0,
            total_30_days_usd: 0.0,
            total_30_days_range_usd: [0.0; 2],
        });
    }
    let (mut bytes, mut requests) = (0u64, 0u64);
    for http in report.parts::<HttpResult>() {
        bytes += http.result.stats.counter(HTTP_BYTES_RECEIVED);
        requests += http.result.stats.operations;
    }
    let bytes_per_request = if requests == 0 { 0.0 } else { bytes as f64 / requests as f64 };
    let point = price(&tiers, Basis::per_instance_per_s, bytes_per_request, inputs);
    let best = price(&tiers, Basis::best_per_instance_per_s, bytes_per_request, inputs);
    for ((tier, &(day_1, day_30, total)), &(_, _, best)) in tiers.iter_mut().zip(&point.tiers).zip(&best.tiers) {
        (tier.instances_day_1, tier.instances_day_30, tier.total_30_days_usd) = (day_1, day_30, total);
        tier.total_30_days_range_usd = [best, total];
    }
    let best: f64 = best.daily_usd.iter().sum();
    let total: f64 = point.daily_usd.iter().sum();
    let api = &tiers[0];
    Ok(RunCost {
        capacity_rps: api.basis.per_instance_per_s().unwrap_or_default(),
        bytes_per_request,
        instances_day_1: api.instances_day_1,
        instances_day_30: api.instances_day_30,
        daily_usd: point.daily_usd,
        total_30_days_usd: total,
        total_30_days_range_usd: [best, total],
        per_million_requests_usd: if point.requests > 0.0 { total / (point.requests / 1e6) } else { 0.0 },
        breakdown: point.breakdown,
        tiers,
        warnings,
    })
}

/// The 30 days priced, each tier at the capacity per instance `rate` gives.
struct Priced {
    daily_usd: Vec<f64>,
    breakdown: Breakdown,
    /// Per tier, in order: instances on day 1 and day 30, and its 30-day cost.
    tiers: Vec<(u64, u64, f64)>,
    /// Requests served over the 30 days.
    requests: f64,
}

fn price(tiers: &[TierCost], rate: fn(&Basis) -> Option<f64>, bytes_per_request: f64, inputs: &CostInputs) -> Priced {
    let (p, t) = (&inputs.pricing, &inputs.traffic);
    let mut priced = Priced {
        daily_usd: Vec::with_capacity(30),
        breakdown: Breakdown::default(),
        tiers: vec![(0, 0, 0.0); tiers.len()],
        requests: 0.0,
    };
    for day in 0..30 {
        let day_requests = t.requests_per_day * (1.0 + t.monthly_growth_pct / 100.0).powf(day as f64 / 30.0);
        let peak_rps = day_requests / 86_400.0 * t.peak_to_average;
        let mut day_cost = Breakdown {
            requests: day_requests / 1e6 * p.per_million_requests_usd,
            egress: day_requests * bytes_per_request / 1e9 * p.egress_per_gb_usd,
            ..Breakdown::default()
        };
        for (tier, sums) in tiers.iter().zip(&mut priced.tiers) {
            let (instances, hourly) = match rate(&tier.basis) {
                Some(rate) => {
                    let instances = ((peak_rps * tier.fan_out / (rate * t.target_utilization)).ceil() as u64).max(1);
                    (instances, instances as f64 * instance_price(p, tier.tier))
                }
                None => (0, fixed_price(p, tier.tier)),
            };
            let cost = 24.0 * hourly;
            if day == 0 {
                sums.0 = instances;
            }
            sums.1 = instances;
            sums.2 += cost;
            *match tier.tier {
                Tier::Api => &mut day_cost.instances,
                Tier::Inference => &mut day_cost.gpu,
                Tier::Database => &mut day_cost.database,
                Tier::Cache => &mut day_cost.cache,
            } += cost;
        }
        let b = &mut priced.breakdown;
        priced.daily_usd.push(
            day_cost.instances
                + day_cost.database
                + day_cost.cache
                + day_cost.gpu
                + day_cost.requests
                + day_cost.egress,
        );
        b.instances += day_cost.instances;
        b.database += day_cost.database;
        b.cache += day_cost.cache;
        b.gpu += day_cost.gpu;
        b.requests += day_cost.requests;
        b.egress += day_cost.egress;
        priced.requests += day_requests;
    }
    priced
}

/// Projects both runs and the saving, and grades the reduction against `target`
/// (see [`reduction_target`]).
pub fn compare_costs(
    baseline: &Report,
    optimized: &Report,
    inputs: &CostInputs,
    target: &Target,
) -> Result<CostComparison, CostError> {
    let b = project(baseline, inputs)?;
    let o = project(optimized, inputs)?;
    let api = |cost: &RunCost| match cost.tiers[0].basis {
        Basis::Capacity { .. } => "a measured capacity",
        _ => "its throughput at the tested load",
    };
    if api(&b) != api(&o) {
        return Err(CostError::MixedBasis { baseline: api(&b), optimized: api(&o) });
    }
    let reduction = |before: f64, after: f64| if before > 0.0 { (before - after) / before * 100.0 } else { 0.0 };
    let ([b_best, b_point], [o_best, o_point]) = (b.total_30_days_range_usd, o.total_30_days_range_usd);
    let monthly_saving = b_point - o_point;
    let reduction_pct = reduction(b_point, o_point);
    let status = CostStatus::of(reduction_pct, target);
    let engineering = inputs.engineering_cost();
    // The 30-day projection's daily saving over a year of 365 days.
    let annual = |monthly: f64| monthly / 30.0 * 365.0;
    let roi = |monthly: f64| (engineering > 0.0).then(|| (annual(monthly) - engineering) / engineering * 100.0);
    // The worst case: the baseline at its bracket tops, the optimized run at its
    // highest passes; the best case the other way round.
    let (worst_saving, best_saving) = (b_best - o_point, b_point - o_best);
    let roi = Roi {
        engineering_cost_usd: engineering,
        monthly_saving_usd: monthly_saving,
        annual_saving_usd: annual(monthly_saving),
        annual_saving_range_usd: [annual(worst_saving), annual(best_saving)],
        roi_pct: roi(monthly_saving),
        roi_range_pct: roi(worst_saving).zip(roi(best_saving)).map(|(low, high)| [low, high]),
        payback_days: (monthly_saving > 0.0).then(|| engineering / (monthly_saving / 30.0)),
    };
    Ok(CostComparison {
        inputs: inputs.clone(),
        baseline: b,
        optimized: o,
        reduction_pct,
        reduction_range_pct: [reduction(b_best, o_point), reduction(b_point, o_best)],
        target: target.clone(),
        status,
        roi,
    })
}
