//! What each subcommand does, from parsed arguments to an [`Exit`]: each reads its
//! inputs, calls the layer that does the work (`config` + `runs` for load,
//! shared's analysis for reports) and hands the result to the output modules.

use std::path::{Path, PathBuf};

use anyhow::Context;
use perfproof_shared::analysis::{analyze, Analysis, AnalysisSettings};
use perfproof_shared::merge::{MergeError, MergeKind, MergeOptions, Merger};
use perfproof_shared::metrics::{catalogue, Direction, MetricValue};
use perfproof_shared::report::json_schema;
use perfproof_shared::targets::{default_targets, evaluate, Target};
use perfproof_shared::trend::{self, TrendSettings};
use perfproof_shared::{parse_report, Report};

use crate::cli::{
    AnalysisArgs, Cli, Command, CompareArgs, DemoArgs, HistoryArgs, MergeArgs, MetricsArgs, MonitorArgs, ServeArgs,
    SummaryArgs, ViewArgs,
};
use crate::compare_output::{self, Detail};
use crate::config::capacity::CapacitySection;
use crate::config::load::LoadOverrides;
use crate::config::{self, Flags, ScenarioFile};
use crate::exit::Exit;
use crate::monitor::{self, webhook::Webhook, Baseline, History, MonitorPlan};
use crate::signals::stop_on_signals;
use crate::workloads::http::demo::DemoServer;
use crate::workloads::profile::Profile;
use crate::{output, runs, view};

/// Runs one parsed command line.
pub async fn execute(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Run(args) => run(config::from_args(&args)?).await,
        Command::View(args) => view(args).await,
        Command::Serve(args) => serve(args).await,
        Command::Demo(args) => demo(args).await,
        Command::Compare(args) => compare(args),
        Command::Metrics(args) => metrics(args),
        Command::Summary(args) => summary(args),
        Command::Merge(args) => merge_reports(args),
        Command::History(args) => history(args),
        Command::Monitor(args) => monitor(*args).await,
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&json_schema())?);
            Ok(Exit::Success)
        }
    }
}

async fn run(settings: config::RunSettings) -> anyhow::Result<Exit> {
    let report = runs::measure(&settings, &stop_on_signals()).await?;
    Ok(if !report.run.complete {
        Exit::Interrupted
    } else if !report.failures.is_empty() {
        Exit::Error
    } else {
        Exit::Success
    })
}

async fn serve(args: ServeArgs) -> anyhow::Result<Exit> {
    let profile = Profile::from_label(&args.profile).unwrap_or_default();
    let server = DemoServer::start_on(args.port, profile)
        .await
        .with_context(|| format!("starting the demo service on 127.0.0.1:{}", args.port))?;
    println!("perfproof demo service on {} (Ctrl-C to stop)", server.base_url());
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    Ok(Exit::Success)
}

/// Serves the page and the reports until Ctrl-C; the page's address on stdout.
async fn view(args: ViewArgs) -> anyhow::Result<Exit> {
    let reports = view::reports(&args.reports)?;
    let (addr, server) = view::bind(args.addr, &reports).await?;
    let url = view::page_url(addr, &reports);
    println!("{url}");
    let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
    eprintln!("perfproof view: the page with {} on http://{addr}/ (Ctrl-C stops)", names.join(", "));
    if !args.no_open {
        view::open_browser(&url);
    }
    tokio::select! {
        served = server => served.context("serving the page")?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(Exit::Success)
}

/// Reads and validates a report file; errors name the file, field and line.
pub fn read_report(path: &Path) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_report(&text).with_context(|| format!("{} is not a valid perfproof report", path.display()))
}

/// The targets file at `path`, or the default targets.
fn read_targets(path: Option<&Path>) -> anyhow::Result<Vec<Target>> {
    path.map_or_else(|| Ok(default_targets()), config::read_targets)
}

fn analysis_settings(args: &AnalysisArgs) -> anyhow::Result<AnalysisSettings> {
    let mut settings = AnalysisSettings::default();
    settings.compare.threshold = args.threshold / 100.0;
    settings.compare.proportion_floor_pp = args.proportion_floor;
    settings.compare.confidence = args.confidence / 100.0;
    if args.targets.is_some() {
        settings.targets = read_targets(args.targets.as_deref())?;
    }
    if let Some(path) = &args.cost {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        settings.cost = toml::from_str(&text).with_context(|| format!("{}: cost inputs", path.display()))?;
        settings.cost.check().with_context(|| format!("{}: cost inputs", path.display()))?;
    }
    Ok(settings)
}

/// With `--strict`, runs that are not comparable are an error, not a warning.
fn refuse_if_strict(analysis: &Analysis, args: &AnalysisArgs) -> anyhow::Result<()> {
    if args.strict && !analysis.comparability.is_empty() {
        let reasons: Vec<String> = analysis.comparability.iter().map(|w| format!("  - {w}")).collect();
        anyhow::bail!("the runs are not comparable (--strict):\n{}", reasons.join("\n"));
    }
    Ok(())
}

