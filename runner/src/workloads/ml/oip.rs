//! The Open Inference Protocol (KServe v2, REST): the JSON documents, a client for
//! readiness (`/v2/health/ready`, `/v2/models/{name}[/versions/{v}]/ready`), metadata
//! (`GET /v2/models/{name}[/versions/{v}]`) and inference
//! (`POST /v2/models/{name}[/versions/{v}]/infer`). Each answer is checked by
//! [`super::answer`].
//!
//! Two transports: hyper's pooled HTTP/1.1 client (plain or TLS, as the HTTP
//! workload builds it), and for closed-model users on plain HTTP a connection of
//! their own ([`Dedicated`], over the HTTP workload's lean `h1` connection), which
//! keeps each answer for its check where the HTTP workload only counts bodies.

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use perfproof_shared::report::{MlModel, MlTensor};
use serde::{Deserialize, Serialize};
use url::Url;

use super::tensor::{is_integer, TensorMetadata};
use super::ErrorClass;
use crate::workloads::http::client::{classify, tls_config};
use crate::workloads::http::{h1, ErrorKind};

/// The pooled client, plain HTTP or TLS.
pub type Client = HyperClient<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Builds a pooled HTTP/1.1 client (TLS verified against the web PKI roots).
pub fn client(timeout: Duration) -> anyhow::Result<Client> {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    http.set_connect_timeout(Some(timeout));
    let https =
        hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls_config(false)?).https_or_http().enable_http1();
    let mut builder = HyperClient::builder(TokioExecutor::new());
    builder.pool_max_idle_per_host(usize::MAX).pool_idle_timeout(Duration::from_secs(90));
    Ok(builder.build(https.wrap_connector(http)))
}

/// `GET /v2/models/{name}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelMetadata {
    pub name: String,
    #[serde(default)]
    pub versions: Vec<String>,
    #[serde(default)]
    pub platform: String,
    pub inputs: Vec<TensorMetadata>,
    pub outputs: Vec<TensorMetadata>,
}

impl ModelMetadata {
    /// As the report names the model.
    pub fn describe(&self) -> MlModel {
        let tensor = |t: &TensorMetadata| MlTensor {
            name: t.name.clone(),
            datatype: t.datatype.clone(),
            shape: t.shape.clone(),
        };
        MlModel {
            name: self.name.clone(),
            version: self.versions.first().cloned(),
            inputs: self.inputs.iter().map(tensor).collect(),
            outputs: self.outputs.iter().map(tensor).collect(),
        }
    }
}

/// One input or output tensor with its values, flat in row-major order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<i64>,
    pub datatype: String,
    pub data: Vec<f64>,
}

/// The body of `POST /v2/models/{name}/infer`.
#[derive(Debug, Clone, Serialize)]
struct InferRequest<'a> {
    inputs: [InputTensor<'a>; 1],
}

#[derive(Debug, Clone, Serialize)]
struct InputTensor<'a> {
    name: &'a str,
    shape: [usize; 2],
    datatype: &'a str,
    data: Values,
}

/// An input's values as its datatype writes them: `1` for INT64, `true` for BOOL, `1.0` for FP32.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum Values {
    Float(Vec<f32>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
}

impl Values {
    fn of(datatype: &str, values: impl Iterator<Item = f32>) -> Values {
        if datatype == "BOOL" {
            Values::Bool(values.map(|v| v != 0.0).collect())
        } else if is_integer(datatype) {
            Values::Int(values.map(|v| v as i64).collect())
        } else {
            Values::Float(values.collect())
        }
    }
}

/// The answer to an inference request.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct InferResponse {
    #[serde(default)]
    pub model_name: String,
    pub outputs: Vec<Tensor>,
}

/// The error document servers answer with (`{"error": "..."}`).
#[derive(Debug, Deserialize)]
struct ErrorDocument {
    error: String,
}

