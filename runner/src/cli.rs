//! Command-line interface definitions. Parsing only: behaviour lives in [`crate::commands`].
//!
//! The doc comments here are clap's help text, written for a terminal (`[http]` is a
//! scenario table, `<label>` a placeholder), not rustdoc's Markdown.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::workloads::{for_each_kind, KindSection};

/// Measure a service before and after an optimization, and prove the difference.
///
/// Exit codes: 0 success; 1 error (the message says what and where; for `run`,
/// also a workload that could not start, the others' report still written); 2 invalid
/// arguments; 3 `compare`: targets missed; 4 `compare`: a metric regressed; 5 both;
/// 6 `history`: alerts; 130 interrupted (the report of what was measured is still written;
/// `monitor` ends with 0 when stopped by a signal, after writing its last cycle).
#[derive(Debug, Parser)]
#[command(name = "perfproof", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run workloads and write one JSON report.
    ///
    /// Runs every workload the scenario file names (or those picked with
    /// --workloads), one after another. With no URL (flag or scenario file), the
    /// embedded demo HTTP service is started on a loopback port and measured. Flags
    /// override the scenario file; the load flags apply to every workload that runs.
    Run(Box<RunArgs>),
    /// Run the embedded demo in its baseline and optimized profiles, then compare them.
    Demo(DemoArgs),
    /// Compare a baseline and an optimized report: verdicts, targets, grade, cost, ROI.
    ///
    /// Exit codes: 0 targets hold and nothing regressed; 3 targets missed; 4 a metric
    /// regressed; 5 both.
    Compare(CompareArgs),
    /// Merge the shards of a distributed run (or repeated trials) into one report, exactly.
    Merge(MergeArgs),
    /// Trends over many reports: per-metric slope with its interval, and alerts.
    ///
    /// Exit codes: 0 no alert; 6 alerts (a target newly missed, or a run worse than
    /// the median of the previous ones).
    History(HistoryArgs),
    /// Watch services: light probes every interval, alerts against a baseline and the
    /// targets, `/metrics` for Prometheus, a history folder of reports.
    ///
    /// Each cycle runs the scenario's workloads at the probe's load (open model, a low
    /// rate), writes its report into the history folder, compares it with the baseline
    /// (`--baseline`, or the first cycles merged) and grades it against the targets.
    /// An alert fires when a workload regresses or a target misses for K cycles in a
    /// row, and resolves after K healthy ones; alerts are printed, appended to
    /// alerts.jsonl and POSTed to the webhook. Runs until Ctrl-C or SIGTERM.
    Monitor(Box<MonitorArgs>),
    /// List every metric of a report, with its key, value and unit, and grade the run against the targets.
    Metrics(MetricsArgs),
    /// Print a report's summary as `run` printed it at its end: every workload with
    /// its parts, the lines on each, then each kind's own table (the pool, the batch
    /// sizes, the cache). The page's report card shows the same.
    Summary(SummaryArgs),
    /// Open reports in the web page, served from this binary on a loopback port.
    ///
    /// Serves the page (built into perfproof) and the reports named (files, or
    /// folders of reports such as demo's results/demo) until Ctrl-C; prints the
    /// address, which opens with the reports loaded, and opens a browser when one is
    /// at hand and stdout is a terminal.
    View(ViewArgs),
    /// Serve the embedded demo HTTP service on a loopback port until Ctrl-C.
    Serve(ServeArgs),
    /// Print the JSON Schema of the report format.
    Schema,
}

/// Generates [`ScenarioArgs`] from the kinds' list (`for_each_kind!`): each kind's
/// service flag, as its `KindSection::URL_FLAG` names it, in a field named as the kind.
macro_rules! scenario_args {
    ($($(#[$doc:meta])* $variant:ident $key:ident: $section:ty,)*) => {
        /// The scenario a command measures: the file, which of its workloads, and the
        /// services they measure, named on the command line or in the environment (each
        /// overrides its section's URL in the file). `run` and `monitor` take the same flags.
        #[derive(Debug, Args)]
        pub struct ScenarioArgs {
            /// Scenario file (TOML): one section per workload ([http], [[http]], [db], [[db]]), each with its [<workload>.load] table; `monitor` also reads an optional [monitor] table (rate, probe, every).
            #[arg(long, short = 'f')]
            pub config: Option<PathBuf>,
            /// Only these workload kinds (comma-separated: http, db, ml, cache). [default: every one the file names]
            #[arg(long, value_delimiter = ',')]
            pub workloads: Option<Vec<String>>,
            $(
                #[arg(
                    long = <$section as KindSection>::URL_FLAG.long,
                    env = <$section as KindSection>::URL_FLAG.env,
                    help = <$section as KindSection>::URL_FLAG.help,
                    value_name = "URL",
                    hide_env_values = true
                )]
                pub $key: Option<String>,
            )*
        }
    };
}

