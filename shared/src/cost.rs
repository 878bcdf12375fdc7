//! Cost projection and ROI: what the measured capacity costs to serve a traffic
//! assumption for 30 days, before and after, and what the saving returns.
//!
//! Model (every input editable, defaults below): the system under test sustained
//! `capacity` successful requests/s on one instance (the sum of its HTTP
//! workloads' throughput). Day `d` of the 30 carries `requests_per_day × (1 +
//! growth)^(d/30)` requests; its peak rate is the average rate × `peak_to_average`;
//! instances that day = ⌈peak / (capacity × target_utilization)⌉. A day costs
//! instances × 24 h × instance price, plus the database, the cache, GPUs, the
//! per-request charge and egress (measured bytes per response). Cost reduction % =
//! (baseline − optimized) / baseline, graded against the `cost.reduction_pct` target
//! of the analysis (the default targets' when it has none; see [`reduction_target`]),
//! so the cost line and the targets table always name the same range. ROI = (annual
//! saving − engineering cost) / engineering cost; payback = engineering cost / daily saving.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::metrics::{Direction, MetricValue, COST_REDUCTION_KEY};
use crate::report::{HttpResult, HTTP_BYTES_RECEIVED};
use crate::targets::{default_targets, matches, Op, Target};
use crate::Report;

/// Prices, in US dollars. Defaults: a 4 vCPU / 16 GiB on-demand instance, a
/// small managed database, no cache or GPU, a gateway charge per million
/// requests and internet egress, at typical public-cloud list prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Pricing {
    /// One application instance, per hour.
    pub instance_hourly_usd: f64,
    /// The database, per hour (the same before and after).
    pub database_hourly_usd: f64,
    /// Cache memory, per GB-hour.
    pub cache_gb_hourly_usd: f64,
    /// Cache size, in GB.
    pub cache_gb: f64,
    /// GPUs for inference, per hour (all GPUs together).
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
            cache_gb_hourly_usd: 0.017,
            cache_gb: 0.0,
            gpu_hourly_usd: 0.0,
            per_million_requests_usd: 0.20,
            egress_per_gb_usd: 0.09,
        }
    }
}

/// The traffic to serve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
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
#[serde(default)]
pub struct CostInputs {
    pub pricing: Pricing,
    pub traffic: Traffic,
    /// What the optimization cost to build, in US dollars (default 15 000).
    pub engineering_cost_usd: Option<f64>,
}

impl CostInputs {
    pub fn engineering_cost(&self) -> f64 {
        self.engineering_cost_usd.unwrap_or(15_000.0)
    }
}

/// The 30-day cost of serving the traffic with one run's measured capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunCost {
    /// Successful requests/s one instance sustained.
    pub capacity_rps: f64,
    /// Mean response body size, in bytes.
    pub bytes_per_request: f64,
    pub instances_day_1: u64,
    pub instances_day_30: u64,
    /// Cost of each of the 30 days, in US dollars.
    pub daily_usd: Vec<f64>,
    pub total_30_days_usd: f64,
    pub per_million_requests_usd: f64,
    /// Where the money goes over 30 days, in US dollars.
    pub breakdown: Breakdown,
}

/// The 30-day cost by item, in US dollars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
pub struct Breakdown {
    pub instances: f64,
    pub database: f64,
    pub cache: f64,
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
    /// (annual saving − engineering cost) / engineering cost, in percent.
    pub roi_pct: Option<f64>,
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
    #[error("cost input `{field}` must be {expected}, not {value}")]
    Input { field: &'static str, expected: &'static str, value: f64 },
}

