//! perfproof's runner: drives real workloads against real (or embedded) targets and
//! writes one versioned JSON report per run.
//!
//! - [`cli`]: the command line (clap definitions), nothing else.
//! - [`commands`]: what each subcommand does, from parsed arguments to an exit.
//! - [`config`]: flags + scenario file + defaults → the plans of a run (the one configuration
//!   layer), with the load table every workload shares and the secrets.
//! - [`load`]: the load engine, generic over the operation: models, stages, warm-up,
//!   schedule, recording, timeline, progress, stop.
//! - [`workloads`]: one folder per workload (`http`): its section, plan, embedded target, report part.
//! - [`runs`]: every workload of a run, one after another, into one report.
//! - [`monitor`]: `perfproof monitor`: cycles of light probes, alerts, `/metrics`.
//! - [`view`]: `perfproof view`: the web page, embedded, served with reports.
//! - [`signals`], [`exit`]: stop signals, and the exit codes.
//! - [`host`]: facts about the machine the runner runs on.
//! - [`output`]: writing reports atomically and printing summary tables.
//! - [`compare_output`]: an analysis as a table, Markdown, JUnit XML, or per-area files.

pub mod cli;
pub mod commands;
pub mod compare_output;
pub mod config;
pub mod exit;
pub mod host;
pub mod load;
pub mod monitor;
pub mod output;
pub mod runs;
pub mod signals;
pub mod view;
pub mod workloads;
