//! The one layer that turns flags + scenario file + defaults into what runs:
//! here the whole file and the flags; the load table every section shares in
//! [`load`]; secrets in [`secrets`].
//!
//! Architecture invariant: [`secrets`] is the one place secrets are handled. Values
//! expanded from `${VAR}` and credentials in URLs stay inside plans; everything that
//! may be shown (report, log, progress) is built from the unexpanded template with
//! credentials removed.
//!
//! `cli` holds clap's definitions only; here its values become [`Flags`] (plain
//! values that `demo` and the tests build too), meet the scenario file, and become
//! [`RunSettings`]: the label, the output path and one plan per workload. Each
//! default is written once, next to the section it belongs to. Workloads and
//! embedded targets take their plan and know nothing of flags or files.
//!
//! Flags and several workloads: the load flags (`--users`, `--rate`, `-d`, `-w`,
//! `-n`, `--think-time`, `--max-in-flight`, `--threads`) override the load table of
//! *every* workload that runs; the HTTP flags (`--url`, `--method`, `--timeout`, ...)
//! apply to every HTTP workload, `--db-url` to every database workload, `--ml-url`
//! to every ML inference workload, and
//! `--demo-profile` to every embedded target.

pub mod capacity;
pub mod load;
pub mod secrets;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use load::LoadOverrides;
use perfproof_shared::targets::{parse_targets, Target};

use crate::cli::{MonitorArgs, RunArgs, ScenarioArgs};
use crate::workloads::http::section::HttpOverrides;
use crate::workloads::http::HttpVersion;
use crate::workloads::profile::Profile;
use crate::workloads::{for_each_kind, kind_of, KindSection, WorkloadPlan, KINDS};

/// Label of a run when neither the file nor a flag names one.
pub const DEFAULT_LABEL: &str = "baseline";

/// The `[monitor]` table: the probe's load and the cycles' rhythm (flags win).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSection {
    /// Each workload's arrival rate per second during a probe (open model).
    pub rate: Option<f64>,
    /// How long each workload is probed per cycle.
    pub probe: Option<String>,
    /// From the start of one cycle to the start of the next.
    pub every: Option<String>,
}

/// A probe's rate when neither flag nor file says: light, so production is not stressed.
pub const DEFAULT_MONITOR_RATE: f64 = 5.0;
/// A probe's length when neither flag nor file says.
pub const DEFAULT_PROBE: Duration = Duration::from_secs(10);
/// A cycle's length when neither flag nor file says.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(60);

/// One monitoring cycle's run settings, and the time from one cycle's start to the next.
pub fn monitor_run(args: &MonitorArgs) -> anyhow::Result<(RunSettings, Duration)> {
    let file = scenario_file(&args.scenario)?;
    let section = file.monitor.clone().unwrap_or_default();
    // A flag wins over the file.
    let duration = |flag: Option<Duration>, text: &Option<String>, field: &str, default: Duration| match flag {
        Some(d) => Ok(d),
        None => load::positive_duration(text.as_deref(), field, default),
    };
    let probe = duration(args.probe, &section.probe, "monitor.probe", DEFAULT_PROBE)?;
    let every = duration(args.every, &section.every, "monitor.every", DEFAULT_EVERY)?;
    if probe.is_zero() || every.is_zero() {
        bail!("the probe and the interval between cycles must be longer than zero");
    }
    let rate = args.rate.or(section.rate).unwrap_or(DEFAULT_MONITOR_RATE);
    if !(rate.is_finite() && rate > 0.0) {
        bail!("the probe's rate must be a positive number per second, not {rate}");
    }
    let flags = Flags {
        label: Some("monitor".into()),
        quiet: true,
        // A probe is one short stretch; the cycles are the monitor's repetitions.
        trials: Some(1),
        load: LoadOverrides {
            rate: Some(rate),
            duration: Some(probe),
            warmup: Some(Duration::ZERO),
            ..LoadOverrides::default()
        },
        demo_profile: Profile::from_label(&args.demo_profile).unwrap_or_default(),
        ..Flags::of_scenario(&args.scenario)
    };
    let mut settings = resolve(file, &flags)?;
    let swept = settings.workloads.iter().find(|w| w.is_sweep());
    if let Some(w) = swept {
        bail!("{} `{}`: a sweep cannot be monitored; a cycle probes one configuration", w.kind(), w.name());
    }
    for w in &mut settings.workloads {
        if let Some(asked) = w.load_mut().capacity.take() {
            eprintln!(
                "perfproof monitor: {} `{}`: its {} search is not run: each cycle probes one rate",
                w.kind(),
                w.name(),
                asked.asked_by
            );
        }
    }
    Ok((settings, every))
}