/// The body of an inference request for `rows` (each a sample of the input's width).
pub fn infer_body(input: &TensorMetadata, rows: &[&[f32]]) -> Bytes {
    let width = rows.first().map_or(0, |r| r.len());
    let request = InferRequest {
        inputs: [InputTensor {
            name: &input.name,
            shape: [rows.len(), width],
            datatype: &input.datatype,
            data: Values::of(&input.datatype, rows.iter().flat_map(|r| r.iter().copied())),
        }],
    };
    Bytes::from(serde_json::to_vec(&request).unwrap_or_default())
}

/// How one inference request ended, before its answer is checked.
pub enum Exchange {
    /// A 2xx answer and its body.
    Answer(Bytes),
    /// A failure, classified, with what to say about it.
    Failed(ErrorClass, String),
}

/// An error and its causes, `outer: inner: …` (hyper's own words say little alone).
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut said = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        said.push_str(": ");
        said.push_str(&inner.to_string());
        cause = inner.source();
    }
    said
}

/// Sends one request and reads the whole answer within `timeout`.
pub async fn exchange(client: &Client, request: Request<Full<Bytes>>, timeout: Duration) -> Exchange {
    let work = async { read(client.request(request).await).await };
    conclude(tokio::time::timeout(timeout, work).await, timeout)
}

/// The response's status and whole body, or the failure classified.
async fn read<E: std::error::Error + 'static>(
    response: Result<hyper::Response<hyper::body::Incoming>, E>,
) -> Result<(hyper::StatusCode, Bytes), (ErrorClass, String)> {
    let response = response.map_err(|e| failed(&e))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| (ErrorClass::Protocol, format!("reading the answer: {e}")))?
        .to_bytes();
    Ok((status, body))
}

