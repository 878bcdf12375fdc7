//! The `[http]` table of a scenario file and the HTTP flags, resolved into an
//! [`HttpPlan`]: the target (a URL, or the embedded demo service when none is
//! named), the endpoints with their weights, headers and bodies, limits, and the
//! `[http.load]` table. See `examples/scenario.toml`.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::Method;
use perfproof_shared::report::{HttpResult, WorkloadKind};
use serde::Deserialize;
use url::Url;

use super::demo;
use super::{join, parse_url, Endpoint, HttpPlan, HttpVersion, Service};
use crate::config::capacity::{capacity_plan, CapacitySection};
use crate::config::load::{default_threads_beside_target, load_plan, parse_duration, LoadOverrides, LoadSection};
use crate::config::secrets::{display_url, expand_env};
use crate::workloads::profile::Profile;
use crate::workloads::{KindSection, UrlFlag};

/// Per-request timeout when neither the file nor a flag says.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest body read when neither the file nor a flag says, in bytes.
pub const DEFAULT_MAX_BODY: u64 = 16 * 1024 * 1024;

/// The `[http]` table of a scenario file, as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSection {
    pub name: Option<String>,
    pub base_url: Option<String>,
    pub timeout: Option<String>,
    pub max_body: Option<u64>,
    pub http_version: Option<String>,
    pub insecure: Option<bool>,
    #[serde(default)]
    pub load: LoadSection,
    /// `[http.capacity]`: search this workload's capacity after measuring it.
    pub capacity: Option<CapacitySection>,
    #[serde(default)]
    pub endpoints: Vec<EndpointSection>,
}

/// One `[[http.endpoints]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSection {
    pub name: String,
    #[serde(default = "default_method")]
    pub method: String,
    /// Path relative to `base_url`, or an absolute URL.
    pub path: String,
    #[serde(default = "default_weight")]
    pub weight: u32,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON body, written as a TOML value (table, array, string, ...).
    pub body: Option<toml::Value>,
}

fn default_method() -> String {
    "GET".into()
}

fn default_weight() -> u32 {
    1
}

/// HTTP values given on the command line; they win over the `[http]` table.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HttpOverrides {
    pub url: Option<String>,
    pub method: Option<String>,
    pub name: Option<String>,
    pub timeout: Option<Duration>,
    pub max_body: Option<u64>,
    pub http_version: Option<HttpVersion>,
    pub insecure: bool,
}

/// The target runs on this machine (loopback, or the embedded service), so it
/// competes with the load threads for the cores.
fn target_is_local(target: &Service) -> bool {
    match target {
        Service::Embedded(_) => true,
        Service::Url { url, .. } => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        },
    }
}

fn endpoint(i: usize, e: EndpointSection, base: &Url) -> anyhow::Result<Endpoint> {
    let at = |field: &str| format!("http.endpoints[{i}].{field}");
    let method = Method::from_bytes(e.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| anyhow!("{}: `{}` is not an HTTP method", at("method"), e.method))?;
    let path = expand_env(&e.path).with_context(|| at("path"))?;
    join(base, &path).with_context(|| at("path"))?;
    let mut headers = HeaderMap::new();
    for (name, value) in &e.headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| anyhow!("{}: `{name}` is not a valid header name", at("headers")))?;
        let value = expand_env(value).with_context(|| at(&format!("headers.{name}")))?;
        let mut value = HeaderValue::from_str(&value)
            .map_err(|_| anyhow!("{}: the value is not a valid header value", at(&format!("headers.{name}"))))?;
        value.set_sensitive(true);
        headers.insert(header, value);
    }
    let body = match e.body {
        None => None,
        Some(value) => {
            let json = serde_json::to_string(&value).with_context(|| at("body"))?;
            let json = expand_env(&json).with_context(|| at("body"))?;
            if !headers.contains_key(http::header::CONTENT_TYPE) {
                headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Some(bytes::Bytes::from(json))
        }
    };
    Ok(Endpoint { name: e.name, method, path, display_path: e.path, weight: e.weight, headers, body })
}

