//! The `perfproof` binary: parses the command line and hands over to the library.
//!
//! Exit codes: 0 success, 1 runtime error (message on stderr), 2 usage error.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = perfproof::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(perfproof::commands::execute(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
