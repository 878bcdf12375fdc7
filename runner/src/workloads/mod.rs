//! The workloads the engine can drive, one folder each: its configuration section,
//! its plan, its embedded target and its part of the report. `http` today; `db`,
//! `cache` and `ml` join the same way (a variant of [`WorkloadPlan`] and a folder).

pub mod http;

use perfproof_shared::report::Workload;

use crate::load::Context;

/// A resolved workload, ready to run.
#[derive(Debug, Clone)]
pub enum WorkloadPlan {
    Http(http::HttpPlan),
}

/// The workload kinds, as scenario files, `--workloads` and reports name them.
pub const KINDS: &[&str] = &["http"];

impl WorkloadPlan {
    /// The kind, as the report names it.
    pub fn kind(&self) -> &'static str {
        match self {
            WorkloadPlan::Http(_) => "http",
        }
    }

    /// The workload's name in the report.
    pub fn name(&self) -> &str {
        match self {
            WorkloadPlan::Http(plan) => &plan.name,
        }
    }

    /// The workload's load plan, to change (a shard's share).
    pub fn load_mut(&mut self) -> &mut crate::load::LoadPlan {
        match self {
            WorkloadPlan::Http(plan) => &mut plan.load,
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
        }
    }

    /// Runs the workload and returns its report entry; an error means it could not start.
    pub async fn run(&self, context: &Context) -> anyhow::Result<Workload> {
        match self {
            WorkloadPlan::Http(plan) => {
                http::check_reachable(plan).await?;
                Ok(Workload::Http(http::run(plan, context).await?))
            }
        }
    }
}