/// A transport error, classified as the HTTP workload classifies it.
fn failed(e: &(dyn std::error::Error + 'static)) -> (ErrorClass, String) {
    (class_of(classify(e)), with_causes(e))
}

/// The class of an HTTP workload's failure kind.
fn class_of(kind: ErrorKind) -> ErrorClass {
    match kind {
        ErrorKind::Timeout => ErrorClass::Timeout,
        ErrorKind::Protocol | ErrorKind::Body => ErrorClass::Protocol,
        _ => ErrorClass::Connect,
    }
}

/// A non-2xx answer: its class and the server's words (`{"error": …}`, or the body's start).
fn refused(status: u16, body: &[u8]) -> (ErrorClass, String) {
    let class = if (400..500).contains(&status) { ErrorClass::Http4xx } else { ErrorClass::Http5xx };
    let said = serde_json::from_slice::<ErrorDocument>(body)
        .map(|d| d.error)
        .unwrap_or_else(|_| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
    (class, format!("HTTP {status}: {said}"))
}

type Read = Result<(hyper::StatusCode, Bytes), (ErrorClass, String)>;

/// A finished (or timed out) exchange: a 2xx body, or the failure with the server's words.
fn conclude(result: Result<Read, tokio::time::error::Elapsed>, timeout: Duration) -> Exchange {
    match result {
        Err(_) => Exchange::Failed(ErrorClass::Timeout, no_answer(timeout)),
        Ok(Err((class, message))) => Exchange::Failed(class, message),
        Ok(Ok((status, body))) if status.is_success() => Exchange::Answer(body),
        Ok(Ok((status, body))) => {
            let (class, message) = refused(status.as_u16(), &body);
            Exchange::Failed(class, message)
        }
    }
}

fn no_answer(timeout: Duration) -> String {
    format!("no answer within {timeout:?}")
}

/// A closed-model user's own HTTP/1.1 connection to a plain-HTTP server: the HTTP
/// workload's lean connection ([`h1`]), each request written whole in one call and
/// each answer kept, for its check, in a buffer reused between requests. Opened on
/// first use, and again after any failure, a timeout or a close by the server.
pub struct Dedicated {
    host: String,
    port: u16,
    connection: Option<h1::Connection>,
    /// The body of the latest answer.
    answer: Vec<u8>,
}

/// Most bytes an answer may take.
const MAX_ANSWER: u64 = 256 * 1024 * 1024;

impl Dedicated {
    /// For requests to `uri` (absolute, `http`); `None` for HTTPS, which goes through the pooled client.
    pub fn new(uri: &Uri) -> Option<Dedicated> {
        if uri.scheme_str() != Some("http") {
            return None;
        }
        let authority = uri.authority()?;
        Some(Dedicated {
            host: authority.host().trim_start_matches('[').trim_end_matches(']').to_string(),
            port: authority.port_u16().unwrap_or(80),
            connection: None,
            answer: Vec::with_capacity(8192),
        })
    }

    /// `body` as a whole inference request to `uri`, serialized once and written by
    /// [`Dedicated::exchange`] as it is.
    pub fn wire(uri: &Uri, body: &[u8]) -> Vec<u8> {
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let host = uri.authority().map_or("", |a| a.as_str());
        let mut wire = format!(
            "POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        wire.extend_from_slice(body);
        wire
    }

    /// Writes `wire` (from [`Dedicated::wire`]) and reads the whole answer within
    /// `timeout`: the body of a 2xx answer, or the failure classified.
    pub async fn exchange(&mut self, wire: &[u8], timeout: Duration) -> Result<&[u8], (ErrorClass, String)> {
        // The connection leaves its slot for the exchange: a timed-out one is dropped.
        let status = match tokio::time::timeout(timeout, self.send(wire)).await {
            Err(_) => return Err((ErrorClass::Timeout, no_answer(timeout))),
            Ok(status) => status?,
        };
        if (200..300).contains(&status) {
            Ok(&self.answer)
        } else {
            Err(refused(status, &self.answer))
        }
    }

    /// One request and its answer's status; the body is in `self.answer`. A kept-alive
    /// connection that the server closed while idle fails before any answer byte: the
    /// request is then sent once more on a fresh connection, as HTTP clients do (an
    /// inference changes nothing on the server; the HTTP workload does the same for
    /// idempotent methods). Without it, a think time longer than the server's
    /// keep-alive timeout would fail every request.
    async fn send(&mut self, wire: &[u8]) -> Result<u16, (ErrorClass, String)> {
        let mut retry = self.connection.is_some();
        loop {
            let mut connection = match self.connection.take() {
                Some(connection) => connection,
                None => h1::Connection::open(&self.host, self.port, None)
                    .await
                    .map_err(|e| (ErrorClass::Connect, format!("connecting to {}:{}: {e}", self.host, self.port)))?,
            };
            self.answer.clear();
            let exchange = connection.exchange(wire, false, MAX_ANSWER, Some(&mut self.answer)).await;
            if exchange.reusable {
                self.connection = Some(connection);
            }
            if retry && exchange.status.is_none() && exchange.error == Some(ErrorKind::Connect) {
                retry = false;
                continue;
            }
            return match (exchange.error, exchange.status) {
                (None, Some(status)) => Ok(status),
                (Some(ErrorKind::Connect), _) | (None, None) => {
                    Err((ErrorClass::Connect, "the server closed the connection before the answer was whole".into()))
                }
                (Some(ErrorKind::Body), _) => Err((
                    ErrorClass::Protocol,
                    format!("the answer's body was cut short, malformed or over {MAX_ANSWER} bytes"),
                )),
                (Some(kind), _) => Err((class_of(kind), "the answer is not valid HTTP/1.1".into())),
            };
        }
    }
}

/// A datatype this workload can send: numbers, written as the datatype wants them.
pub fn supported_datatype(datatype: &str) -> bool {
    matches!(
        datatype,
        "BOOL"
            | "INT8"
            | "INT16"
            | "INT32"
            | "INT64"
            | "UINT8"
            | "UINT16"
            | "UINT32"
            | "UINT64"
            | "FP16"
            | "FP32"
            | "FP64"
    )
}

/// An inference server's address and the requests it takes.
#[derive(Debug, Clone)]
pub struct Server {
    pub base: Url,
    /// What may be shown of `base` (no credentials).
    pub display: String,
    pub model: String,
    /// The model's version, when one is asked for: every model path then goes
    /// through `/v2/models/{name}/versions/{v}`.
    pub version: Option<String>,
}

impl Server {
    /// `/v2/models/{name}`, or `/v2/models/{name}/versions/{v}`.
    pub fn model_path(&self) -> String {
        match &self.version {
            Some(v) => format!("/v2/models/{}/versions/{v}", self.model),
            None => format!("/v2/models/{}", self.model),
        }
    }

    /// The model as messages name it: `digits`, or `digits` version 3.
    fn named(&self) -> String {
        match &self.version {
            Some(v) => format!("`{}` (version {v})", self.model),
            None => format!("`{}`", self.model),
        }
    }

    fn uri(&self, path: &str) -> anyhow::Result<Uri> {
        let url = crate::workloads::http::join(&self.base, path)?;
        url.as_str().parse().with_context(|| format!("{}{path} is not a URI", self.display))
    }

    /// `POST /v2/models/{name}[/versions/{v}]/infer`.
    pub fn infer_uri(&self) -> anyhow::Result<Uri> {
        self.uri(&format!("{}/infer", self.model_path()))
    }

    /// An inference request with `body`.
    pub fn infer_request(uri: &Uri, body: Bytes) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = uri.clone();
        request
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
        request
    }

    async fn get(&self, client: &Client, path: &str, timeout: Duration) -> anyhow::Result<Bytes> {
        let mut request = Request::new(Full::new(Bytes::new()));
        *request.uri_mut() = self.uri(path)?;
        match exchange(client, request, timeout).await {
            Exchange::Answer(body) => Ok(body),
            Exchange::Failed(class, message) => {
                Err(anyhow!("GET {}{path}: {} ({message})", self.display.trim_end_matches('/'), class.name()))
            }
        }
    }

    /// Waits for nothing: the server and the model must be ready now.
    pub async fn check_ready(&self, client: &Client, timeout: Duration) -> anyhow::Result<()> {
        self.get(client, "/v2/health/ready", timeout).await.context("the inference server is not ready")?;
        self.get(client, &format!("{}/ready", self.model_path()), timeout)
            .await
            .with_context(|| format!("the model {} is not ready", self.named()))?;
        Ok(())
    }

    /// The model's metadata: its inputs and outputs.
    pub async fn metadata(&self, client: &Client, timeout: Duration) -> anyhow::Result<ModelMetadata> {
        let body = self.get(client, &self.model_path(), timeout).await?;
        let model = self.named();
        let metadata: ModelMetadata = serde_json::from_slice(&body)
            .with_context(|| format!("the metadata of the model {model} is not an Open Inference Protocol document"))?;
        let [input] = &metadata.inputs[..] else {
            bail!("the model {model} has {} inputs; this workload sends one (a batch of rows)", metadata.inputs.len());
        };
        if input.shape.len() != 2 || input.shape[1] <= 0 {
            bail!(
                "the model {model}'s input `{}` has shape {:?}; this workload sends [batch, features] with a fixed number of features",
                input.name,
                input.shape
            );
        }
        if !supported_datatype(&input.datatype) {
            bail!(
                "the model {model}'s input `{}` is {}; this workload sends numbers (BOOL, INT*, UINT*, FP16, FP32, FP64)",
                input.name,
                input.datatype
            );
        }
        if metadata.outputs.is_empty() {
            bail!("the model {model} declares no outputs");
        }
        Ok(metadata)
    }

    /// Sends `rows` as one request and returns the checked answer.
    pub async fn infer(
        &self,
        client: &Client,
        metadata: &ModelMetadata,
        rows: &[&[f32]],
        timeout: Duration,
    ) -> anyhow::Result<InferResponse> {
        let body = infer_body(&metadata.inputs[0], rows);
        match exchange(client, Self::infer_request(&self.infer_uri()?, body), timeout).await {
            Exchange::Answer(body) => {
                super::answer::Expected::new(&metadata.outputs, rows.len())
                    .check(&body)
                    .map_err(|e| anyhow!("{}: {e}", ErrorClass::BadOutput.name()))?;
                serde_json::from_slice(&body).map_err(|e| anyhow!("{}: {e}", ErrorClass::BadOutput.name()))
            }
            Exchange::Failed(class, message) => Err(anyhow!("{}: {message}", class.name())),
        }
    }
}
