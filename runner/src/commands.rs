//! What each subcommand does: from parsed arguments to an exit code.

use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use perfproof_shared::report::{json_schema, RunMeta, Workload};
use perfproof_shared::{Report, SCHEMA_ID};
use tokio::sync::watch;

use crate::cli::{Cli, Command, RunArgs, ServeArgs};
use crate::config::{self, FileConfig, Model};
use crate::demo_server::{self, DemoServer};
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
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&json_schema())?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
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
    let plan = config::http_plan(http_file, &args)?;
    let output_path = args.output.clone().unwrap_or_else(|| format!("results/{label}.json").into());

    let stop = stop_on_signals();
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
    Ok(if complete { ExitCode::SUCCESS } else { ExitCode::from(EXIT_INTERRUPTED) })
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
