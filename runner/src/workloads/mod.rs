//! The workloads the engine can drive, one folder each: its configuration section,
//! its plan (implementing [`KindPlan`]), its embedded target and its part of the
//! report: `http`, `db`, `ml` and `cache` (a folder and a line of
//! `workload_plans!` each). [`keys`] draws
//! keys for the workloads that touch keyed data, and [`profile`] names the demo
//! profiles every embedded target follows.

pub mod cache;
pub mod db;
pub mod http;
pub mod keys;
pub mod ml;
pub mod profile;

use perfproof_shared::report::{Workload, WorkloadKind};

use crate::load::{Context, LoadPlan};

/// One workload kind's plan, implemented in the kind's folder: the one place the
/// runner asks a kind what it will do and has it done.
// Used through `WorkloadPlan`'s match only, never as `dyn` or from another crate:
// its futures need no `Send` bound.
#[allow(async_fn_in_trait)]
pub trait KindPlan {
    /// Its part of the report (shared's `WorkloadKind`).
    type Part: WorkloadKind + Into<Workload>;

    /// The workload's name in the report.
    fn name(&self) -> &str;

    /// Its load plan, to change (a shard's share).
    fn load_mut(&mut self) -> &mut LoadPlan;

    /// One line for people: what will run, against what, with which load.
    fn describe(&self) -> String;

    /// Whether it sweeps configurations (pool sizes, capacities), which run as one
    /// run: never as trials, shards or monitor cycles.
    fn is_sweep(&self) -> bool {
        false
    }

    /// Fails when its target cannot be reached, before any load is offered.
    async fn check_reachable(&self) -> anyhow::Result<()>;

    /// Runs it; an error means it could not start.
    async fn run(&self, context: &Context) -> anyhow::Result<Self::Part>;
}

/// Declares the workload kinds the runner drives, one line each: generates
/// [`WorkloadPlan`], its methods (each delegating to the kind's [`KindPlan`]) and
/// [`KINDS`].
macro_rules! workload_plans {
    ($($variant:ident($plan:ty),)*) => {
        /// A resolved workload, ready to run.
        #[derive(Debug, Clone)]
        pub enum WorkloadPlan {
            $($variant($plan),)*
        }

        /// The workload kinds, as scenario files, `--workloads` and reports name them.
        pub const KINDS: &[&str] = &[$(<<$plan as KindPlan>::Part as WorkloadKind>::INFO.kind),*];

        impl WorkloadPlan {
            /// The kind, as the report names it.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(WorkloadPlan::$variant(_) => <<$plan as KindPlan>::Part as WorkloadKind>::INFO.kind,)*
                }
            }

            /// The workload's name in the report.
            pub fn name(&self) -> &str {
                match self {
                    $(WorkloadPlan::$variant(plan) => plan.name(),)*
                }
            }

            /// The workload's load plan, to change (a shard's share).
            pub fn load_mut(&mut self) -> &mut LoadPlan {
                match self {
                    $(WorkloadPlan::$variant(plan) => plan.load_mut(),)*
                }
            }

            /// One line for people: what will run, against what, with which load.
            pub fn describe(&self) -> String {
                match self {
                    $(WorkloadPlan::$variant(plan) => plan.describe(),)*
                }
            }

            /// Whether it sweeps configurations (see [`KindPlan::is_sweep`]).
            pub fn is_sweep(&self) -> bool {
                match self {
                    $(WorkloadPlan::$variant(plan) => plan.is_sweep(),)*
                }
            }

            /// Checks its target, then runs it and returns its report entry; an
            /// error means it could not start.
            pub async fn run(&self, context: &Context) -> anyhow::Result<Workload> {
                match self {
                    $(WorkloadPlan::$variant(plan) => {
                        plan.check_reachable().await?;
                        Ok(plan.run(context).await?.into())
                    })*
                }
            }
        }
    };
}

workload_plans! {
    Http(http::HttpPlan),
    Db(db::DbPlan),
    Ml(ml::MlPlan),
    Cache(cache::CachePlan),
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