for_each_kind!(scenario_args);

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// HTTP method, when no scenario file lists endpoints. [default: GET]
    #[arg(long)]
    pub method: Option<String>,
    /// Closed model: concurrent virtual users. [default: 16]
    #[arg(long, short = 'c', value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub users: Option<u32>,
    /// Closed model: pause of each user between a response and its next request.
    #[arg(long, value_parser = parse_duration)]
    pub think_time: Option<Duration>,
    /// Open model: arrival rate in requests per second (latency counted from each scheduled send).
    #[arg(long, short = 'r')]
    pub rate: Option<f64>,
    /// Open model: most requests in flight at once. [default: 10000]
    #[arg(long)]
    pub max_in_flight: Option<u32>,
    /// How long to measure, e.g. 10s, 500ms, 2m. [default: 10s]
    #[arg(long, short = 'd', value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Warm-up before measuring; its requests are excluded from the results. [default: 0s]
    #[arg(long, short = 'w', value_parser = parse_duration)]
    pub warmup: Option<Duration>,
    /// Stop each workload after this many measured operations (HTTP: requests).
    #[arg(long, short = 'n', alias = "requests")]
    pub operations: Option<u64>,
    /// Run as shard I of N of a distributed run (e.g. `--shard 2/10`): this runner
    /// offers 1/N of the load; `perfproof merge` combines the shards' reports exactly.
    #[arg(long, value_parser = parse_shard, conflicts_with = "shards")]
    pub shard: Option<(u32, u32)>,
    /// Run as one of N shards, the index read from `JOB_COMPLETION_INDEX` (what a
    /// Kubernetes Indexed Job sets).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub shards: Option<u32>,
    /// The run group every shard of one distributed run shares. [default: derived from --label and --start-at]
    #[arg(long, env = "PERFPROOF_RUN_GROUP")]
    pub run_group: Option<String>,
    /// Start the load at this time (RFC 3339, e.g. 2026-11-29T15:30:00Z), so that shards start together.
    #[arg(long, value_parser = parse_time)]
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Split each workload's measured time into this many trials, one after another,
    /// each with its own warm-up and connections, into one report (trials kept apart
    /// in it): `compare` then judges by the variance between trials, which sees the
    /// drift between runs. 1 measures one stretch. [default: 5 trials of at least
    /// 1 s each, fewer in a shorter run; 1 for a ramp or a sweep of pool sizes or capacities]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub trials: Option<u32>,
    /// After measuring each workload, search its capacity: the highest open-model
    /// arrival rate at which its SLO holds (its tier's latency target, errors under
    /// 1 %, 95 % of the offered rate achieved), to 5 %. A `[<kind>.capacity]` table
    /// in the scenario file asks for one workload's search and changes its SLO
    /// (`[cache.capacity_search]` for a cache, whose `capacity` is its size).
    /// Inference searches at its headline batch size. Not beside a sweep.
    #[arg(long)]
    pub capacity: bool,
    /// Targets file (TOML), as `compare` reads it: a capacity search holds each
    /// workload to the latency a `<` rule sets for it (`http.*.latency.p95 < 150 ms`;
    /// of several, the one on its tier's percentile), unless its `capacity` table
    /// sets `percentile` or `latency`.
    #[arg(long, short = 't')]
    pub targets: Option<PathBuf>,
    /// Closed model: load threads (each a single-threaded runtime with its share of the users).
    /// [default: one per core; half of them when the target runs on this machine]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Per-request timeout, from send to last body byte. [default: 10s]
    #[arg(long, value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Largest response body read, in bytes; a longer body counts as a body error. [default: 16 MiB]
    #[arg(long)]
    pub max_body: Option<u64>,
    /// HTTP version: auto (HTTP/1.1, or HTTP/2 when TLS negotiates it), http1, http2 (prior knowledge). [default: auto]
    #[arg(long, value_parser = ["auto", "http1", "http2"])]
    pub http_version: Option<String>,
    /// Accept invalid TLS certificates (self-signed test services).
    #[arg(long)]
    pub insecure: bool,
    /// Profile of the embedded targets (demo HTTP service, SQLite database) used when none is named.
    #[arg(long, value_parser = ["baseline", "optimized"], default_value = "baseline")]
    pub demo_profile: String,
    /// Name of the HTTP scenario in the report. [default: api, or demo for the embedded service]
    #[arg(long)]
    pub name: Option<String>,
    /// Label of this run, such as `baseline` or `optimized`. [default: baseline]
    #[arg(long, short = 'l')]
    pub label: Option<String>,
    /// Where to write the report. [default: results/<label>.json]
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Reports, or folders of reports (their other JSON files are skipped), in the order the page lists them.
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Address to serve on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Print the address only; do not open a browser.
    #[arg(long)]
    pub no_open: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, short = 'p', default_value_t = 8080)]
    pub port: u16,
    /// Profile of the demo service.
    #[arg(long, value_parser = ["baseline", "optimized"], default_value = "baseline")]
    pub profile: String,
}

fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let parsed = s.split_once('/').and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((index, count)) if index < count => Ok((index, count)),
        _ => Err(format!("`{s}` is not a shard like 0/4 (index from 0 to count − 1, then the count)")),
    }
}

fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .map_err(|e| format!("`{s}` is not an RFC 3339 time like 2026-11-29T15:30:00Z: {e}"))
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::config::load::parse_duration(s).map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
pub struct AnalysisArgs {
    /// Targets file (TOML) replacing the default targets.
    #[arg(long, short = 't')]
    pub targets: Option<PathBuf>,
    /// Cost model inputs (TOML: [pricing], [traffic], [fan_out], engineering_cost_usd) replacing the defaults.
    #[arg(long)]
    pub cost: Option<PathBuf>,
    /// Practical threshold of a verdict, in percent of relative change (for error
    /// rates and other proportions: percent of the baseline rate).
    #[arg(long, default_value_t = 5.0)]
    pub threshold: f64,
    /// The least practical threshold for error rates and other proportions, in
    /// percentage points (so a baseline of 0 errors does not make one error a regression).
    #[arg(long, default_value_t = 0.1)]
    pub proportion_floor: f64,
    /// Confidence level of the intervals, in percent.
    #[arg(long, default_value_t = 95.0)]
    pub confidence: f64,
    /// Show every metric. By default the table shows each tier's headline metrics
    /// (latency p95, p90 for a database, throughput, error rate, hit rate, pool
    /// efficiency), then every other metric that regressed or is inconclusive.
    #[arg(long)]
    pub all: bool,
    /// Refuse to compare runs that are not comparable (different load, duration,
    /// target, machine, the same run twice, a saturated generator): exit 1 instead of warning.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// From the start of one cycle to the start of the next. [default: 1m, or [monitor] every]
    #[arg(long, value_parser = parse_duration)]
    pub every: Option<Duration>,
    /// How long each workload is probed per cycle. [default: 10s, or [monitor] probe]
    #[arg(long, value_parser = parse_duration)]
    pub probe: Option<Duration>,
    /// Probe load: each workload's arrival rate per second (open model). [default: 5, or [monitor] rate]
    #[arg(long, short = 'r')]
    pub rate: Option<f64>,
    /// The report cycles are compared with. [default: the first --baseline-cycles cycles, merged]
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Cycles merged into the baseline when no --baseline is given.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub baseline_cycles: u32,
    /// Cycles in a row a regression or a missed target must last to fire an alert (and be gone to resolve it).
    #[arg(long, short = 'k', default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub consecutive: u32,
    /// Targets file (TOML) replacing the default targets (cost targets are left out: a cycle has no cost).
    #[arg(long, short = 't')]
    pub targets: Option<PathBuf>,
    /// Practical threshold of a regression, in percent of relative change.
    #[arg(long, default_value_t = 5.0)]
    pub threshold: f64,
    /// Folder of the cycles' reports, alerts.jsonl, cycles.jsonl and metrics_export.json.
    #[arg(long, default_value = "monitor-history")]
    pub history_dir: PathBuf,
    /// Most cycle reports kept in the history folder (the oldest go first).
    #[arg(long, default_value_t = 1440)]
    pub keep: usize,
    /// Cycle reports older than this are removed from the history folder.
    #[arg(long, default_value = "7days", value_parser = parse_duration)]
    pub max_age: Duration,
    /// Where /metrics (Prometheus text format) and /healthz are served.
    #[arg(long, default_value = "127.0.0.1:9464")]
    pub metrics_addr: SocketAddr,
    /// Do not serve /metrics.
    #[arg(long)]
    pub no_metrics: bool,
    /// POST each alert as JSON to this URL (its secret parts are never shown).
    #[arg(long, env = "PERFPROOF_WEBHOOK_URL", hide_env_values = true)]
    pub webhook: Option<String>,
    /// How often metrics_export.json is refreshed (also at the stop), and the window it covers.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    pub export_every: Duration,
    /// Stop after this many cycles. [default: until Ctrl-C or SIGTERM]
    #[arg(long)]
    pub cycles: Option<u64>,
    /// Profile of the embedded targets, when none is named.
    #[arg(long, value_parser = ["baseline", "optimized"], default_value = "baseline")]
    pub demo_profile: String,
    /// Print alerts only.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The report before the change.
    pub baseline: PathBuf,
    /// The report after the change.
    pub optimized: PathBuf,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Print the analysis as JSON instead of tables.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the analysis as Markdown (CI job summary, PR comment).
    #[arg(long)]
    pub markdown: bool,
    /// Also write JUnit XML to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Also write per-area comparison files and validation_summary.txt into this directory.
    #[arg(long)]
    pub results_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// The report.
    pub report: PathBuf,
    /// Targets file (TOML) replacing the default targets.
    #[arg(long, short = 't')]
    pub targets: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// The report.
    pub report: PathBuf,
    /// Print the summary's tables and lines as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Measured time of each workload of each profile, split into trials.
    #[arg(long, short = 'd', default_value = "6s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Warm-up of each trial and of each capacity probe (the embedded targets,
    /// loopback and in-process, settle within it: a few hundred operations of the
    /// slowest; 500ms adds about 35 s to the demo and a warmer cache).
    #[arg(long, short = 'w', default_value = "250ms", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Trials the measured time is split into: verdicts rest on the variance
    /// between trials. [default: as `run`, 5 of at least 1 s]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub trials: Option<u32>,
    /// Virtual users.
    #[arg(long, short = 'c', default_value_t = 16)]
    pub users: u32,
    /// Where the two reports and the comparison files go.
    #[arg(long, default_value = "results/demo")]
    pub results_dir: PathBuf,
    /// Skip the capacity searches: each workload of each profile is searched after
    /// it is measured (probes of 1 s, to 10 %), about half of the demo's 3 minutes.
    #[arg(long)]
    pub no_capacity: bool,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The reports to merge (shards of one run, or trials); a folder stands for its .json files.
    #[arg(required = true, num_args = 1..)]
    pub reports: Vec<PathBuf>,
    /// Where to write the merged report.
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// The reports are trials run one after another (default: shards run at the same time).
    #[arg(long)]
    pub trials: bool,
    /// Merge the shards at hand even when some of the run's shards are missing (the report says which).
    #[arg(long)]
    pub allow_missing: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Reports of the same workload over time (any order: sorted by start time).
    #[arg(required = true, num_args = 2..)]
    pub reports: Vec<PathBuf>,
    /// Targets file (TOML) replacing the default targets.
    #[arg(long, short = 't')]
    pub targets: Option<PathBuf>,
    /// Alert when the newest run is worse than the median of the previous runs by this much, in percent.
    #[arg(long, default_value_t = 10.0)]
    pub threshold: f64,
    /// How many previous runs form the rolling baseline.
    #[arg(long, default_value_t = 5)]
    pub window: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
