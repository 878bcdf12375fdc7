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

use perfproof_shared::metrics::trial_parts;
use perfproof_shared::report::{KindInfo, OperationStats, Window, Workload, WorkloadKind};

use crate::config::load::LoadOverrides;
use crate::load::{Context, LoadPlan};
use profile::Profile;

/// A point of a kind's sweep (a pool size, a cache capacity) and each of its
/// parts' figures, measured as a whole and for each of its time windows alone (in
/// their order): what [`keep_window_parts`] turns into the windows' parts.
pub struct PointFigures<P> {
    pub whole: (P, Vec<OperationStats>),
    pub windows: Vec<(P, Vec<OperationStats>)>,
}

/// Gives each of a run's `windows` its parts' figures (an endpoint's latency, a
/// cache's hits, a proportion's counts): `sections` are the kind's part of the
/// report built from each window's own figures alone (the engine's
/// `Measured::windows`, in the same order), and a window keeps what that part's
/// catalogue says of its parts (shared's `trial_parts`, as a trial does), so that a
/// run of one stretch judges its parts from batches of windows, as it does the
/// workload's own figures.
pub fn keep_window_parts<P: Into<Workload>>(
    windows: &mut [Window],
    sections: impl IntoIterator<Item = anyhow::Result<P>>,
) -> anyhow::Result<()> {
    for (window, section) in windows.iter_mut().zip(sections) {
        (window.parts, window.proportions) = trial_parts(&section?.into())?;
    }
    Ok(())
}

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

    /// Its load plan.
    fn load(&self) -> &LoadPlan;

    /// Its load plan, to change (a shard's share, its trials).
    fn load_mut(&mut self) -> &mut LoadPlan;

    /// One line for people: what will run, against what, with which load.
    fn describe(&self) -> String;

    /// Whether it sweeps configurations (pool sizes, capacities), which run as one
    /// run: never as trials, shards or monitor cycles. (An inference sweep of batch
    /// sizes or loads repeats as trials, merged point by point.)
    fn is_sweep(&self) -> bool {
        false
    }

    /// Whether `run --capacity` searches its capacity: not when it has no one load
    /// to search from (an inference sweep of load levels; sweeps that run as one
    /// are refused by `is_sweep`).
    fn searches_capacity(&self) -> bool {
        true
    }

    /// The plan one capacity probe runs: this one at the probe's `load`.
    fn probe(&self, load: LoadPlan) -> Self
    where
        Self: Clone,
    {
        let mut probe = self.clone();
        *probe.load_mut() = load;
        probe
    }

    /// Fails when its target cannot be reached, before any load is offered.
    async fn check_reachable(&self) -> anyhow::Result<()>;

    /// Runs it; an error means it could not start.
    async fn run(&self, context: &Context) -> anyhow::Result<Self::Part>;
}

/// The kind of a plan, as reports name it (`http`).
pub const fn kind_of<P: KindPlan>() -> &'static str {
    <P::Part as WorkloadKind>::INFO.kind
}

/// A kind's flag naming its service (the system under test), overriding the
/// section's URL: `--<long>`, or the environment variable `env`. Its value is never
/// shown in `--help`, since it may hold a password.
pub struct UrlFlag {
    pub long: &'static str,
    pub env: &'static str,
    /// clap's help text.
    pub help: &'static str,
}

/// One workload kind's scenario section (`[http]`, or each of several `[[http]]`),
/// implemented in the kind's `section.rs`: what the section and the kind's flags
/// resolve to. `Default` is the section a kind runs with when the file has none
/// (its embedded target, or the URL a flag names).
pub trait KindSection: Default {
    /// The plan it resolves to.
    type Plan: KindPlan + Into<WorkloadPlan>;
    /// The kind's own flags (`--url`, `--method`, ... for HTTP; `--db-url` for the database).
    type Overrides;

    /// The flag naming the kind's service, which `run` and `monitor` share.
    const URL_FLAG: UrlFlag;

    /// The kind's flags with only its service's URL (from [`Self::URL_FLAG`]) set.
    fn url_overrides(url: Option<String>) -> Self::Overrides;

    /// Whether the flags name a target of this kind (`--db-url`): with no scenario
    /// file, the kinds whose target a flag names are the ones that run.
    fn names_target(flags: &Self::Overrides) -> bool;

    /// Combines the section, the kind's flags and the load flags (flags win) into a
    /// checked plan; `sharded` when the run is one shard of several, whose reports are merged.
    fn plan(
        &self,
        flags: &Self::Overrides,
        load: &LoadOverrides,
        profile: Profile,
        sharded: bool,
    ) -> anyhow::Result<Self::Plan>;
}

