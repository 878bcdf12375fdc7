//! Run configuration: the TOML scenario file, command-line overrides, `${VAR}`
//! expansion from the environment, and the redaction of secrets.
//!
//! Architecture invariant: this is the one place secrets are handled. Header values
//! and bodies never leave the [`Endpoint`]s requests are built from; every URL that
//! may be shown (report, log, progress) is the `display` form, built from the
//! unexpanded template with credentials removed, so neither a password in a URL nor
//! the value of a `${VAR}` can reach a report.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::Method;
use serde::Deserialize;
use url::Url;

use crate::cli::RunArgs;

/// A scenario file, as written. See `examples/scenario.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Run label (`baseline`, `optimized`, ...).
    pub label: Option<String>,
    /// The HTTP workload.
    pub http: Option<HttpFile>,
}

/// The `[http]` table of a scenario file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpFile {
    pub name: Option<String>,
    pub base_url: Option<String>,
    pub duration: Option<String>,
    pub warmup: Option<String>,
    pub timeout: Option<String>,
    pub max_body: Option<u64>,
    pub max_requests: Option<u64>,
    pub http_version: Option<HttpVersion>,
    pub insecure: Option<bool>,
    pub users: Option<u32>,
    pub think_time: Option<String>,
    pub rate: Option<f64>,
    pub max_in_flight: Option<u32>,
    #[serde(default)]
    pub stages: Vec<StageFile>,
    #[serde(default)]
    pub endpoints: Vec<EndpointFile>,
}

/// One `[[http.stages]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageFile {
    pub duration: String,
    pub target: f64,
}

/// One `[[http.endpoints]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointFile {
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

/// HTTP version to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum HttpVersion {
    /// HTTP/1.1, or HTTP/2 when TLS negotiates it.
    Auto,
    /// HTTP/1.1 only.
    Http1,
    /// HTTP/2 (prior knowledge on plain HTTP).
    Http2,
}

impl HttpVersion {
    pub fn name(self) -> &'static str {
        match self {
            HttpVersion::Auto => "auto",
            HttpVersion::Http1 => "http1",
            HttpVersion::Http2 => "http2",
        }
    }
}

/// The load model with its parameters, resolved.
#[derive(Debug, Clone)]
pub enum Model {
    Closed { users: u32, think_time: Duration, stages: Vec<Stage> },
    Open { rate: f64, stages: Vec<Stage>, max_in_flight: u32 },
}

/// A ramp stage: over `duration`, move linearly to `target` users or requests/s.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub duration: Duration,
    pub target: f64,
}

/// An endpoint requests are sent to. `headers` and `body` may hold secrets: they
/// are used to build requests and never shown.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub name: String,
    pub method: Method,
    pub url: Url,
    /// What may be shown: from the unexpanded template, without credentials.
    pub display_url: String,
    pub weight: u32,
    pub headers: HeaderMap,
    pub body: Option<bytes::Bytes>,
}

/// Everything the HTTP workload needs, resolved and checked.
#[derive(Debug, Clone)]
pub struct HttpPlan {
    pub name: String,
    /// Base URL as it may be shown.
    pub display_target: String,
    pub http_version: HttpVersion,
    pub insecure: bool,
    pub model: Model,
    pub warmup: Duration,
    pub duration: Duration,
    pub timeout: Duration,
    pub max_body: u64,
    pub max_requests: Option<u64>,
    pub endpoints: Vec<Endpoint>,
}

impl HttpPlan {
    /// The level (users, or requests per second) the plan asks for at `t` into the
    /// measured period; during the warm-up (`t` < 0) the level of the first moment.
    pub fn level_at(&self, t: f64) -> f64 {
        let (constant, stages) = match &self.model {
            Model::Closed { users, stages, .. } => (*users as f64, stages),
            Model::Open { rate, stages, .. } => (*rate, stages),
        };
        if stages.is_empty() {
            return constant;
        }
        let mut start = 0.0;
        let mut from = 0.0;
        for stage in stages {
            let length = stage.duration.as_secs_f64();
            if t < start + length || length == 0.0 {
                let into = (t - start).max(0.0);
                let fraction = if length > 0.0 { into / length } else { 1.0 };
                return from + (stage.target - from) * fraction.min(1.0);
            }
            start += length;
            from = stage.target;
        }
        from
    }
}