fn check(inputs: &CostInputs) -> Result<(), CostError> {
    let p = &inputs.pricing;
    let t = &inputs.traffic;
    let non_negative = [
        ("pricing.instance_hourly_usd", p.instance_hourly_usd),
        ("pricing.database_hourly_usd", p.database_hourly_usd),
        ("pricing.cache_gb_hourly_usd", p.cache_gb_hourly_usd),
        ("pricing.cache_gb", p.cache_gb),
        ("pricing.gpu_hourly_usd", p.gpu_hourly_usd),
        ("pricing.per_million_requests_usd", p.per_million_requests_usd),
        ("pricing.egress_per_gb_usd", p.egress_per_gb_usd),
        ("traffic.requests_per_day", t.requests_per_day),
        ("engineering_cost_usd", inputs.engineering_cost()),
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

/// Projects one run's 30-day cost.
pub fn project(report: &Report, inputs: &CostInputs) -> Result<RunCost, CostError> {
    check(inputs)?;
    let (mut capacity, mut bytes, mut requests) = (0.0f64, 0u64, 0u64);
    // Capacity is what the service's instances serve: its HTTP requests. The
    // database is priced by the hour (`pricing.database_hourly_usd`), the cache by
    // its memory (`pricing.cache_gb`); inference requests are priced with the
    // service they belong to, not as its capacity.
    for http in report.parts::<HttpResult>() {
        capacity += http.result.throughput_per_s;
        bytes += http.result.stats.counter(HTTP_BYTES_RECEIVED);
        requests += http.result.stats.operations;
    }
    if !(capacity.is_finite() && capacity > 0.0) {
        return Err(CostError::NoCapacity { label: report.run.label.clone() });
    }
    let bytes_per_request = if requests == 0 { 0.0 } else { bytes as f64 / requests as f64 };
    let (p, t) = (&inputs.pricing, &inputs.traffic);
    let usable = capacity * t.target_utilization;
    let mut breakdown = Breakdown::default();
    let mut daily_usd = Vec::with_capacity(30);
    let mut instances_by_day = Vec::with_capacity(30);
    let mut total_requests = 0.0;
    for day in 0..30 {
        let day_requests = t.requests_per_day * (1.0 + t.monthly_growth_pct / 100.0).powf(day as f64 / 30.0);
        let peak_rps = day_requests / 86_400.0 * t.peak_to_average;
        let instances = ((peak_rps / usable).ceil() as u64).max(1);
        let day_cost = Breakdown {
            instances: instances as f64 * 24.0 * p.instance_hourly_usd,
            database: 24.0 * p.database_hourly_usd,
            cache: 24.0 * p.cache_gb * p.cache_gb_hourly_usd,
            gpu: 24.0 * p.gpu_hourly_usd,
            requests: day_requests / 1e6 * p.per_million_requests_usd,
            egress: day_requests * bytes_per_request / 1e9 * p.egress_per_gb_usd,
        };
        daily_usd.push(
            day_cost.instances
                + day_cost.database
                + day_cost.cache
                + day_cost.gpu
                + day_cost.requests
                + day_cost.egress,
        );
        breakdown.instances += day_cost.instances;
        breakdown.database += day_cost.database;
        breakdown.cache += day_cost.cache;
        breakdown.gpu += day_cost.gpu;
        breakdown.requests += day_cost.requests;
        breakdown.egress += day_cost.egress;
        instances_by_day.push(instances);
        total_requests += day_requests;
    }
    let total: f64 = daily_usd.iter().sum();
    Ok(RunCost {
        capacity_rps: capacity,
        bytes_per_request,
        instances_day_1: instances_by_day.first().copied().unwrap_or(1),
        instances_day_30: instances_by_day.last().copied().unwrap_or(1),
        daily_usd,
        total_30_days_usd: total,
        per_million_requests_usd: if total_requests > 0.0 { total / (total_requests / 1e6) } else { 0.0 },
        breakdown,
    })
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
    let monthly_saving = b.total_30_days_usd - o.total_30_days_usd;
    let reduction_pct = if b.total_30_days_usd > 0.0 { monthly_saving / b.total_30_days_usd * 100.0 } else { 0.0 };
    let status = CostStatus::of(reduction_pct, target);
    let engineering = inputs.engineering_cost();
    // The 30-day projection's daily saving over a year of 365 days.
    let annual = monthly_saving / 30.0 * 365.0;
    let roi = Roi {
        engineering_cost_usd: engineering,
        monthly_saving_usd: monthly_saving,
        annual_saving_usd: annual,
        roi_pct: (engineering > 0.0).then(|| (annual - engineering) / engineering * 100.0),
        payback_days: (monthly_saving > 0.0).then(|| engineering / (monthly_saving / 30.0)),
    };
    Ok(CostComparison {
        inputs: inputs.clone(),
        baseline: b,
        optimized: o,
        reduction_pct,
        target: target.clone(),
        status,
        roi,
    })
}