/// The one list of the workload kinds the runner drives, in the order they run:
/// each kind's `WorkloadPlan` variant, its key in scenario files and on
/// `--workloads`, its section type (whose `KindSection::Plan` is its plan) and the
/// scenario file's words for it. Hands the list to `$callback!`: `workload_plans!`
/// (here), `config`'s `scenario_kinds!` (the scenario file, the flags) and `cli`'s
/// `scenario_args!` (each kind's `--<kind>-url`) read it, so a new kind is its
/// folder and one line here.
macro_rules! for_each_kind {
    ($callback:ident) => {
        $callback! {
            /// HTTP workloads: one `[http]` table, or several `[[http]]` tables.
            Http http: $crate::workloads::http::section::HttpSection,
            /// Database workloads: one `[db]` table, or several `[[db]]` tables.
            Db db: $crate::workloads::db::section::DbSection,
            /// ML inference workloads: one `[ml]` table, or several `[[ml]]` tables.
            Ml ml: $crate::workloads::ml::section::MlSection,
            /// Cache workloads: one `[cache]` table, or several `[[cache]]` tables.
            Cache cache: $crate::workloads::cache::section::CacheSection,
        }
    };
}
pub(crate) use for_each_kind;

/// Generates [`WorkloadPlan`], its methods (each delegating to the kind's
/// [`KindPlan`]) and [`KINDS`] from [`for_each_kind!`]'s list.
macro_rules! workload_plans {
    ($($(#[$doc:meta])* $variant:ident $key:ident: $section:ty,)*) => {
        /// A resolved workload, ready to run.
        #[derive(Debug, Clone)]
        pub enum WorkloadPlan {
            $($variant(<$section as KindSection>::Plan),)*
        }

        /// The workload kinds, as scenario files, `--workloads` and reports name them.
        pub const KINDS: &[&str] = &[$(kind_of::<<$section as KindSection>::Plan>()),*];

        $(
            impl From<<$section as KindSection>::Plan> for WorkloadPlan {
                fn from(plan: <$section as KindSection>::Plan) -> Self {
                    WorkloadPlan::$variant(plan)
                }
            }
        )*

        impl WorkloadPlan {
            /// The kind, as the report names it.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(WorkloadPlan::$variant(_) => kind_of::<<$section as KindSection>::Plan>(),)*
                }
            }

            /// The kind's words and defaults (shared's `KindInfo`).
            pub fn info(&self) -> &'static KindInfo {
                match self {
                    $(WorkloadPlan::$variant(_) => &<<$section as KindSection>::Plan as KindPlan>::Part::INFO,)*
                }
            }

            /// The workload's name in the report.
            pub fn name(&self) -> &str {
                match self {
                    $(WorkloadPlan::$variant(plan) => plan.name(),)*
                }
            }

            /// The workload's load plan.
            pub fn load(&self) -> &LoadPlan {
                match self {
                    $(WorkloadPlan::$variant(plan) => plan.load(),)*
                }
            }

            /// The workload's load plan, to change (a shard's share, its trials).
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

            /// Whether `run --capacity` searches its capacity (see [`KindPlan::searches_capacity`]).
            pub fn searches_capacity(&self) -> bool {
                match self {
                    $(WorkloadPlan::$variant(plan) => plan.searches_capacity(),)*
                }
            }

            /// The plan one capacity probe runs (see [`KindPlan::probe`]).
            pub fn probe(&self, load: LoadPlan) -> WorkloadPlan {
                match self {
                    $(WorkloadPlan::$variant(plan) => WorkloadPlan::$variant(plan.probe(load)),)*
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

for_each_kind!(workload_plans);

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

/// The most connections an embedded target's listener holds waiting to be
/// accepted: Linux's default `somaxconn`. `TcpListener::bind` keeps 1,024, which an
/// overloading probe's connections overflowed (80,914 overflows and 56,274 SYNs
/// sent again in four probes of the inference server at 50,000 req/s): each
/// dropped connection waits a second to try again, and the target seemed to serve
/// nothing at all.
const LISTEN_BACKLOG: u32 = 4096;

/// A listener for an embedded target on a loopback `port` (0: any free one).
pub async fn listen_on_loopback(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    // As `TcpListener::bind` does: a port just released can be bound again.
    socket.set_reuseaddr(true)?;
    socket.bind((std::net::Ipv4Addr::LOCALHOST, port).into())?;
    socket.listen(LISTEN_BACKLOG)
}
