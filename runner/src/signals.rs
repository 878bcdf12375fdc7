//! Stop signals: Ctrl-C or SIGTERM raise a stop flag that the load engine watches,
//! so the run ends and its report is still written; a second signal exits at once.

use tokio::sync::watch;

use crate::exit::Exit;

/// A stop flag raised by Ctrl-C or SIGTERM; a second signal exits at once.
pub fn stop_on_signals() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        eprintln!("\ninterrupted: stopping the load and writing what was measured (again to quit at once)");
        let _ = tx.send(true);
        wait_for_signal().await;
        std::process::exit(i32::from(Exit::Interrupted.code()));
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