/// The exit of an analysis: targets missed and/or regressions.
fn verdict(analysis: &Analysis) -> Exit {
    Exit::of_verdict(analysis.targets.missed() > 0, !analysis.regressions().is_empty())
}

fn compare(args: CompareArgs) -> anyhow::Result<Exit> {
    let baseline = read_report(&args.baseline)?;
    let optimized = read_report(&args.optimized)?;
    let settings = analysis_settings(&args.analysis)?;
    let analysis = analyze(&baseline, &optimized, &settings)?;
    refuse_if_strict(&analysis, &args.analysis)?;
    let detail = Detail { all: args.analysis.all };
    if args.json {
        println!("{}", compare_output::analysis_json(&analysis)?);
    } else if args.markdown {
        print!("{}", compare_output::markdown(&analysis, detail));
    } else {
        compare_output::print_table(&analysis, detail);
    }
    if let Some(path) = &args.junit {
        output::write_atomically(path, compare_output::junit(&analysis).as_bytes())?;
    }
    if let Some(dir) = &args.results_dir {
        let written = compare_output::write_results_dir(&analysis, dir)?;
        eprintln!("wrote {} into {}", written.join(", "), dir.display());
    }
    Ok(verdict(&analysis))
}

fn history(args: HistoryArgs) -> anyhow::Result<Exit> {
    let reports = args.reports.iter().map(|p| read_report(p)).collect::<anyhow::Result<Vec<_>>>()?;
    let targets = read_targets(args.targets.as_deref())?;
    let settings =
        TrendSettings { window: args.window.max(1), threshold: args.threshold / 100.0, ..TrendSettings::default() };
    let history = trend::history(&reports, &targets, settings)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&history)?);
    } else {
        compare_output::print_history(&history);
    }
    Ok(if history.alerts.is_empty() { Exit::Success } else { Exit::Alerts })
}

fn metrics(args: MetricsArgs) -> anyhow::Result<Exit> {
    let report = read_report(&args.report)?;
    let values: Vec<MetricValue> = catalogue(&report)?.iter().map(MetricValue::from).collect();
    let evaluation = evaluate(&read_targets(args.targets.as_deref())?, &values);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "metrics": values, "targets": evaluation }))?);
    } else {
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED).set_header(vec!["metric", "value", "better"]);
        for v in &values {
            let better = match v.direction {
                Direction::LowerIsBetter => "lower",
                Direction::HigherIsBetter => "higher",
            };
            table.add_row(vec![v.key.clone(), perfproof_shared::format::value(v.value, &v.unit), better.into()]);
        }
        println!("{table}\n\n{}", compare_output::targets_table(&evaluation));
        println!("{}", compare_output::grade_summary(&evaluation));
    }
    Ok(Exit::Success)
}

/// `perfproof summary`: a report's summary, as `run` printed it.
fn summary(args: SummaryArgs) -> anyhow::Result<Exit> {
    let summary = perfproof_shared::summary::summary(&read_report(&args.report)?);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", output::summary_text(&summary));
    }
    Ok(Exit::Success)
}

/// `perfproof monitor`: cycles until Ctrl-C, SIGTERM or `--cycles`.
async fn monitor(args: MonitorArgs) -> anyhow::Result<Exit> {
    let plan = monitor_plan(&args)?;
    if let Some(webhook) = &plan.webhook {
        eprintln!("perfproof monitor: alerts go to the webhook at {}", webhook.display());
    }
    let summary = monitor::run(plan, stop_on_signals(), |addr| {
        if let Some(addr) = addr {
            eprintln!("perfproof monitor: /metrics and /healthz on http://{addr}");
        }
    })
    .await?;
    let fired = summary.events.iter().filter(|e| e.state == perfproof_shared::monitor::AlertState::Firing).count();
    eprintln!(
        "perfproof monitor: {} cycle(s), {fired} alert(s) fired, {} webhook failure(s); history in {}",
        summary.cycles,
        summary.webhook_failures,
        args.history_dir.display()
    );
    Ok(Exit::Success)
}

/// The monitor `args` ask for: the cycle's run, the baseline, the targets (without
/// the cost ones: a cycle has no cost reduction to grade), history, webhook.
pub fn monitor_plan(args: &MonitorArgs) -> anyhow::Result<MonitorPlan> {
    let (run, every) = config::monitor_run(args)?;
    let mut analysis = AnalysisSettings::default();
    analysis.compare.threshold = args.threshold / 100.0;
    if args.targets.is_some() {
        analysis.targets = read_targets(args.targets.as_deref())?;
    }
    // A cycle is compared with a baseline of the same service: it has no cost reduction to grade.
    analysis.targets.retain(|t| !t.metric.starts_with("cost."));
    let baseline = match &args.baseline {
        Some(path) => Baseline::Report(Box::new(read_report(path)?)),
        None => Baseline::FirstCycles(args.baseline_cycles as usize),
    };
    let webhook = args.webhook.as_deref().map(|url| Webhook::new(url, monitor::webhook::TIMEOUT)).transpose()?;
    Ok(MonitorPlan {
        run,
        every,
        baseline,
        consecutive: args.consecutive,
        analysis,
        history: History { dir: args.history_dir.clone(), keep: args.keep.max(1), max_age: args.max_age },
        metrics_addr: (!args.no_metrics).then_some(args.metrics_addr),
        webhook,
        export_every: args.export_every,
        cycles: args.cycles,
        quiet: args.quiet,
        before_cycle: None,
    })
}

