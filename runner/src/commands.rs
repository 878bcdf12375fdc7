//! What each subcommand does, from parsed arguments to an [`Exit`]: each reads its
//! inputs, calls the layer that does the work (`settings` + `runs` for load,
//! shared's analysis for reports) and hands the result to the output modules.

use std::path::Path;

use anyhow::Context;
use perfproof_shared::analysis::{analyze, Analysis, AnalysisSettings};
use perfproof_shared::merge::{merge, MergeKind};
use perfproof_shared::metrics::{catalogue, Direction, MetricValue};
use perfproof_shared::report::json_schema;
use perfproof_shared::targets::{default_targets, evaluate, parse_targets, Target};
use perfproof_shared::trend::{self, TrendSettings};
use perfproof_shared::{parse_report, Report};

use crate::cli::{AnalysisArgs, Cli, Command, CompareArgs, DemoArgs, HistoryArgs, MergeArgs, MetricsArgs, ServeArgs};
use crate::compare_output::{self, Detail};
use crate::config::LoadOverrides;
use crate::exit::Exit;
use crate::settings::{self, Flags, ScenarioFile};
use crate::signals::stop_on_signals;
use crate::workloads::http::demo::{DemoServer, Profile};
use crate::workloads::http::section::HttpOverrides;
use crate::{output, runs};

/// Runs one parsed command line.
pub async fn execute(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Run(args) => run(settings::from_args(&args)?).await,
        Command::Serve(args) => serve(args).await,
        Command::Demo(args) => demo(args).await,
        Command::Compare(args) => compare(args),
        Command::Metrics(args) => metrics(args),
        Command::Merge(args) => merge_reports(args),
        Command::History(args) => history(args),
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&json_schema())?);
            Ok(Exit::Success)
        }
    }
}

async fn run(settings: settings::RunSettings) -> anyhow::Result<Exit> {
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

/// Reads and validates a report file; errors name the file, field and line.
pub fn read_report(path: &Path) -> anyhow::Result<Report> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_report(&text).with_context(|| format!("{} is not a valid perfproof report", path.display()))
}

fn read_targets(path: Option<&Path>) -> anyhow::Result<Vec<Target>> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            parse_targets(&text).with_context(|| format!("{}", path.display()))
        }
        None => Ok(default_targets()),
    }
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
    }
    Ok(settings)
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
    Ok(Exit::Success)
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
            load: LoadOverrides {
                users: Some(args.users),
                duration: Some(args.duration),
                warmup: Some(args.warmup),
                ..LoadOverrides::default()
            },
            http: HttpOverrides { demo_profile: profile, ..HttpOverrides::default() },
            ..Flags::default()
        };
        let report = runs::measure(&settings::resolve(ScenarioFile::default(), &flags)?, &stop).await?;
        if !report.run.complete {
            return Ok(Exit::Interrupted);
        }
        reports.push(report);
    }
    let analysis = analyze(&reports[0], &reports[1], &analysis_settings)?;
    println!();
    compare_output::print_table(&analysis, Detail { all: args.analysis.all });
    let written = compare_output::write_results_dir(&analysis, &args.results_dir)?;
    eprintln!("\nwrote baseline.json, optimized.json, {} into {}", written.join(", "), args.results_dir.display());
    eprintln!(
        "next: open the web app (scripts/serve-web.sh) and drop both reports, or run `perfproof compare {0}/baseline.json {0}/optimized.json`",
        args.results_dir.display()
    );
    Ok(verdict(&analysis))
}

fn merge_reports(args: MergeArgs) -> anyhow::Result<Exit> {
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
    Ok(Exit::Success)
}