/// One table or an array of tables, read without buffering so that errors keep
/// their line and column.
#[derive(Debug)]
pub struct Sections<T>(pub Vec<T>);

impl<T> Default for Sections<T> {
    fn default() -> Self {
        Sections(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sections<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrMany<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrMany<T> {
            type Value = Sections<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table or an array of tables")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|one| Sections(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Sections)
            }
        }
        deserializer.deserialize_any(OneOrMany(std::marker::PhantomData))
    }
}

/// Reads a scenario file; errors name the file, the field and the line.
pub fn read_scenario(path: &Path) -> anyhow::Result<ScenarioFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading scenario file {}", path.display()))?;
    parse_scenario(&text).map_err(|e| anyhow!("{}: {e:#}", path.display()))
}

/// Parses a scenario file's text.
pub fn parse_scenario(text: &str) -> anyhow::Result<ScenarioFile> {
    Ok(toml::from_str(text)?)
}

/// Generates, from [`for_each_kind!`]'s list of the kinds: [`ScenarioFile`] (a field
/// of sections per kind), [`Flags`] (a field of its own flags per kind) and
/// `kind_sections` (each kind's share of [`resolve`], in the kinds' order).
macro_rules! scenario_kinds {
    ($($(#[$doc:meta])* $variant:ident $key:ident: $section:ty,)*) => {
        /// A scenario file, as written. See `examples/scenario.toml`.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ScenarioFile {
            /// Run label (`baseline`, `optimized`, ...).
            pub label: Option<String>,
            /// Trials each workload's measured time is split into, one after
            /// another (default: up to 5 of at least a second each).
            pub trials: Option<u32>,
            $(
                $(#[$doc])*
                #[serde(default)]
                pub $key: Sections<$section>,
            )*
            /// `perfproof monitor`'s probe load and rhythm.
            pub monitor: Option<MonitorSection>,
        }

        /// Values given on the command line (or by `demo` and the tests); `None`
        /// leaves the file's or the default.
        #[derive(Debug, Default, Clone, PartialEq)]
        pub struct Flags {
            pub label: Option<String>,
            pub output: Option<PathBuf>,
            pub quiet: bool,
            /// Run only these workload kinds.
            pub workloads: Option<Vec<String>>,
            /// Trials each workload's measured time is split into (at least 1;
            /// `None`: the file's, or [`default_trials`]).
            pub trials: Option<u32>,
            /// This runner's place in a distributed run.
            pub shard: Option<ShardFlags>,
            /// Search every workload's capacity after measuring it, so (`--capacity`:
            /// the defaults; `demo`: its quicker search).
            pub capacity: Option<capacity::CapacitySection>,
            /// The targets file's rules (`--targets`): a capacity search holds the
            /// workload's latency to the bound they set for it.
            pub targets: Vec<Target>,
            pub load: LoadOverrides,
            $(
                /// The kind's own flags.
                pub $key: <$section as KindSection>::Overrides,
            )*
            /// Profile of the embedded targets.
            pub demo_profile: Profile,
        }

        impl Flags {
            /// The flags `run` and `monitor` share: which workloads, and each kind's service URL.
            fn of_scenario(args: &ScenarioArgs) -> Flags {
                Flags {
                    workloads: args.workloads.clone(),
                    $($key: <$section as KindSection>::url_overrides(args.$key.clone()),)*
                    ..Flags::default()
                }
            }
        }

        /// Each kind's share of [`resolve`], in the kinds' order, its sections taken from `file`.
        fn kind_sections<'a>(file: &mut ScenarioFile, flags: &'a Flags, sharded: bool) -> Vec<KindSections<'a>> {
            vec![$(KindSections::of(std::mem::take(&mut file.$key.0), &flags.$key, flags, sharded),)*]
        }
    };
}

