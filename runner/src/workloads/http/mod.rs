//! The HTTP workload: one operation is one request (hyper over rustls), sent to the
//! endpoints of a weighted scenario.
//!
//! - [`section`]: the `[http]` table of a scenario file and the HTTP flags, resolved into an [`HttpPlan`].
//! - [`client`]: one request to one classified outcome, whatever the target does.
//! - [`h1`]: the lean HTTP/1.1 connection closed-model users keep, as wrk does.
//! - [`demo`]: the embedded demo service measured when no URL is given.
//!
//! This module knows nothing of flags or files: it takes an [`HttpPlan`], starts
//! the embedded target when the plan asks for it, drives the load engine and
//! returns its part of the report.

pub mod client;
pub mod demo;
pub mod h1;
pub mod section;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use http::header::HeaderMap;
use http::Method;
use perfproof_shared::report::{EndpointResult, HttpResult, WorkloadKind, HTTP_BYTES_RECEIVED};
use perfproof_shared::TimeUnit;
use url::Url;

use crate::config::secrets::display_url;
use crate::load::{self, Context, LoadPlan, Measured, Model, Operation, Outcome, Vocabulary};
use crate::workloads::profile::Profile;
use crate::workloads::{keep_window_parts, KindPlan};
use client::{Client, Targets, Transport};
use demo::DemoServer;

/// HTTP version to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpVersion {
    /// HTTP/1.1, or HTTP/2 when TLS negotiates it.
    Auto,
    /// HTTP/1.1 only.
    Http1,
    /// HTTP/2 (prior knowledge on plain HTTP).
    Http2,
}

impl HttpVersion {
    /// Every version, with the name flags, files and reports use.
    pub const NAMES: [(&'static str, HttpVersion); 3] =
        [("auto", HttpVersion::Auto), ("http1", HttpVersion::Http1), ("http2", HttpVersion::Http2)];

    pub fn name(self) -> &'static str {
        HttpVersion::NAMES.iter().find(|(_, v)| *v == self).map_or("auto", |(n, _)| n)
    }

    pub fn from_name(name: &str) -> Option<Self> {
        HttpVersion::NAMES.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

/// How a request failed: an index into [`HttpResult::INFO`]'s error classes, the report's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ErrorKind {
    /// The connection could not be established, or was refused, reset or closed
    /// before a response arrived.
    Connect,
    /// No complete response within the request timeout.
    Timeout,
    /// TLS handshake or certificate failure.
    Tls,
    /// The server answered with a 4xx status.
    Http4xx,
    /// The server answered with a 5xx status.
    Http5xx,
    /// The response body failed midway or exceeded the largest body read.
    Body,
    /// The response was not valid HTTP (garbage, malformed headers, protocol violation).
    Protocol,
}

impl ErrorKind {
    pub fn name(self) -> &'static str {
        HttpResult::INFO.error_classes[self as usize]
    }
}

const _: () = assert!(ErrorKind::Protocol as usize + 1 == HttpResult::INFO.error_classes.len());

/// What the engine calls HTTP's operations, outcomes and counters.
fn vocabulary(parts: usize) -> Vocabulary {
    Vocabulary {
        kind: &HttpResult::INFO,
        resolution: TimeUnit::Microseconds,
        counters: &[HTTP_BYTES_RECEIVED],
        spans: &[],
        parts,
    }
}

/// Where requests go.
#[derive(Debug, Clone)]
pub enum Service {
    /// A server the user named. The URL may hold expanded secrets: it is used to
    /// send and never shown; `display` is what may be shown.
    Url { url: Url, display: String },
    /// The embedded demo service, started for the run in this profile.
    Embedded(Profile),
}

/// An endpoint requests are sent to. `path`, `headers` and `body` may hold
/// secrets: they are used to build requests and never shown.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub name: String,
    pub method: Method,
    /// Path relative to the target (or an absolute URL), `${VAR}`s expanded.
    pub path: String,
    /// The path as written, which may be shown.
    pub display_path: String,
    pub weight: u32,
    pub headers: HeaderMap,
    pub body: Option<bytes::Bytes>,
}

/// Everything the HTTP workload needs, resolved and checked.
#[derive(Debug, Clone)]
pub struct HttpPlan {
    pub name: String,
    pub target: Service,
    pub http_version: HttpVersion,
    pub insecure: bool,
    pub timeout: Duration,
    pub max_body: u64,
    pub endpoints: Vec<Endpoint>,
    pub load: LoadPlan,
}

impl HttpPlan {
    /// The closed model's users keep dedicated HTTP/1.1 connections (as wrk does),
    /// unless HTTP/2 may be spoken; the open model always uses the pooled client.
    fn dedicated_connections(&self, tls: bool) -> bool {
        matches!(self.load.model, Model::Closed { .. })
            && match self.http_version {
                HttpVersion::Http1 => true,
                HttpVersion::Http2 => false,
                // With TLS, ALPN may pick HTTP/2: leave that to the pooled client.
                HttpVersion::Auto => !tls,
            }
    }
}

/// One request to one endpoint of the scenario, picked by weighted round robin
/// over the operation index.
struct HttpOperation {
    targets: Targets,
    /// One pooled client per load thread: a pooled connection lives on the runtime
    /// that opened it, which ends with its thread.
    pooled: Vec<Arc<Client>>,
    cycle: Vec<usize>,
}

