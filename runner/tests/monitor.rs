//! `perfproof monitor` against an in-process HTTP service whose latency the test
//! switches between cycles: one valid report per cycle, exactly one alert after K
//! degraded cycles and its recovery after K healthy ones, nothing for flapping
//! shorter than K; the alert reaches an in-process webhook receiver; `/metrics`
//! passes `promtool check metrics` and a real Prometheus server (Debian's, from
//! `scripts/install.sh`) scrapes it; a slow webhook does not hold the cycles up.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::{get, post};
use clap::Parser;
use perfproof::cli::{Cli, Command};
use perfproof::commands::monitor_plan;
use perfproof::monitor::{self, webhook::Webhook, MonitorPlan};
use perfproof_shared::monitor::AlertState;
use tokio::sync::watch;

/// A service whose every answer takes `delay_ms`.
async fn service(delay_ms: Arc<AtomicU64>) -> SocketAddr {
    let app = axum::Router::new().route(
        "/",
        get(move || {
            let delay = Duration::from_millis(delay_ms.load(Ordering::Relaxed));
            async move {
                tokio::time::sleep(delay).await;
                "ok"
            }
        }),
    );
    serve(app).await
}

async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A webhook receiver keeping every body it gets, answering after `delay`.
async fn receiver(delay: Duration) -> (SocketAddr, Arc<Mutex<Vec<serde_json::Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/hook/secret-token",
        post(move |axum::Json(body): axum::Json<serde_json::Value>| {
            let kept = kept.clone();
            async move {
                tokio::time::sleep(delay).await;
                kept.lock().unwrap().push(body);
                "ok"
            }
        }),
    );
    (serve(app).await, got)
}

fn plan(args: &[&str]) -> MonitorPlan {
    let cli =
        Cli::try_parse_from([&["perfproof", "monitor", "-q", "--metrics-addr", "127.0.0.1:0"], args].concat()).unwrap();
    let Command::Monitor(args) = cli.command else { unreachable!() };
    monitor_plan(&args).unwrap()
}

/// Healthy answers take 2 ms, degraded ones 150 ms (under the default target
/// "API p95 < 200 ms", so only the regression raises an alert): far apart, so that a loaded
/// machine's noise (a starved generator's late sends count in open-model latency)
/// cannot pass for the degradation, nor hide it, at a threshold of +200 %.
const HEALTHY_MS: u64 = 2;
const DEGRADED_MS: u64 = 150;