for_each_kind!(scenario_kinds);

impl TryFrom<&RunArgs> for Flags {
    type Error = anyhow::Error;

    fn try_from(args: &RunArgs) -> anyhow::Result<Self> {
        let http_version = match &args.http_version {
            Some(name) => Some(HttpVersion::from_name(name).ok_or_else(|| anyhow!("--http-version {name}"))?),
            None => None,
        };
        let demo_profile = Profile::from_label(&args.demo_profile)
            .ok_or_else(|| anyhow!("--demo-profile: no profile `{}`", args.demo_profile))?;
        let shard = match (args.shard, args.shards) {
            (Some((index, count)), _) => Some((index, count)),
            (None, Some(count)) => {
                let raw = std::env::var("JOB_COMPLETION_INDEX").map_err(|_| {
                    anyhow!("--shards {count}: JOB_COMPLETION_INDEX is not set (use --shard I/{count})")
                })?;
                match raw.trim().parse::<u32>() {
                    Ok(index) if index < count => Some((index, count)),
                    _ => {
                        bail!("--shards {count}: JOB_COMPLETION_INDEX is `{raw}`, not an index from 0 to {}", count - 1)
                    }
                }
            }
            (None, None) => None,
        };
        let shard = shard.map(|(index, count)| ShardFlags {
            index,
            count,
            group: args.run_group.clone(),
            start_at: args.start_at,
        });
        let scenario = Flags::of_scenario(&args.scenario);
        Ok(Flags {
            label: args.label.clone(),
            output: args.output.clone(),
            quiet: args.quiet,
            trials: args.trials,
            capacity: args.capacity.then(capacity::CapacitySection::default),
            targets: args.targets.as_deref().map(read_targets).transpose()?.unwrap_or_default(),
            shard,
            load: LoadOverrides {
                users: args.users,
                think_time: args.think_time,
                rate: args.rate,
                max_in_flight: args.max_in_flight,
                duration: args.duration,
                warmup: args.warmup,
                max_operations: args.operations,
                threads: args.threads.map(usize::from),
            },
            http: HttpOverrides {
                method: args.method.clone(),
                name: args.name.clone(),
                timeout: args.timeout,
                max_body: args.max_body,
                http_version,
                insecure: args.insecure,
                ..scenario.http.clone()
            },
            demo_profile,
            ..scenario
        })
    }
}

/// One kind's share of [`resolve`]: its name, how many sections the file has, whether
/// a flag names its target, and how its plans are made (given whether it runs with
/// its default section when the file has none).
struct KindSections<'a> {
    kind: &'static str,
    sections: usize,
    named: bool,
    plans: Box<dyn FnOnce(bool) -> anyhow::Result<Vec<WorkloadPlan>> + 'a>,
}

impl<'a> KindSections<'a> {
    fn of<S: KindSection + 'a>(
        mut sections: Vec<S>,
        overrides: &'a S::Overrides,
        flags: &'a Flags,
        sharded: bool,
    ) -> Self {
        let kind = kind_of::<S::Plan>();
        let (count, named) = (sections.len(), S::names_target(overrides));
        let plans = move |defaults: bool| {
            if sections.is_empty() && defaults {
                // No section: the embedded target, or the one the kind's URL flag names.
                sections.push(S::default());
            }
            let count = sections.len();
            sections
                .iter()
                .enumerate()
                .map(|(i, section)| {
                    let in_section = || match count {
                        1 => format!("in the [{kind}] section"),
                        _ => format!("in [[{kind}]] number {}", i + 1),
                    };
                    let plan = section.plan(overrides, &flags.load, flags.demo_profile, sharded);
                    plan.map(Into::into).with_context(in_section)
                })
                .collect()
        };
        KindSections { kind, sections: count, named, plans: Box::new(plans) }
    }
}

