//! perfproof's runner: drives real workloads against real (or embedded) targets and
//! writes one versioned JSON report per run.
//!
//! - [`cli`]: the command line (clap), nothing else.
//! - [`commands`]: what each subcommand does, from parsed arguments to exit code.
//! - [`http_load`]: the HTTP load generator.
//! - [`demo_server`]: the embedded HTTP service targeted when no URL is given.
//! - [`target`]: target configuration, where secrets are redacted once, on load.
//! - [`host`]: facts about the machine the runner runs on.
//! - [`output`]: writing reports atomically and printing summary tables.

pub mod cli;
pub mod commands;
pub mod demo_server;
pub mod host;
pub mod http_load;
pub mod output;
pub mod target;
