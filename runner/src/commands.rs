//! What each subcommand does: from parsed arguments to an exit code.

use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use perfproof_shared::report::{json_schema, RunMeta, Workload};
use perfproof_shared::{Report, SCHEMA_ID};
use reqwest::Method;
use tokio::sync::watch;

use crate::cli::{Cli, Command, RunArgs};
use crate::demo_server::DemoServer;
use crate::http_load::{self, HttpLoadConfig};
use crate::target::HttpTarget;
use crate::{host, output};

/// Runs one parsed command line.
pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run(args).await,
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&json_schema())?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .with_context(|| format!("--method `{}` is not an HTTP method", args.method))?;
    // Keep the demo server alive for the whole run.
    let (_demo, target) = match &args.url {
        Some(url) => (None, HttpTarget::parse(url)?),
        None => {
            let demo = DemoServer::start().await.context("starting the embedded demo HTTP service")?;
            let target = HttpTarget::parse(&demo.url())?;
            (Some(demo), target)
        }
    };
    let output_path = args.output.clone().unwrap_or_else(|| format!("results/{}.json", args.label).into());
    let config = HttpLoadConfig {
        name: if args.url.is_some() { "api".into() } else { "demo".into() },
        target,
        method,
        users: args.users,
        duration: args.duration,
        timeout: args.timeout,
        max_body: args.max_body,
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    let interrupted = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("interrupted: stopping the load and writing what was measured (Ctrl-C again to quit at once)");
            let _ = stop_tx.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });

    eprintln!(
        "perfproof: {} {} with {} users for {}",
        config.method,
        config.target.display,
        config.users,
        humantime::format_duration(config.duration)
    );
    let started_at = Utc::now();
    let http = http_load::run_closed(&config, stop_rx.clone()).await?;
    let complete = !*stop_rx.borrow();
    interrupted.abort();

    let report = Report {
        schema: SCHEMA_ID.into(),
        run: RunMeta {
            tool_version: env!("CARGO_PKG_VERSION").into(),
            run_id: uuid::Uuid::new_v4(),
            label: args.label.clone(),
            started_at,
            ended_at: Utc::now(),
            complete,
            host: host::current(),
        },
        workloads: vec![Workload::Http(http)],
    };
    output::write_report(&report, &output_path)?;
    println!("{}", output::summary_table(&report));
    println!("report: {}{}", output_path.display(), if complete { "" } else { " (incomplete: interrupted)" });
    Ok(if complete { ExitCode::SUCCESS } else { ExitCode::from(130) })
}
