//! In-process targets and plan builders for the runner's tests.
// Each test crate uses its own subset of these helpers.
#![allow(dead_code)]

use std::time::Duration;

use axum::Router;
use perfproof::cli::RunArgs;
use perfproof::config::{self, HttpFile, HttpPlan};
use perfproof::http_load::{self, RunContext};
use perfproof::progress::Progress;
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

/// A closed-model plan: `users` users for `duration` against `url`.
pub fn closed(url: &str, users: u32, duration: Duration) -> RunArgs {
    RunArgs { url: Some(url.into()), users: Some(users), duration: Some(duration), ..RunArgs::default() }
}

/// The plan of a scenario file's text, with no flags.
pub fn plan_from_toml(text: &str) -> HttpPlan {
    let file: config::FileConfig = toml::from_str(text).unwrap();
    config::http_plan(file.http.unwrap(), &RunArgs::default()).unwrap()
}

pub fn plan(args: &RunArgs) -> HttpPlan {
    config::http_plan(HttpFile::default(), args).unwrap()
}

/// Runs a plan to the end, quietly.
pub async fn run(plan: &HttpPlan) -> HttpResult {
    let (_tx, stop) = watch::channel(false);
    run_with_stop(plan, stop).await
}

pub async fn run_with_stop(plan: &HttpPlan, stop: watch::Receiver<bool>) -> HttpResult {
    let context = RunContext { stop, progress: Progress::new(plan.duration, true), target_in_process: false };
    http_load::run(plan, context).await.unwrap()
}