/// Reads a scenario file.
pub fn load_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading scenario file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Combines the scenario file and the flags (flags win) into a checked plan.
pub fn http_plan(file: HttpFile, args: &RunArgs) -> anyhow::Result<HttpPlan> {
    let duration_of = |field: &str, flag: Option<Duration>, file: Option<&String>, default: Duration| match flag {
        Some(d) => Ok(d),
        None => file.map(|s| parse_duration(s).with_context(|| format!("http.{field}"))).unwrap_or(Ok(default)),
    };
    let base_template = args
        .url
        .clone()
        .or(file.base_url.clone())
        .ok_or_else(|| anyhow!("no target: give --url or `http.base_url`"))?;
    let base_url = parse_url(&expand_env(&base_template).context("http.base_url")?).context("http.base_url")?;
    let display_target = display_url(&base_template);

    let stages = file
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let duration = parse_duration(&s.duration).with_context(|| format!("http.stages[{i}].duration"))?;
            if !(s.target.is_finite() && s.target >= 0.0) {
                bail!("http.stages[{i}].target must be a number ≥ 0, not {}", s.target);
            }
            Ok(Stage { duration, target: s.target })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let think_time = duration_of("think_time", args.think_time, file.think_time.as_ref(), Duration::ZERO)?;
    let peak_stage = stages.iter().map(|s| s.target).fold(0.0, f64::max);
    let stages_total: Duration = stages.iter().map(|s| s.duration).sum();
    let model = match args.rate.or(file.rate) {
        Some(rate) => {
            if !(rate.is_finite() && rate > 0.0) {
                bail!("the arrival rate must be a positive number of requests per second, not {rate}");
            }
            let max_in_flight = args.max_in_flight.or(file.max_in_flight).unwrap_or(10_000);
            Model::Open { rate: rate.max(peak_stage), stages, max_in_flight }
        }
        None => {
            let users = match args.users.or(file.users) {
                Some(0) => bail!("http.users must be at least 1"),
                Some(users) => users,
                None if !stages.is_empty() => 0,
                None => 16,
            };
            let users = users.max(peak_stage.ceil() as u32).max(1);
            Model::Closed { users, think_time, stages }
        }
    };
    let duration = if stages_total.is_zero() {
        duration_of("duration", args.duration, file.duration.as_ref(), Duration::from_secs(10))?
    } else {
        stages_total
    };
    if duration.is_zero() {
        bail!("http.duration must be greater than zero");
    }

    let endpoint_files = if file.endpoints.is_empty() {
        vec![EndpointFile {
            name: "default".into(),
            method: args.method.clone().unwrap_or_else(default_method),
            path: String::new(),
            weight: 1,
            headers: BTreeMap::new(),
            body: None,
        }]
    } else {
        file.endpoints
    };
    let endpoints = endpoint_files
        .into_iter()
        .enumerate()
        .map(|(i, e)| endpoint(i, e, &base_template, &base_url))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if endpoints.iter().all(|e| e.weight == 0) {
        bail!("http.endpoints: at least one endpoint needs a weight above 0");
    }

    Ok(HttpPlan {
        name: args.name.clone().or(file.name).unwrap_or_else(|| "api".into()),
        display_target,
        http_version: args.http_version.or(file.http_version).unwrap_or(HttpVersion::Auto),
        insecure: args.insecure || file.insecure.unwrap_or(false),
        model,
        warmup: duration_of("warmup", args.warmup, file.warmup.as_ref(), Duration::ZERO)?,
        duration,
        timeout: duration_of("timeout", args.timeout, file.timeout.as_ref(), Duration::from_secs(10))?,
        max_body: args.max_body.or(file.max_body).unwrap_or(16 * 1024 * 1024),
        max_requests: args.requests.or(file.max_requests),
        endpoints,
    })
}

fn endpoint(i: usize, e: EndpointFile, base_template: &str, base_url: &Url) -> anyhow::Result<Endpoint> {
    let at = |field: &str| format!("http.endpoints[{i}].{field}");
    let method = Method::from_bytes(e.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| anyhow!("{}: `{}` is not an HTTP method", at("method"), e.method))?;
    let expanded_path = expand_env(&e.path).with_context(|| at("path"))?;
    let url = join(base_url, &expanded_path).with_context(|| at("path"))?;
    let display_url = display_url(&join_template(base_template, &e.path));
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
    Ok(Endpoint { name: e.name, method, url, display_url, weight: e.weight, headers, body })
}

fn parse_url(raw: &str) -> anyhow::Result<Url> {
    let url = Url::parse(raw).map_err(|e| anyhow!("`{}` is not a valid URL: {e}", display_url(raw)))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("the URL must be http:// or https://, not `{}://`", url.scheme());
    }
    Ok(url)
}

fn join(base: &Url, path: &str) -> anyhow::Result<Url> {
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

fn join_template(base: &str, path: &str) -> String {
    if path.is_empty() {
        base.to_string()
    } else if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else {
        format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
    }
}

/// A URL (or URL template) as it may be shown: user name and password removed.
/// `${VAR}` placeholders stay as written, so expanded secrets never appear.
pub fn display_url(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://") else { return raw.to_string() };
    let rest = &raw[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://{}", &raw[..scheme_end], &rest[at + 1..]),
        None => raw.to_string(),
    }
}

/// Replaces every `${NAME}` with the environment variable NAME; an unset variable is an error.
pub fn expand_env(text: &str) -> anyhow::Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| anyhow!("`${{` without a closing `}}`"))?;
        let name = &after[..end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!("`${{{name}}}` is not a valid environment variable reference");
        }
        let value = std::env::var(name).map_err(|_| anyhow!("environment variable {name} is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses `10s`, `500ms`, `2m`, ...
pub fn parse_duration(s: &str) -> anyhow::Result<Duration> {
    humantime::parse_duration(s).map_err(|e| anyhow!("`{s}` is not a duration like 10s, 500ms or 2m: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_display_form() {
        assert_eq!(display_url("http://alice:s3cret@127.0.0.1:8080/api?x=1"), "http://127.0.0.1:8080/api?x=1");
        assert_eq!(display_url("https://host/path@v2"), "https://host/path@v2");
    }

    #[test]
    fn env_expansion_names_the_missing_variable() {
        std::env::set_var("PERFPROOF_TEST_TOKEN", "abc");
        assert_eq!(expand_env("Bearer ${PERFPROOF_TEST_TOKEN}!").unwrap(), "Bearer abc!");
        let err = expand_env("${PERFPROOF_SURELY_UNSET}").unwrap_err().to_string();
        assert!(err.contains("PERFPROOF_SURELY_UNSET"), "{err}");
        assert!(expand_env("${oops").is_err());
    }

    #[test]
    fn joins_paths_and_keeps_queries() {
        let base = Url::parse("http://h:1/api/").unwrap();
        assert_eq!(join(&base, "/items?id=3").unwrap().as_str(), "http://h:1/api/items?id=3");
        assert_eq!(join(&base, "").unwrap().as_str(), "http://h:1/api/");
    }
}
