//! In-process targets and plan builders for the runner's tests. Plans are built
//! through the configuration layer (`settings`), as the CLI builds them.
// Each test crate uses its own subset of these helpers.
#![allow(dead_code)]

use perfproof::workloads::KindPlan;
use std::time::Duration;

use axum::Router;
use perfproof::config::load::LoadOverrides;
use perfproof::config::{self, Flags, ScenarioFile};
use perfproof::load::Context;
use perfproof::workloads::http::section::HttpOverrides;
use perfproof::workloads::http::HttpPlan;
use perfproof::workloads::WorkloadPlan;
use perfproof_shared::report::HttpResult;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Starts `app` on an ephemeral loopback port and returns its base URL.
pub async fn serve(app: Router) -> String {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Flags of a closed-model run: `users` users for `duration` against `url`, as
/// one stretch (these tests drive the engine, not trials).
pub fn closed(url: &str, users: u32, duration: Duration) -> Flags {
    Flags {
        load: LoadOverrides { users: Some(users), duration: Some(duration), ..LoadOverrides::default() },
        http: HttpOverrides { url: Some(url.into()), ..HttpOverrides::default() },
        trials: Some(1),
        ..Flags::default()
    }
}

/// Flags of an open-model run: `rate` requests/s for `duration` against `url`, as one stretch.
pub fn open(url: &str, rate: f64, duration: Duration) -> Flags {
    Flags {
        load: LoadOverrides { rate: Some(rate), duration: Some(duration), ..LoadOverrides::default() },
        http: HttpOverrides { url: Some(url.into()), ..HttpOverrides::default() },
        trials: Some(1),
        ..Flags::default()
    }
}

/// The HTTP plan of a scenario file's text and flags.
fn http_plan(file: ScenarioFile, flags: &Flags) -> HttpPlan {
    let mut settings = config::resolve(file, flags).unwrap();
    match settings.workloads.remove(0) {
        WorkloadPlan::Http(plan) => plan,
        other => panic!("expected an http workload first, not {}", other.kind()),
    }
}

/// The plan of a scenario file's text, with no flags.
pub fn plan_from_toml(text: &str) -> HttpPlan {
    http_plan(config::parse_scenario(text).unwrap(), &Flags { trials: Some(1), ..Flags::default() })
}

pub fn plan(flags: &Flags) -> HttpPlan {
    http_plan(ScenarioFile::default(), flags)
}

/// Runs a plan to the end, quietly.
pub async fn run(plan: &HttpPlan) -> HttpResult {
    let (_tx, stop) = watch::channel(false);
    run_with_stop(plan, stop).await
}

pub async fn run_with_stop(plan: &HttpPlan, stop: watch::Receiver<bool>) -> HttpResult {
    let context = Context { stop, quiet: true, target_in_process: false };
    plan.run(&context).await.unwrap()
}

/// Runs `command` with its stderr collected, calling `meanwhile(pid)` on a thread
/// of its own once a line of that stderr contains `marker` (never, if none does):
/// its exit status and stderr.
pub fn run_watching(
    mut command: std::process::Command,
    marker: &'static str,
    meanwhile: impl FnOnce(u32) + Send + 'static,
) -> (std::process::ExitStatus, String) {
    let mut child = command.stderr(std::process::Stdio::piped()).spawn().unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let (seen, marker_seen) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in std::io::BufRead::lines(stderr).map_while(Result::ok) {
            if line.contains(marker) {
                let _ = seen.send(());
            }
            lines.push(line);
        }
        lines.join("\n")
    });
    let pid = child.id();
    let acting = std::thread::spawn(move || {
        if marker_seen.recv().is_ok() {
            meanwhile(pid);
        }
    });
    let status = child.wait().unwrap();
    let stderr = reader.join().unwrap();
    acting.join().unwrap();
    (status, stderr)
}

/// Sends SIGTERM to `pid`.
#[cfg(unix)]
pub fn terminate(pid: u32) {
    let killed = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(killed.success());
}