impl KindSection for HttpSection {
    type Plan = HttpPlan;
    type Overrides = HttpOverrides;

    const URL_FLAG: UrlFlag = UrlFlag {
        long: "url",
        env: "PERFPROOF_URL",
        help: "Target URL (base URL of the scenario's endpoints). Default: the scenario's, else the embedded demo service.",
    };

    fn url_overrides(url: Option<String>) -> HttpOverrides {
        HttpOverrides { url, ..HttpOverrides::default() }
    }

    fn names_target(flags: &HttpOverrides) -> bool {
        flags.url.is_some()
    }

    /// Combines the `[http]` table, the HTTP flags and the load flags (flags win) into a checked plan.
    fn plan(
        &self,
        flags: &HttpOverrides,
        load: &LoadOverrides,
        profile: Profile,
        _sharded: bool,
    ) -> anyhow::Result<HttpPlan> {
        let section = self;
        let template = flags.url.clone().or(section.base_url.clone());
        let (target, base) = match &template {
            Some(template) => {
                let url = parse_url(&expand_env(template).context("http.base_url")?).context("http.base_url")?;
                (Service::Url { url: url.clone(), display: display_url(template) }, url)
            }
            // Endpoints are checked against a stand-in for the demo service's address.
            None => (Service::Embedded(profile), Url::parse("http://127.0.0.1/").expect("a valid URL")),
        };
        let endpoint_sections = match (section.endpoints.is_empty(), &target, &flags.method) {
            (false, _, _) => section.endpoints.clone(),
            (true, Service::Embedded(_), None) => demo::DEFAULT_ENDPOINTS
                .iter()
                .map(|&(name, path, weight)| EndpointSection {
                    name: name.into(),
                    method: default_method(),
                    path: path.into(),
                    weight,
                    headers: BTreeMap::new(),
                    body: None,
                })
                .collect(),
            (true, _, method) => vec![EndpointSection {
                name: "default".into(),
                method: method.clone().unwrap_or_else(default_method),
                path: String::new(),
                weight: 1,
                headers: BTreeMap::new(),
                body: None,
            }],
        };
        if endpoint_sections.len() > usize::from(u16::MAX) {
            bail!("http.endpoints: at most {} endpoints, not {}", u16::MAX, endpoint_sections.len());
        }
        let endpoints = endpoint_sections
            .into_iter()
            .enumerate()
            .map(|(i, e)| endpoint(i, e, &base))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if endpoints.iter().all(|e| e.weight == 0) {
            bail!("http.endpoints: at least one endpoint needs a weight above 0");
        }
        let http_version = match (flags.http_version, &section.http_version) {
            (Some(version), _) => version,
            (None, Some(name)) => HttpVersion::from_name(name)
                .ok_or_else(|| anyhow!("http.http_version: `{name}` is not one of auto, http1, http2"))?,
            (None, None) => HttpVersion::Auto,
        };
        let timeout = match (flags.timeout, &section.timeout) {
            (Some(timeout), _) => timeout,
            (None, Some(text)) => parse_duration(text).context("http.timeout")?,
            (None, None) => DEFAULT_TIMEOUT,
        };
        let default_name = if matches!(target, Service::Embedded(_)) { "demo" } else { "api" };
        let mut load_plan = load_plan(&section.load, load, "http.load")?;
        if load.threads.or(section.load.threads).is_none() && target_is_local(&target) {
            load_plan.threads = default_threads_beside_target();
        }
        load_plan.capacity =
            section.capacity.as_ref().map(|c| capacity_plan(c, &HttpResult::INFO, "http.capacity")).transpose()?;
        Ok(HttpPlan {
            name: flags.name.clone().or(section.name.clone()).unwrap_or_else(|| default_name.into()),
            target,
            http_version,
            insecure: flags.insecure || section.insecure.unwrap_or(false),
            timeout,
            max_body: flags.max_body.or(section.max_body).unwrap_or(DEFAULT_MAX_BODY),
            endpoints,
            load: load_plan,
        })
    }
}
