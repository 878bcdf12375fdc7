//! What each subcommand does: from parsed arguments to an exit code.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use perfproof_shared::analysis::{analyze, Analysis, AnalysisSettings};
use perfproof_shared::merge::{merge, MergeKind};
use perfproof_shared::metrics::{catalogue, Direction, MetricValue};
use perfproof_shared::report::{json_schema, RunMeta, Workload};
use perfproof_shared::targets::{default_targets, evaluate, parse_targets};
use perfproof_shared::trend::{self, TrendSettings};
use perfproof_shared::{parse_report, Report, SCHEMA_ID};
use tokio::sync::watch;

use crate::cli::{
    AnalysisArgs, Cli, Command, CompareArgs, DemoArgs, HistoryArgs, MergeArgs, MetricsArgs, RunArgs, ServeArgs,
};
use crate::compare_output::{self, Detail};
use crate::config::{self, FileConfig, Model};
use crate::demo_server::{self, DemoServer, Profile};
use crate::http_load::{self, RunContext};
use crate::progress::Progress;
use crate::{host, output};

/// Exit code of a run stopped by a signal (its report is still written).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Runs one parsed command line.
pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run(*args).await,
        Command::Serve(args) => serve(args).await,
        Command::Demo(args) => demo(args).await,
        Command::Compare(args) => compare(args),
        Command::Metrics(args) => metrics(args),
        Command::Merge(args) => merge_reports(args),
        Command::History(args) => history(args),
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&json_schema())?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let stop = stop_on_signals();
    let (_, complete) = measure(&args, &stop).await?;
    Ok(if complete { ExitCode::SUCCESS } else { ExitCode::from(EXIT_INTERRUPTED) })
}

/// Runs the workloads `args` describe and writes the report; returns it and
/// whether it ran to the end.
async fn measure(args: &RunArgs, stop: &watch::Receiver<bool>) -> anyhow::Result<(Report, bool)> {
    let file = match &args.config {
        Some(path) => config::load_file(path)?,
        None => FileConfig::default(),
    };
    let label = args.label.clone().or(file.label).unwrap_or_else(|| "baseline".into());
    let mut http_file = file.http.unwrap_or_default();
    // Keep the demo service alive for the whole run.
    let demo = if args.url.is_none() && http_file.base_url.is_none() {
        let demo = DemoServer::start(args.demo_profile).await.context("starting the embedded demo HTTP service")?;
        http_file.base_url = Some(demo.base_url());
        http_file.name.get_or_insert_with(|| "demo".into());
        if http_file.endpoints.is_empty() && args.method.is_none() {
            http_file.endpoints = demo_server::default_endpoints();
        }
        Some(demo)
    } else {
        None
    };
    let plan = config::http_plan(http_file, args)?;
    let output_path = args.output.clone().unwrap_or_else(|| format!("results/{label}.json").into());

    let load = match &plan.model {
        Model::Closed { users, think_time, stages } if stages.is_empty() => {
            format!("{users} users (closed model, think time {})", humantime::format_duration(*think_time))
        }
        Model::Closed { users, stages, .. } => format!("up to {users} users in {} stages (closed model)", stages.len()),
        Model::Open { rate, stages, .. } if stages.is_empty() => format!("{rate} req/s (open model)"),
        Model::Open { rate, stages, .. } => format!("up to {rate} req/s in {} stages (open model)", stages.len()),
    };
    eprintln!(
        "perfproof: {} endpoint(s) at {} with {load} for {}{}",
        plan.endpoints.len(),
        plan.display_target,
        humantime::format_duration(plan.duration),
        if plan.warmup.is_zero() {
            String::new()
        } else {
            format!(" after {} warm-up", humantime::format_duration(plan.warmup))
        }
    );
    let started_at = Utc::now();
    let context = RunContext {
        stop: stop.clone(),
        progress: Progress::new(plan.warmup + plan.duration, args.quiet),
        target_in_process: demo.is_some(),
    };
    let http = http_load::run(&plan, context).await?;
    let complete = !*stop.borrow();

    let report = Report {
        schema: SCHEMA_ID.into(),
        run: RunMeta {
            tool_version: env!("CARGO_PKG_VERSION").into(),
            run_id: uuid::Uuid::new_v4(),
            label,
            started_at,
            ended_at: Utc::now(),
            complete,
            host: host::current(),
        },
        workloads: vec![Workload::Http(http)],
    };
    output::write_report(&report, &output_path)?;
    output::print_run(&report);
    println!("report: {}{}", output_path.display(), if complete { "" } else { " (incomplete: interrupted)" });
    Ok((report, complete))
}

/// A stop flag raised by Ctrl-C or SIGTERM; a second signal exits at once.
fn stop_on_signals() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        eprintln!("\ninterrupted: stopping the load and writing what was measured (again to quit at once)");
        let _ = tx.send(true);
        wait_for_signal().await;
        std::process::exit(i32::from(EXIT_INTERRUPTED));
    });
    rx
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let server = DemoServer::start_on(args.port, args.profile)
        .await
        .with_context(|| format!("starting the demo service on 127.0.0.1:{}", args.port))?;
    println!("perfproof demo service on {} (Ctrl-C to stop)", server.base_url());
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    Ok(ExitCode::SUCCESS)
}

/// Exit code of `compare` when targets were missed.
pub const EXIT_TARGETS_MISSED: u8 = 3;
/// Exit code of `compare` when a metric regressed.
pub const EXIT_REGRESSED: u8 = 4;
/// Exit code of `compare` when both happened.
pub const EXIT_MISSED_AND_REGRESSED: u8 = 5;