/// Both demo profiles, measured the same way, then their analysis.
async fn demo(args: DemoArgs) -> anyhow::Result<Exit> {
    let analysis_settings = analysis_settings(&args.analysis)?;
    let stop = stop_on_signals();
    let mut reports = Vec::new();
    for profile in Profile::ALL {
        let label = profile.label();
        eprintln!("\n== demo: {label} profile ==");
        let flags = Flags {
            label: Some(label.into()),
            output: Some(args.results_dir.join(format!("{label}.json"))),
            trials: args.trials,
            load: LoadOverrides {
                users: Some(args.users),
                duration: Some(args.duration),
                warmup: Some(args.warmup),
                ..LoadOverrides::default()
            },
            demo_profile: profile,
            capacity: (!args.no_capacity).then(|| CapacitySection::demo(args.warmup)),
            targets: analysis_settings.targets.clone(),
            ..Flags::default()
        };
        let report = runs::measure(&config::resolve(ScenarioFile::default(), &flags)?, &stop).await?;
        if !report.run.complete {
            return Ok(Exit::Interrupted);
        }
        reports.push(report);
    }
    let analysis = analyze(&reports[0], &reports[1], &analysis_settings)?;
    refuse_if_strict(&analysis, &args.analysis)?;
    println!();
    compare_output::print_table(&analysis, Detail { all: args.analysis.all });
    let written = compare_output::write_results_dir(&analysis, &args.results_dir)?;
    eprintln!("\nwrote baseline.json, optimized.json, {} into {}", written.join(", "), args.results_dir.display());
    eprintln!(
        "next: read it in the page, `perfproof view {0}`, or compare again with `perfproof compare {0}/baseline.json {0}/optimized.json`",
        args.results_dir.display()
    );
    println!("\n{}", demo_outcome(&analysis));
    // The demo ran: its verdicts are its output, not its exit code (`compare`'s
    // codes 3–5 are for CI).
    Ok(Exit::Success)
}

/// The demo's last words: what regressed and which targets were missed, plainly.
fn demo_outcome(analysis: &Analysis) -> String {
    let regressed = analysis.regressions();
    let mut out = match regressed.len() {
        0 => "demo: nothing regressed".to_string(),
        n => {
            let named: Vec<&str> = regressed.iter().take(6).copied().collect();
            let more = if n > named.len() { format!(" and {} more", n - named.len()) } else { String::new() };
            format!(
                "demo: {n} metrics regressed ({}{more}): the optimized profile trades some figures for others, \
                 and the verdicts say which",
                named.join(", ")
            )
        }
    };
    let missed = analysis.targets.missed();
    if missed > 0 {
        out.push_str(&format!("; {missed} targets missed"));
    }
    out.push_str(
        ". In CI, `perfproof compare` exits 3 to 5 on missed targets and regressions; `demo` exits 0 when it ran.",
    );
    out
}

fn merge_reports(args: MergeArgs) -> anyhow::Result<Exit> {
    let paths = report_paths(&args.reports, &args.output)?;
    let kind = if args.trials { MergeKind::Trials } else { MergeKind::Shards };
    let options = MergeOptions { allow_missing: args.allow_missing };
    // One report in memory at a time, besides the merged one.
    let name = |e: MergeError| match e {
        MergeError::Mismatch { index, what } => {
            anyhow::anyhow!("{} does not match {}: {what}", paths[index].display(), paths[0].display())
        }
        other => anyhow::Error::new(other),
    };
    let mut merger = Merger::new(read_report(&paths[0])?, kind, options).map_err(name)?;
    for path in &paths[1..] {
        merger.add(read_report(path)?).map_err(name)?;
    }
    let merged = merger.finish().map_err(name)?;
    output::write_report(&merged, &args.output)?;
    output::print_run(&merged);
    let shards = merged
        .run
        .merged_shards
        .as_ref()
        .map_or(String::new(), |s| format!(" (shards {:?} of {} in run group `{}`)", s.present, s.count, s.group));
    println!("merged {} reports{shards} into {}", paths.len(), args.output.display());
    Ok(Exit::Success)
}

/// The report files named: a folder stands for its `*.json` files (sorted), except
/// the output itself, so `merge /reports -o /reports/merged.json` can run again.
fn report_paths(named: &[PathBuf], output: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for path in named {
        if path.is_dir() {
            let found: Vec<PathBuf> = output::json_files(path)?.into_iter().filter(|p| !same_file(p, output)).collect();
            if found.is_empty() {
                anyhow::bail!("{} holds no .json reports", path.display());
            }
            paths.extend(found);
        } else {
            paths.push(path.clone());
        }
    }
    Ok(paths)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