/// A distributed run's shard, as given: `--shard I/N`, or `--shards N` with the
/// index from `JOB_COMPLETION_INDEX`; the run group; the agreed start.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardFlags {
    pub index: u32,
    pub count: u32,
    pub group: Option<String>,
    pub start_at: Option<DateTime<Utc>>,
}

/// This runner's shard, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
    pub group: String,
    pub start_at: Option<DateTime<Utc>>,
}

/// Trials a workload's measured time is split into when neither the file nor a flag says.
pub const DEFAULT_TRIALS: u32 = 5;

/// The shortest trial the default split makes: shorter runs get fewer trials.
pub const DEFAULT_TRIAL_LEAST: Duration = Duration::from_secs(1);

/// The trials of a workload when neither the file nor a flag says: its measured
/// time in [`DEFAULT_TRIALS`] trials of at least [`DEFAULT_TRIAL_LEAST`] (fewer in a
/// shorter run), so that verdicts rest on the spread between trials, which sees the
/// drift between runs that the windows of one run cannot (ARCHITECTURE.md, "One
/// run, several trials"). A sweep of pool sizes or capacities and a ramp run as one.
pub fn default_trials(plan: &WorkloadPlan) -> u32 {
    let load = plan.load();
    if plan.is_sweep() || !load.stages.is_empty() {
        return 1;
    }
    let fit = load.duration.as_secs_f64() / DEFAULT_TRIAL_LEAST.as_secs_f64();
    (fit.floor() as u32).clamp(1, DEFAULT_TRIALS)
}

/// The workload's capacity search: its section's `capacity` table, or with
/// `--capacity` the `flag`'s settings and the kind's SLO; either holds the latency
/// `targets` set for the workload unless the table set its own. A sweep has no one load to
/// search from, and a shard only part of it: both are refused when a table asks,
/// and skipped by the flag.
fn plan_capacity(
    plan: &mut WorkloadPlan,
    flag: Option<&capacity::CapacitySection>,
    targets: &[Target],
    sharded: bool,
) -> anyhow::Result<()> {
    let (kind, name) = (plan.kind(), plan.name().to_string());
    if let Some(asked) = plan.load().capacity.as_ref().filter(|_| plan.is_sweep() || sharded) {
        let why = if sharded { "a shard offers only part of the load" } else { "a sweep has no one load" };
        bail!("{kind} `{name}`: a capacity search runs on its own ({why}); drop {} or run it alone", asked.asked_by);
    }
    if let Some(flag) = flag {
        if plan.load().capacity.is_none() && !plan.is_sweep() && !sharded && plan.searches_capacity() {
            let mut capacity = capacity::capacity_plan(flag, plan.info(), kind)?;
            capacity.asked_by = "--capacity".into();
            plan.load_mut().capacity = Some(capacity);
        }
    }
    let info = plan.info();
    if let Some(capacity) = &mut plan.load_mut().capacity {
        capacity
            .follow_targets(targets, info, &name)
            .map_err(|e| anyhow!("{kind} `{name}`: the capacity search's latency from --targets: {e}"))?;
    }
    Ok(())
}

/// Everything a `run` needs, resolved and checked before any load is offered.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub label: String,
    pub output: PathBuf,
    pub quiet: bool,
    /// This runner's shard of a distributed run; its plans are already its share.
    pub shard: Option<Shard>,
    /// Run one after another, in this order.
    pub workloads: Vec<WorkloadPlan>,
}

/// Reads a targets file; errors name it.
pub fn read_targets(path: &Path) -> anyhow::Result<Vec<Target>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_targets(&text).with_context(|| format!("{}", path.display()))
}

/// The scenario file the command line names, or an empty one.
fn scenario_file(args: &ScenarioArgs) -> anyhow::Result<ScenarioFile> {
    args.config.as_deref().map_or_else(|| Ok(ScenarioFile::default()), read_scenario)
}

