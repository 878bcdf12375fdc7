//! perfproof's runner: drives real workloads against real (or embedded) targets and
//! writes one versioned JSON report per run.
//!
//! - [`cli`]: the command line (clap), nothing else.
//! - [`commands`]: what each subcommand does, from parsed arguments to exit code.
//! - [`http_load`]: the HTTP load generator (closed and open models, stages, warm-up).
//! - [`http_client`]: hyper over rustls; one request to one classified outcome.
//! - [`collector`]: turns every request's outcome into histograms, counts and a timeline.
//! - [`progress`]: the live progress bar and the runner's own CPU sampling.
//! - [`demo_server`]: the embedded HTTP service targeted when no URL is given.
//! - [`config`]: scenario file and flags resolved into a plan; secrets are redacted here, once.
//! - [`host`]: facts about the machine the runner runs on.
//! - [`output`]: writing reports atomically and printing summary tables.
//! - [`compare_output`]: an analysis as a table, Markdown, JUnit XML, or per-area files.

pub mod cli;
pub mod collector;
pub mod commands;
pub mod compare_output;
pub mod config;
pub mod demo_server;
pub mod host;
pub mod http_client;
pub mod http_load;
pub mod output;
pub mod progress;
