//! The `perfproof` binary: parses the command line, builds the async runtime and
//! hands over to the library. Exit codes are [`perfproof::exit::Exit`].

use clap::Parser;
use perfproof::exit::Exit;

fn main() -> std::process::ExitCode {
    let cli = perfproof::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Error.into();
        }
    };
    match runtime.block_on(perfproof::commands::execute(cli)) {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {e:#}");
            Exit::Error.into()
        }
    }
}