/// One monitor at a time: each is a load generator, and noise for the other.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_degradation_fires_one_alert_after_k_cycles_and_resolves() {
    let _serial = SERIAL.lock().await;
    let delay = Arc::new(AtomicU64::new(HEALTHY_MS));
    let url = format!("http://{}/", service(delay.clone()).await);
    let (hook, received) = receiver(Duration::ZERO).await;
    let history = tempfile::tempdir().unwrap();
    let dir = history.path().to_str().unwrap();
    let webhook = format!("http://{hook}/hook/secret-token");
    let mut plan = plan(&[
        "--url",
        &url,
        "--every",
        "1500ms",
        "--probe",
        "1s",
        "--rate",
        "200",
        "-k",
        "2",
        "--cycles",
        "13",
        "--threshold",
        "200",
        "--history-dir",
        dir,
        "--webhook",
        &webhook,
    ]);
    // Cycles 1–3: the baseline; 4–5 healthy; 6–7 degraded (fires at 7); 8–9 healthy
    // (resolves at 9); 10 and 12 degraded alone: flapping shorter than K.
    let degraded = [6, 7, 10, 12];
    plan.before_cycle = Some(Box::new(move |cycle| {
        let ms = if degraded.contains(&cycle) { DEGRADED_MS } else { HEALTHY_MS };
        delay.store(ms, Ordering::Relaxed);
    }));
    let (_tx, stop) = watch::channel(false);
    let summary = monitor::run(plan, stop, |_| {}).await.unwrap();
    assert_eq!(summary.cycles, 13);
    let events: Vec<(u64, &str, AlertState)> =
        summary.events.iter().map(|e| (e.cycle, e.key.as_str(), e.state)).collect();
    assert_eq!(
        events,
        [(7, "regression:http.api", AlertState::Firing), (9, "regression:http.api", AlertState::Resolved)],
        "{:#?}",
        summary.events
    );
    assert!(summary.events[0].message.contains("http.api.latency.p95"), "{}", summary.events[0].message);

    // One valid report per cycle, and the logs.
    let reports: Vec<_> = std::fs::read_dir(history.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("cycle-"))
        .collect();
    assert_eq!(reports.len(), 13);
    for path in &reports {
        let report = perfproof_shared::parse_report(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(report.run.complete && report.workloads.len() == 1, "{}", path.display());
    }
    let alerts = std::fs::read_to_string(history.path().join("alerts.jsonl")).unwrap();
    assert_eq!(alerts.lines().count(), 2);
    assert_eq!(std::fs::read_to_string(history.path().join("cycles.jsonl")).unwrap().lines().count(), 13);
    let export: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(history.path().join("metrics_export.json")).unwrap()).unwrap();
    assert_eq!(export["cycles"], 13);
    let p95 = export["metrics"].as_array().unwrap().iter().find(|m| m["key"] == "http.api.latency.p95").unwrap();
    assert!(p95["max"].as_f64().unwrap() >= DEGRADED_MS as f64 && p95["min"].as_f64().unwrap() < 10.0, "{p95}");

    // The webhook got both events as JSON, and its secret path was never printed.
    let received = received.lock().unwrap().clone();
    let states: Vec<&str> = received.iter().map(|b| b["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["firing", "resolved"], "{received:?}");
    assert_eq!(received[0]["key"], "regression:http.api");
    assert_eq!(summary.webhook_failures, 0);
}

/// A target that always misses fires after K cycles; the webhook answers too
/// late every time, so each delivery is retried and counted as failed, while
/// every cycle still runs on time. Meanwhile Prometheus scrapes `/metrics`, which
/// `promtool check metrics` accepts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_pass_promtool_and_prometheus_scrapes_them_while_a_slow_webhook_fails() {
    let _serial = SERIAL.lock().await;
    let url = format!("http://{}/", service(Arc::new(AtomicU64::new(HEALTHY_MS))).await);
    let (hook, received) = receiver(Duration::from_secs(3)).await;
    let history = tempfile::tempdir().unwrap();
    let targets = history.path().join("targets.toml");
    std::fs::write(
        &targets,
        "[[target]]\nname = \"impossible\"\nmetric = \"http.*.latency.p95\"\nrule = \"< 0.001 ms\"\n",
    )
    .unwrap();
    let dir = history.path().join("cycles");
    let mut plan = plan(&[
        "--url",
        &url,
        "--every",
        "1s",
        "--probe",
        "500ms",
        "--rate",
        "50",
        "-k",
        "2",
        "--cycles",
        "12",
        "--history-dir",
        dir.to_str().unwrap(),
        "-t",
        targets.to_str().unwrap(),
    ]);
    plan.webhook = Some(Webhook::new(&format!("http://{hook}/hook/secret-token"), Duration::from_millis(300)).unwrap());
    let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
    let (_tx, stop) = watch::channel(false);
    let monitor = tokio::spawn(monitor::run(plan, stop, move |addr| {
        let _ = addr_tx.send(addr.unwrap());
    }));
    let metrics_addr = addr_rx.await.unwrap();

    // Prometheus, scraping every second into a store of its own.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = history.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: perfproof\n    static_configs:\n      - targets: ['{metrics_addr}']\n"
        ),
    )
    .unwrap();
    let prometheus = std::process::Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", history.path().join("tsdb").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("prometheus (Debian's package, installed by scripts/install.sh)");
    let prometheus = KillOnDrop(prometheus);

    let client = reqwest_like::Client::new();
    // Once a cycle is done, /metrics has every family; promtool must accept it.
    let body = loop {
        let body = client.get(&format!("http://{metrics_addr}/metrics")).await;
        if body.contains("perfproof_http_request_duration_seconds_count") {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for family in [
        "perfproof_http_requests_total{workload=\"api\",outcome=\"success\"}",
        "perfproof_error_ratio{kind=\"http\",workload=\"api\"}",
        "perfproof_target_status{target=\"impossible\"",
        "perfproof_last_cycle_duration_seconds",
        "perfproof_cycles_total",
    ] {
        assert!(body.contains(family), "{family} missing from:\n{body}");
    }
    let mut promtool = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package)");
    use std::io::Write as _;
    promtool.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let checked = promtool.wait_with_output().unwrap();
    assert!(
        checked.status.success() && checked.stdout.is_empty() && checked.stderr.is_empty(),
        "promtool: {}{}\n{body}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(client.get(&format!("http://{metrics_addr}/healthz")).await.contains("\"status\":\"ok\""));

    // Prometheus returns the series through its HTTP API.
    let query = format!("http://127.0.0.1:{port}/api/v1/query?query=perfproof_cycles_total");
    let mut found = None;
    for _ in 0..60 {
        let answer = client.get(&query).await;
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(&answer) {
            if let Some(value) = json["data"]["result"][0]["value"][1].as_str() {
                found = Some(value.parse::<f64>().unwrap());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(prometheus);
    assert!(found.is_some_and(|cycles| cycles >= 1.0), "Prometheus never returned perfproof_cycles_total");

    let summary = monitor.await.unwrap().unwrap();
    assert_eq!(summary.cycles, 12, "every cycle ran despite the slow webhook");
    let fired: Vec<u64> = summary.events.iter().filter(|e| e.state == AlertState::Firing).map(|e| e.cycle).collect();
    assert_eq!(fired, [2], "the target misses from the first cycle: it fires at the second");
    assert_eq!(summary.webhook_failures, u64::from(monitor::webhook::ATTEMPTS), "each attempt timed out");
    assert!(received.lock().unwrap().len() <= 3, "late answers arrive after the sender gave up");
}

/// A child process killed when the test ends, passed or not.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A tiny HTTP GET over hyper, for the test's own requests.
mod reqwest_like {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::client::legacy::Client as Hyper;
    use hyper_util::rt::TokioExecutor;

    pub struct Client(Hyper<hyper_util::client::legacy::connect::HttpConnector, Empty<bytes::Bytes>>);

    impl Client {
        pub fn new() -> Self {
            Client(Hyper::builder(TokioExecutor::new()).build_http())
        }

        /// The body as text; empty when the server cannot be reached (yet).
        pub async fn get(&self, url: &str) -> String {
            let Ok(response) = self.0.get(url.parse().unwrap()).await else { return String::new() };
            let bytes = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }
}

/// A scenario's capacity tables are left out of a monitor's cycles (each probes one
/// rate), for every kind, whatever the table is called.
#[test]
fn a_monitor_never_searches_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    std::fs::write(
        &file,
        "[http]\n[http.capacity]\n[db]\n[db.capacity]\n[ml]\n[ml.capacity]\n[cache]\n[cache.capacity_search]\n",
    )
    .unwrap();
    let plan = plan(&["-f", file.to_str().unwrap()]);
    assert_eq!(plan.run.workloads.len(), 4);
    assert!(plan.run.workloads.iter().all(|w| w.load().capacity.is_none()));
}
