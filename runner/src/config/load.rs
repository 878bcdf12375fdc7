//! The load table every workload's section has (`[<workload>.load]`), its
//! resolution with the load flags into a [`LoadPlan`], and the defaults and
//! durations it uses.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;

use crate::load::{LoadPlan, Model, Stage};

/// Closed-model users when neither the file nor a flag says.
pub const DEFAULT_USERS: u32 = 16;
/// Measured time when neither the file nor a flag says.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(10);
/// Open-model in-flight limit when neither the file nor a flag says.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 10_000;

/// A workload's `[<workload>.load]` table, as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSection {
    pub users: Option<u32>,
    pub think_time: Option<String>,
    pub rate: Option<f64>,
    pub max_in_flight: Option<u32>,
    pub duration: Option<String>,
    pub warmup: Option<String>,
    pub max_operations: Option<u64>,
    pub threads: Option<usize>,
    #[serde(default)]
    pub stages: Vec<StageSection>,
}

/// One `[[<workload>.load.stages]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSection {
    pub duration: String,
    pub target: f64,
}

/// Load values given on the command line: they override the load table of every
/// workload that runs.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LoadOverrides {
    pub users: Option<u32>,
    pub think_time: Option<Duration>,
    pub rate: Option<f64>,
    pub max_in_flight: Option<u32>,
    pub duration: Option<Duration>,
    pub warmup: Option<Duration>,
    pub max_operations: Option<u64>,
    pub threads: Option<usize>,
}

/// Resolves a load table and the overrides (which win) into a checked plan.
/// `at` is the table's path in the file (`http.load`), for error messages.
pub fn load_plan(section: &LoadSection, flags: &LoadOverrides, at: &str) -> anyhow::Result<LoadPlan> {
    let duration_of =
        |field: &str, flag: Option<Duration>, file: Option<&String>| -> anyhow::Result<Option<Duration>> {
            match (flag, file) {
                (Some(d), _) => Ok(Some(d)),
                (None, Some(s)) => parse_duration(s).map(Some).with_context(|| format!("{at}.{field}")),
                (None, None) => Ok(None),
            }
        };
    let stages = section
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let duration = parse_duration(&s.duration).with_context(|| format!("{at}.stages[{i}].duration"))?;
            if !(s.target.is_finite() && s.target >= 0.0) {
                bail!("{at}.stages[{i}].target must be a number ≥ 0, not {}", s.target);
            }
            Ok(Stage { duration, target: s.target })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let peak_stage = stages.iter().map(|s| s.target).fold(0.0, f64::max);
    let model = match flags.rate.or(section.rate) {
        Some(rate) => {
            if !(rate.is_finite() && rate > 0.0) {
                bail!("{at}.rate: the arrival rate must be a positive number per second, not {rate}");
            }
            let max_in_flight = flags.max_in_flight.or(section.max_in_flight).unwrap_or(DEFAULT_MAX_IN_FLIGHT);
            if max_in_flight == 0 {
                bail!("{at}.max_in_flight must be at least 1");
            }
            Model::Open { rate: rate.max(peak_stage), max_in_flight }
        }
        None => {
            let users = match flags.users.or(section.users) {
                Some(0) => bail!("{at}.users must be at least 1"),
                Some(users) => users,
                None if !stages.is_empty() => 1,
                None => DEFAULT_USERS,
            };
            let think_time = duration_of("think_time", flags.think_time, section.think_time.as_ref())?;
            Model::Closed { users: users.max(peak_stage.ceil() as u32), think_time: think_time.unwrap_or_default() }
        }
    };
    let stages_total: Duration = stages.iter().map(|s| s.duration).sum();
    let duration = if stages_total.is_zero() {
        duration_of("duration", flags.duration, section.duration.as_ref())?.unwrap_or(DEFAULT_DURATION)
    } else {
        stages_total
    };
    if duration.is_zero() {
        bail!("{at}.duration must be greater than zero");
    }
    let threads = match flags.threads.or(section.threads) {
        Some(0) => bail!("{at}.threads must be at least 1"),
        Some(threads) => threads,
        None => default_threads(),
    };
    Ok(LoadPlan {
        model,
        stages,
        warmup: duration_of("warmup", flags.warmup, section.warmup.as_ref())?.unwrap_or_default(),
        duration,
        max_operations: flags.max_operations.or(section.max_operations),
        trials: 1,
        threads,
        phase: Duration::ZERO,
        capacity: None,
        end_grace: None,
    })
}

/// Load threads when neither the file nor a flag says: one per core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Load threads when neither the file nor a flag says and the target runs on this
/// machine: half the cores, leaving the rest to the target (on 2 cores against nginx,
/// one load thread sends 50 % more than two; bench/http-vs-wrk.sh).
pub fn default_threads_beside_target() -> usize {
    default_threads().div_ceil(2)
}

/// Parses `10s`, `500ms`, `2m`, ...
pub fn parse_duration(s: &str) -> anyhow::Result<Duration> {
    humantime::parse_duration(s).map_err(|e| anyhow!("`{s}` is not a duration like 10s, 500ms or 2m: {e}"))
}

/// A section's duration `field` (its path, `db.statement_timeout`): `default` when
/// the file leaves it out; refused, naming the field, when it is not a duration or is zero.
pub fn positive_duration(text: Option<&str>, field: &str, default: Duration) -> anyhow::Result<Duration> {
    let Some(text) = text else { return Ok(default) };
    let duration = parse_duration(text).with_context(|| field.to_string())?;
    if duration.is_zero() {
        bail!("{field} must be greater than zero");
    }
    Ok(duration)
}
