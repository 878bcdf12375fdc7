//! The HTTP load generator.
//!
//! Closed model: `users` virtual users, each sending its next request as soon as
//! the previous one completed, until the duration ends or the run is stopped.
//! Every request is classified and counted, whatever the target does; latency of
//! successful requests (send to last body byte) goes into an HDR histogram in
//! microseconds. A request already in flight when the duration ends is completed
//! (bounded by the request timeout) and counted; a stop signal abandons it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use perfproof_shared::latency::new_histogram;
use perfproof_shared::report::{HttpErrorKind, HttpResult, LoadModel};
use perfproof_shared::{Latency, TimeUnit};
use reqwest::{Client, Method};
use tokio::sync::watch;

use crate::target::HttpTarget;

/// What to run.
#[derive(Debug, Clone)]
pub struct HttpLoadConfig {
    /// Scenario name, used as the workload's key in the report.
    pub name: String,
    pub target: HttpTarget,
    pub method: Method,
    /// Concurrent virtual users.
    pub users: u32,
    /// How long to apply load.
    pub duration: Duration,
    /// Per-request timeout, from send to last body byte.
    pub timeout: Duration,
    /// Largest response body read; a longer one is a body error.
    pub max_body: u64,
}

/// What one virtual user measured; merged into the workload's result at the end.
#[derive(Debug)]
struct Tally {
    latency_us: Histogram<u64>,
    successes: u64,
    errors: BTreeMap<HttpErrorKind, u64>,
    status_codes: BTreeMap<u16, u64>,
    bytes_received: u64,
}

impl Tally {
    fn new() -> Self {
        Tally {
            latency_us: new_histogram(),
            successes: 0,
            errors: BTreeMap::new(),
            status_codes: BTreeMap::new(),
            bytes_received: 0,
        }
    }

    fn add(&mut self, other: Tally) -> anyhow::Result<()> {
        self.latency_us.add(&other.latency_us).context("merging latency histograms")?;
        self.successes += other.successes;
        for (kind, n) in other.errors {
            *self.errors.entry(kind).or_default() += n;
        }
        for (code, n) in other.status_codes {
            *self.status_codes.entry(code).or_default() += n;
        }
        self.bytes_received += other.bytes_received;
        Ok(())
    }
}

/// Runs the closed-model load. Returns what was measured, also when `stop` fired.
pub async fn run_closed(config: &HttpLoadConfig, stop: watch::Receiver<bool>) -> anyhow::Result<HttpResult> {
    let client = Client::builder()
        .pool_max_idle_per_host(config.users as usize)
        .tcp_nodelay(true)
        .build()
        .context("building the HTTP client")?;
    let started = Instant::now();
    let deadline = started + config.duration;
    let mut users = tokio::task::JoinSet::new();
    for _ in 0..config.users {
        users.spawn(virtual_user(client.clone(), config.clone(), deadline, stop.clone()));
    }
    let mut total = Tally::new();
    while let Some(tally) = users.join_next().await {
        total.add(tally.context("a virtual user task failed")?)?;
    }
    let duration_s = started.elapsed().as_secs_f64();
    let requests = total.successes + total.errors.values().sum::<u64>();
    Ok(HttpResult {
        name: config.name.clone(),
        target: config.target.display.clone(),
        method: config.method.to_string(),
        load: LoadModel::Closed { users: config.users },
        duration_s,
        requests,
        successes: total.successes,
        throughput_rps: if duration_s > 0.0 { total.successes as f64 / duration_s } else { 0.0 },
        errors: total.errors,
        status_codes: total.status_codes.into_iter().map(|(c, n)| (c.to_string(), n)).collect(),
        bytes_received: total.bytes_received,
        latency: Latency::from_histogram(&total.latency_us, TimeUnit::Microseconds)?,
    })
}

async fn virtual_user(
    client: Client,
    config: HttpLoadConfig,
    deadline: Instant,
    mut stop: watch::Receiver<bool>,
) -> Tally {
    let mut tally = Tally::new();
    while Instant::now() < deadline && !*stop.borrow() {
        let sent = Instant::now();
        let request = client.request(config.method.clone(), config.target.url.clone()).send();
        let exchange = tokio::time::timeout(config.timeout, exchange(request, config.max_body));
        let outcome = tokio::select! {
            outcome = exchange => outcome.unwrap_or(Err(Failure::Timeout)),
            _ = stop.wait_for(|stopped| *stopped) => break,
        };
        match outcome {
            Ok(Response { status, bytes }) => {
                *tally.status_codes.entry(status).or_default() += 1;
                tally.bytes_received += bytes;
                match status {
                    400..=499 => *tally.errors.entry(HttpErrorKind::Http4xx).or_default() += 1,
                    500..=599 => *tally.errors.entry(HttpErrorKind::Http5xx).or_default() += 1,
                    _ => {
                        tally.successes += 1;
                        let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
                        record(&mut tally.latency_us, micros);
                    }
                }
            }
            Err(Failure::Timeout) => *tally.errors.entry(HttpErrorKind::Timeout).or_default() += 1,
            Err(Failure::Status { status, bytes }) => {
                *tally.status_codes.entry(status).or_default() += 1;
                tally.bytes_received += bytes;
                *tally.errors.entry(HttpErrorKind::Body).or_default() += 1;
            }
            Err(Failure::Transport(kind)) => *tally.errors.entry(kind).or_default() += 1,
        }
    }
    tally
}

/// Records a value; an auto-resizing histogram only refuses values it cannot
/// represent at all, which are then clamped to its largest trackable value.
fn record(histogram: &mut Histogram<u64>, value: u64) {
    if histogram.record(value).is_err() {
        histogram.saturating_record(value);
    }
}

/// A complete response: status and body size.
struct Response {
    status: u16,
    bytes: u64,
}

/// Why a request did not give a complete response.
enum Failure {
    Timeout,
    /// Headers arrived but the body failed or was too long.
    Status {
        status: u16,
        bytes: u64,
    },
    Transport(HttpErrorKind),
}

async fn exchange(
    request: impl std::future::Future<Output = reqwest::Result<reqwest::Response>>,
    max_body: u64,
) -> Result<Response, Failure> {
    let mut response = request.await.map_err(|e| Failure::Transport(classify(&e)))?;
    let status = response.status().as_u16();
    let mut bytes = 0u64;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                bytes += chunk.len() as u64;
                if bytes > max_body {
                    return Err(Failure::Status { status, bytes });
                }
            }
            Ok(None) => return Ok(Response { status, bytes }),
            Err(e) if e.is_timeout() => return Err(Failure::Timeout),
            Err(_) => return Err(Failure::Status { status, bytes }),
        }
    }
}

/// Sorts a transport error into its outcome class.
fn classify(error: &reqwest::Error) -> HttpErrorKind {
    if error.is_timeout() {
        return HttpErrorKind::Timeout;
    }
    let chain = std::iter::successors(Some(error as &dyn std::error::Error), |e| e.source())
        .map(|e| e.to_string().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(": ");
    if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake") {
        HttpErrorKind::Tls
    } else if error.is_connect() {
        HttpErrorKind::Connect
    } else if error.is_body() || error.is_decode() {
        HttpErrorKind::Body
    } else {
        HttpErrorKind::Other
    }
}