/// Resolves the command line and the scenario file it names.
pub fn from_args(args: &RunArgs) -> anyhow::Result<RunSettings> {
    let file = scenario_file(&args.scenario)?;
    resolve(file, &Flags::try_from(args)?)
}

/// Combines a scenario file and the flags (flags win) into run settings.
///
/// Which workloads run: `--workloads` when given (a picked kind with no section
/// runs with its defaults: its embedded target); else every section the file has;
/// else the kinds whose target a flag names (`--url`, `--db-url`, `--ml-url`,
/// `--cache-url`); else
/// every workload kind, each against its embedded target.
pub fn resolve(mut file: ScenarioFile, flags: &Flags) -> anyhow::Result<RunSettings> {
    if let Some(kinds) = &flags.workloads {
        if let Some(unknown) = kinds.iter().find(|k| !KINDS.contains(&k.as_str())) {
            bail!("--workloads: no workload kind `{unknown}` (known: {})", KINDS.join(", "));
        }
    }
    // Shards are merged, and a sweep of batch sizes is not measured at once.
    let kinds = kind_sections(&mut file, flags, flags.shard.is_some());
    // With no --workloads, a file's sections are what runs; with no section at all,
    // the kinds whose target a flag names (`--url`, `--db-url`, `--ml-url`,
    // `--cache-url`), or every kind when none is named. A kind picked with
    // --workloads that the file lacks runs with its defaults.
    let file_has_sections = kinds.iter().any(|k| k.sections > 0);
    let any_named = kinds.iter().any(|k| k.named);
    let mut workloads = Vec::new();
    for kind in kinds {
        if flags.workloads.as_ref().is_some_and(|picked| !picked.iter().any(|k| k == kind.kind)) {
            continue;
        }
        let defaults = flags.workloads.is_some() || (!file_has_sections && (!any_named || kind.named));
        workloads.extend((kind.plans)(defaults)?);
    }
    if workloads.is_empty() {
        bail!("nothing to run: the scenario file has no section for the workloads picked with --workloads");
    }
    for (i, w) in workloads.iter().enumerate() {
        if workloads[..i].iter().any(|o| o.kind() == w.kind() && o.name() == w.name()) {
            bail!("two {} workloads are named `{}`: give each a name of its own", w.kind(), w.name());
        }
    }
    let label = flags.label.clone().or(file.label).unwrap_or_else(|| DEFAULT_LABEL.into());
    let shard = match &flags.shard {
        None => None,
        Some(s) => {
            let group = match (&s.group, s.start_at) {
                (Some(group), _) => group.clone(),
                (None, Some(at)) => format!("{label}@{}", at.to_rfc3339()),
                (None, None) => bail!(
                    "shard {}/{}: give --run-group (or --start-at) so that the shards' reports can be merged",
                    s.index,
                    s.count
                ),
            };
            for plan in &mut workloads {
                let (kind, name) = (plan.kind(), plan.name().to_string());
                plan.load_mut().shard(s.index, s.count).map_err(|e| anyhow!("{kind} `{name}`: {e}"))?;
            }
            Some(Shard { index: s.index, count: s.count, group, start_at: s.start_at })
        }
    };
    let asked = match flags.trials.or(file.trials) {
        Some(0) => bail!("trials must be at least 1"),
        asked => asked,
    };
    for plan in &mut workloads {
        if plan.is_sweep() && (asked.is_some_and(|t| t > 1) || shard.is_some()) {
            bail!(
                "{} `{}`: a sweep runs as one run; repeat it with separate runs rather than trials or shards",
                plan.kind(),
                plan.name()
            );
        }
        let trials = asked.unwrap_or_else(|| default_trials(plan));
        let (kind, name) = (plan.kind(), plan.name().to_string());
        plan.load_mut().split_into_trials(trials).map_err(|e| anyhow!("{kind} `{name}`: {e}"))?;
        plan_capacity(plan, flags.capacity.as_ref(), &flags.targets, shard.is_some())?;
    }
    Ok(RunSettings {
        output: flags.output.clone().unwrap_or_else(|| format!("results/{label}.json").into()),
        label,
        quiet: flags.quiet,
        shard,
        workloads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::db::section::DbSection;

    fn kinds(text: &str, flags: &Flags) -> Vec<(String, String)> {
        let settings = resolve(parse_scenario(text).unwrap(), flags).unwrap();
        settings.workloads.iter().map(|w| (w.kind().to_string(), w.name().to_string())).collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|&(k, n)| (k.to_string(), n.to_string())).collect()
    }

    #[test]
    fn which_workloads_run() {
        let none = Flags::default();
        // No file, no flag: every kind against its embedded target, in the kinds' order.
        let every: Vec<String> = kinds("", &none).into_iter().map(|(kind, _)| kind).collect();
        assert_eq!(every, KINDS);
        // A flag naming a kind's target picks that kind alone.
        let db_url = Flags { db: DbSection::url_overrides(Some("sqlite::memory:".into())), ..Flags::default() };
        assert_eq!(kinds("", &db_url).len(), 1);
        assert_eq!(kinds("", &db_url)[0].0, "db");
        // A file's sections are what runs, and --workloads picks among them or adds a kind's defaults.
        let file = "[[http]]\nname = \"a\"\n\n[[http]]\nname = \"b\"\n\n[cache]\nname = \"c\"\n";
        assert_eq!(kinds(file, &none), pairs(&[("http", "a"), ("http", "b"), ("cache", "c")]));
        let picked = Flags { workloads: Some(vec!["cache".into(), "ml".into()]), ..Flags::default() };
        let chosen = kinds(file, &picked);
        assert_eq!(chosen.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["ml", "cache"]);
    }

    #[test]
    fn a_targets_file_sets_the_latency_a_capacity_search_holds_unless_its_table_does() {
        let targets = parse_targets("[[target]]\nmetric = \"http.*.latency.p99\"\nrule = \"< 300 ms\"\n").unwrap();
        let flags = Flags {
            capacity: Some(capacity::CapacitySection::default()),
            targets,
            workloads: Some(vec!["http".into(), "db".into()]),
            ..Flags::default()
        };
        let slos = |text: &str| -> Vec<(String, f64)> {
            let settings = resolve(parse_scenario(text).unwrap(), &flags).unwrap();
            settings
                .workloads
                .iter()
                .map(|w| w.load().capacity.as_ref().map(|c| (c.slo.percentile.clone(), c.slo.latency_ms)).unwrap())
                .collect()
        };
        // --capacity: HTTP held to the file's p99 < 300 ms, the database to its default.
        assert_eq!(slos(""), [("p99".to_string(), 300.0), ("p90".to_string(), 50.0)]);
        // A table that sets the latency keeps it; one that sets only other fields follows the file.
        let table = "[http]\n[http.capacity]\nlatency = \"120ms\"\n\n[db]\n[db.capacity]\nresolution_percent = 10\n";
        assert_eq!(slos(table), [("p95".to_string(), 120.0), ("p90".to_string(), 50.0)]);
        // A bound the SLO cannot use is refused, naming the workload and the file.
        let zero = Flags {
            targets: parse_targets("[[target]]\nmetric = \"http.*.latency.p95\"\nrule = \"< 0 ms\"\n").unwrap(),
            ..flags.clone()
        };
        let err = resolve(parse_scenario("").unwrap(), &zero).unwrap_err().to_string();
        assert!(err.contains("http `demo`: the capacity search's latency from --targets: `latency_ms` is 0"), "{err}");
    }

    #[test]
    fn a_bad_section_is_named_by_its_place() {
        let one = resolve(parse_scenario("[db]\nrows = 0\n").unwrap(), &Flags::default()).unwrap_err();
        assert!(format!("{one:#}").contains("in the [db] section: db.rows must be at least 1"), "{one:#}");
        let second = "[[db]]\nname = \"a\"\n\n[[db]]\nname = \"b\"\nrows = 0\n";
        let err = resolve(parse_scenario(second).unwrap(), &Flags::default()).unwrap_err();
        assert!(format!("{err:#}").contains("in [[db]] number 2: db.rows must be at least 1"), "{err:#}");
    }
}