/// Reads and validates a report file; errors name the file, field and line.
pub fn read_report(path: &Path) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_report(&text).with_context(|| format!("{} is not a valid perfproof report", path.display()))
}

fn analysis_settings(args: &AnalysisArgs) -> anyhow::Result<AnalysisSettings> {
    let mut settings = AnalysisSettings::default();
    settings.compare.threshold = args.threshold / 100.0;
    settings.compare.confidence = args.confidence / 100.0;
    if args.targets.is_some() {
        settings.targets = targets_from(args.targets.as_deref())?;
    }
    if let Some(path) = &args.cost {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        settings.cost = toml::from_str(&text).with_context(|| format!("{}: cost inputs", path.display()))?;
    }
    Ok(settings)
}

/// The exit code of an analysis: targets missed and/or regressions.
fn verdict_code(analysis: &Analysis) -> ExitCode {
    match (analysis.targets.missed() > 0, !analysis.regressions().is_empty()) {
        (false, false) => ExitCode::SUCCESS,
        (true, false) => ExitCode::from(EXIT_TARGETS_MISSED),
        (false, true) => ExitCode::from(EXIT_REGRESSED),
        (true, true) => ExitCode::from(EXIT_MISSED_AND_REGRESSED),
    }
}

fn compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let baseline = read_report(&args.baseline)?;
    let optimized = read_report(&args.optimized)?;
    let settings = analysis_settings(&args.analysis)?;
    let analysis = analyze(&baseline, &optimized, &settings)?;
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
    Ok(verdict_code(&analysis))
}

/// Exit code of `history` when it raised alerts.
pub const EXIT_ALERTS: u8 = 6;

fn targets_from(path: Option<&Path>) -> anyhow::Result<Vec<perfproof_shared::targets::Target>> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            parse_targets(&text).with_context(|| format!("{}", path.display()))
        }
        None => Ok(default_targets()),
    }
}

fn history(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let reports = args.reports.iter().map(|p| read_report(p)).collect::<anyhow::Result<Vec<_>>>()?;
    let targets = targets_from(args.targets.as_deref())?;
    let settings =
        TrendSettings { window: args.window.max(1), threshold: args.threshold / 100.0, ..TrendSettings::default() };
    let history = trend::history(&reports, &targets, settings)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&history)?);
    } else {
        compare_output::print_history(&history);
    }
    Ok(if history.alerts.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_ALERTS) })
}

fn metrics(args: MetricsArgs) -> anyhow::Result<ExitCode> {
    let report = read_report(&args.report)?;
    let values: Vec<MetricValue> = catalogue(&report)?.iter().map(MetricValue::from).collect();
    let targets = match &args.targets {
        Some(path) => {
            parse_targets(&std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?)
                .with_context(|| format!("{}", path.display()))?
        }
        None => default_targets(),
    };
    let evaluation = evaluate(&targets, &values);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "metrics": values, "targets": evaluation }))?);
    } else {
        let mut table = comfy_table::Table::new();
        table
            .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
            .set_header(vec!["metric", "value", "unit", "better"]);
        for v in &values {
            let better = match v.direction {
                Direction::LowerIsBetter => "lower",
                Direction::HigherIsBetter => "higher",
            };
            table.add_row(vec![v.key.clone(), format!("{:.3}", v.value), v.unit.clone(), better.into()]);
        }
        println!("{table}\n\n{}", compare_output::targets_table(&evaluation));
        println!("{}", compare_output::grade_summary(&evaluation));
    }
    Ok(ExitCode::SUCCESS)
}

/// Both demo profiles, measured the same way, then their analysis.
async fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let settings = analysis_settings(&args.analysis)?;
    let stop = stop_on_signals();
    let mut reports = Vec::new();
    for profile in [Profile::Baseline, Profile::Optimized] {
        let label = profile.label();
        eprintln!("\n== demo: {label} profile ==");
        let run = RunArgs {
            users: Some(args.users),
            duration: Some(args.duration),
            warmup: Some(args.warmup),
            label: Some(label.into()),
            demo_profile: profile,
            output: Some(args.results_dir.join(format!("{label}.json"))),
            ..RunArgs::default()
        };
        let (report, complete) = measure(&run, &stop).await?;
        if !complete {
            return Ok(ExitCode::from(EXIT_INTERRUPTED));
        }
        reports.push(report);
    }
    let analysis = analyze(&reports[0], &reports[1], &settings)?;
    println!();
    compare_output::print_table(&analysis, Detail { all: args.analysis.all });
    let written = compare_output::write_results_dir(&analysis, &args.results_dir)?;
    eprintln!("\nwrote baseline.json, optimized.json, {} into {}", written.join(", "), args.results_dir.display());
    eprintln!(
        "next: open the web app (scripts/serve-web.sh) and drop both reports, or run `perfproof compare {0}/baseline.json {0}/optimized.json`",
        args.results_dir.display()
    );
    Ok(verdict_code(&analysis))
}

fn merge_reports(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let reports = args.reports.iter().map(|p| read_report(p)).collect::<anyhow::Result<Vec<_>>>()?;
    let kind = if args.trials { MergeKind::Trials } else { MergeKind::Shards };
    let merged = merge(&reports, kind).map_err(|e| match e {
        perfproof_shared::merge::MergeError::Mismatch { index, what } => {
            anyhow::anyhow!("{} does not match {}: {what}", args.reports[index].display(), args.reports[0].display())
        }
        other => other.into(),
    })?;
    output::write_report(&merged, &args.output)?;
    output::print_run(&merged);
    println!("merged {} reports into {}", reports.len(), args.output.display());
    Ok(ExitCode::SUCCESS)
}
