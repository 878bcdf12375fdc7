//! The `perfproof` binary: parses the command line, builds the async runtime and
//! hands over to the library. Exit codes are [`perfproof::exit::Exit`].

use clap::Parser;
use perfproof::cli::Command;
use perfproof::exit::Exit;

fn main() -> std::process::ExitCode {
    let cli = perfproof::cli::Cli::parse();
    if matches!(cli.command, Command::Monitor(_)) {
        few_malloc_arenas();
    }
    // The commands that read files and print, and open no socket, end quietly when
    // their output pipe closes (`perfproof compare a b | head`), as Unix filters do,
    // instead of panicking in `println!`.
    if matches!(
        cli.command,
        Command::Compare(_) | Command::Metrics(_) | Command::Summary(_) | Command::History(_) | Command::Schema
    ) {
        end_on_closed_pipe();
    }
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

/// A monitor runs for days, and each cycle's load threads are new threads: with
/// glibc's default of up to 8 arenas per core, memory freed in one arena is not
/// reused by the next thread, and the resident size creeps up (bench/monitor-cycles.sh:
/// +13 % over 3,000 cycles; with 2 arenas +0.5 % over 1,500). Called before any
/// thread exists.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn few_malloc_arenas() {
    // SAFETY: mallopt only changes an allocator parameter; it is called before any
    // other thread exists, so nothing allocates concurrently.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn few_malloc_arenas() {}

/// Restores SIGPIPE's default action (Rust ignores it), so a write to a closed pipe
/// ends the process as it ends `cat`. Only for commands without sockets: a peer
/// closing a connection must stay an error the load generator counts.
#[cfg(unix)]
fn end_on_closed_pipe() {
    // SAFETY: setting a signal's disposition to its default has no preconditions;
    // it is done before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn end_on_closed_pipe() {}
