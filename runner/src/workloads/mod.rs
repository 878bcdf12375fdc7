//! The workloads the engine can drive, one folder each: its configuration section,
//! its plan, its embedded target and its part of the report: `http`, `db`, `ml`
//! and `cache` (a variant of [`WorkloadPlan`] and a folder each). [`keys`] draws
//! keys for the workloads that touch keyed data, and [`profile`] names the demo
//! profiles every embedded target follows.

pub mod cache;
pub mod db;
pub mod http;
pub mod keys;
pub mod ml;
pub mod profile;

use perfproof_shared::report::Workload;

use crate::load::Context;

/// A resolved workload, ready to run.
#[derive(Debug, Clone)]
pub enum WorkloadPlan {
    Http(http::HttpPlan),
    Db(db::DbPlan),
    Ml(ml::MlPlan),
    Cache(cache::CachePlan),
}

/// The workload kinds, as scenario files, `--workloads` and reports name them.
pub const KINDS: &[&str] = &["http", "db", "ml", "cache"];

impl WorkloadPlan {
    /// The kind, as the report names it.
    pub fn kind(&self) -> &'static str {
        match self {
            WorkloadPlan::Http(_) => "http",
            WorkloadPlan::Db(_) => "db",
            WorkloadPlan::Ml(_) => "ml",
            WorkloadPlan::Cache(_) => "cache",
        }
    }

    /// The workload's name in the report.
    pub fn name(&self) -> &str {
        match self {
            WorkloadPlan::Http(plan) => &plan.name,
            WorkloadPlan::Db(plan) => &plan.name,
            WorkloadPlan::Ml(plan) => &plan.name,
            WorkloadPlan::Cache(plan) => &plan.name,
        }
    }

    /// The workload's load plan, to change (a shard's share).
    pub fn load_mut(&mut self) -> &mut crate::load::LoadPlan {
        match self {
            WorkloadPlan::Http(plan) => &mut plan.load,
            WorkloadPlan::Db(plan) => &mut plan.load,
            WorkloadPlan::Ml(plan) => &mut plan.load,
            WorkloadPlan::Cache(plan) => &mut plan.load,
        }
    }

    /// One line for people: what will run, against what, with which load.
    pub fn describe(&self) -> String {
        match self {
            WorkloadPlan::Http(plan) => {
                let target = match &plan.target {
                    http::Target::Url { display, .. } => display.clone(),
                    http::Target::Embedded(profile) => format!("the embedded demo service ({})", profile.label()),
                };
                format!(
                    "http `{}`: {} endpoint(s) at {target} with {}",
                    plan.name,
                    plan.endpoints.len(),
                    plan.load.describe("req/s")
                )
            }
            WorkloadPlan::Db(plan) => {
                let pools = match &plan.sweep {
                    Some(sweep) => format!("a sweep of pools {:?} × {} load levels", sweep.pools, sweep.levels.len()),
                    None => format!("a pool of {} and {}", plan.pool_size, plan.load.describe("tx/s")),
                };
                format!(
                    "db `{}`: {} query(ies) on {} with {pools}",
                    plan.name,
                    plan.queries.len(),
                    plan.display_target()
                )
            }
            WorkloadPlan::Ml(plan) => format!(
                "ml `{}`: model `{}` on {}, batch sizes {:?}, with {}",
                plan.name,
                plan.model,
                plan.display_target(),
                plan.batch_sizes,
                plan.load.describe("req/s")
            ),
            WorkloadPlan::Cache(plan) => plan.describe(),
        }
    }

    /// Runs the workload and returns its report entry; an error means it could not start.
    pub async fn run(&self, context: &Context) -> anyhow::Result<Workload> {
        match self {
            WorkloadPlan::Http(plan) => {
                http::check_reachable(plan).await?;
                Ok(Workload::Http(http::run(plan, context).await?))
            }
            WorkloadPlan::Db(plan) => {
                db::check_reachable(plan).await?;
                Ok(Workload::Db(db::run(plan, context).await?))
            }
            WorkloadPlan::Ml(plan) => {
                ml::check_reachable(plan).await?;
                Ok(Workload::Ml(ml::run(plan, context).await?))
            }
            WorkloadPlan::Cache(plan) => {
                cache::check_reachable(plan).await?;
                Ok(Workload::Cache(cache::run(plan, context).await?))
            }
        }
    }
}

/// Part indices repeated by weight (weights reduced by their common divisor),
/// interleaved rather than each part's share back to back.
pub fn weighted_cycle(weights: &[u32]) -> Vec<usize> {
    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let divisor = weights.iter().copied().fold(0, gcd).max(1);
    let mut cycle = Vec::new();
    let mut remaining: Vec<u32> = weights.iter().map(|w| w / divisor).collect();
    while remaining.iter().any(|&w| w > 0) {
        for (i, w) in remaining.iter_mut().enumerate() {
            if *w > 0 {
                cycle.push(i);
                *w -= 1;
            }
        }
    }
    cycle
}