impl Operation for HttpOperation {
    type Session = Transport;

    fn session(&self, thread: usize) -> Transport {
        Transport::new(&self.targets, &self.pooled[thread % self.pooled.len()])
    }

    async fn perform(&self, transport: &mut Transport, index: u64) -> Outcome {
        let endpoint = self.cycle[(index % self.cycle.len() as u64) as usize];
        let response = transport.send(&self.targets, endpoint).await;
        Outcome {
            part: endpoint as u16,
            error: response.error.map(|kind| kind as u8),
            code: response.status,
            counters: crate::load::counters(&[response.bytes]),
            spans: [None; 2],
        }
    }
}

impl KindPlan for HttpPlan {
    type Part = HttpResult;

    fn name(&self) -> &str {
        &self.name
    }

    fn load(&self) -> &LoadPlan {
        &self.load
    }

    fn load_mut(&mut self) -> &mut LoadPlan {
        &mut self.load
    }

    fn describe(&self) -> String {
        let target = match &self.target {
            Service::Url { display, .. } => display.clone(),
            Service::Embedded(profile) => format!("the embedded demo service ({})", profile.label()),
        };
        format!(
            "http `{}`: {} endpoint(s) at {target} with {}",
            self.name,
            self.endpoints.len(),
            self.load.describe("req/s")
        )
    }

    /// Fails when a target the user named accepts no connection: the workload then
    /// does not start. Once started, whatever the target does is counted.
    async fn check_reachable(&self) -> anyhow::Result<()> {
        let plan = self;
        match &plan.target {
            Service::Url { url, .. } => Targets::new(plan, url)?.check_reachable().await,
            Service::Embedded(_) => Ok(()),
        }
    }

    /// Runs the plan: starts the embedded target if the plan asks for it, offers the
    /// load, and returns the workload's report entry.
    async fn run(&self, context: &Context) -> anyhow::Result<HttpResult> {
        let plan = self;
        // The demo service lives until the run is over.
        let (base, display_base, demo) = match &plan.target {
            Service::Url { url, display } => (url.clone(), display.clone(), None),
            Service::Embedded(profile) => {
                let demo = DemoServer::start(*profile).await.context("starting the embedded demo HTTP service")?;
                let base = Url::parse(&demo.base_url()).context("the demo service's URL")?;
                (base, demo.base_url(), Some(demo))
            }
        };
        let targets = Targets::new(plan, &base)?;
        // Users on dedicated connections never touch the pooled client: one is enough.
        let pooled_clients = if targets.dedicated() { 1 } else { plan.load.threads.max(1) };
        let operation = HttpOperation {
            pooled: (0..pooled_clients).map(|_| client::build(plan).map(Arc::new)).collect::<Result<_, _>>()?,
            cycle: crate::workloads::weighted_cycle(&plan.endpoints.iter().map(|e| e.weight).collect::<Vec<_>>()),
            targets,
        };
        let mut context = context.clone();
        context.target_in_process |= demo.is_some();
        let mut measured = load::run(operation, &vocabulary(plan.endpoints.len()), &plan.load, &context).await?;
        let windows = std::mem::take(&mut measured.windows);
        let entry = |measured: Measured| HttpResult {
            name: plan.name.clone(),
            target: display_url(&display_base),
            http_version: plan.http_version.name().into(),
            endpoints: plan
                .endpoints
                .iter()
                .zip(measured.parts)
                .map(|(endpoint, stats)| EndpointResult {
                    name: endpoint.name.clone(),
                    method: endpoint.method.to_string(),
                    url: display_url(&join_template(&display_base, &endpoint.display_path)),
                    weight: endpoint.weight,
                    stats,
                })
                .collect(),
            result: measured.result,
        };
        let mut result = entry(measured);
        keep_window_parts(&mut result.result.windows, windows.into_iter().map(|m| Ok(entry(m))))?;
        Ok(result)
    }
}

/// A target URL, checked: http or https.
pub fn parse_url(raw: &str) -> anyhow::Result<Url> {
    let url = Url::parse(raw).map_err(|e| anyhow!("`{}` is not a valid URL: {e}", display_url(raw)))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("the URL must be http:// or https://, not `{}://`", url.scheme());
    }
    Ok(url)
}

/// An endpoint's URL: its path joined to the target's, or its own absolute URL.
pub fn join(base: &Url, path: &str) -> anyhow::Result<Url> {
    if path.is_empty() {
        return Ok(base.clone());
    }
    if path.starts_with("http://") || path.starts_with("https://") {
        return parse_url(path);
    }
    let mut joined = base.clone();
    let base_path = base.path().trim_end_matches('/');
    let (p, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
    joined.set_path(&format!("{base_path}/{}", p.trim_start_matches('/')));
    joined.set_query(query);
    Ok(joined)
}

/// [`join`] on unexpanded templates, for the display form.
pub fn join_template(base: &str, path: &str) -> String {
    if path.is_empty() {
        base.to_string()
    } else if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else {
        format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths_and_keeps_queries() {
        let base = Url::parse("http://h:1/api/").unwrap();
        assert_eq!(join(&base, "/items?id=3").unwrap().as_str(), "http://h:1/api/items?id=3");
        assert_eq!(join(&base, "").unwrap().as_str(), "http://h:1/api/");
    }
}
