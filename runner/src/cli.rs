//! Command-line interface definitions. Parsing only: behaviour lives in [`crate::commands`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Measure a service before and after an optimization, and prove the difference.
///
/// Exit codes: 0 success; 1 error (the message says what and where); 2 invalid arguments.
#[derive(Debug, Parser)]
#[command(name = "perfproof", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run workloads and write a JSON report.
    ///
    /// With no --url, an embedded demo HTTP service is started on a loopback port and measured.
    Run(RunArgs),
    /// Print the JSON Schema of the report format.
    Schema,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Target URL for the HTTP load. Default: the embedded demo service.
    #[arg(long, env = "PERFPROOF_URL")]
    pub url: Option<String>,
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// Concurrent virtual users (closed model).
    #[arg(long, short = 'c', default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub users: u32,
    /// How long to apply load, e.g. 10s, 500ms, 2m.
    #[arg(long, short = 'd', default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Per-request timeout.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Largest response body read, in bytes; a longer body counts as a body error.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    pub max_body: u64,
    /// Label of this run, such as `baseline` or `optimized`.
    #[arg(long, short = 'l', default_value = "baseline")]
    pub label: String,
    /// Where to write the report. Default: results/<label>.json.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("`{s}` is not a duration like 10s, 500ms or 2m: {e}"))?;
    if d.is_zero() {
        return Err("duration must be greater than zero".into());
    }
    Ok(d)
}
