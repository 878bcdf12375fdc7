//! The Open Inference Protocol (KServe v2, REST): the JSON documents, a client for
//! readiness (`/v2/health/ready`, `/v2/models/{name}[/versions/{v}]/ready`), metadata
//! (`GET /v2/models/{name}[/versions/{v}]`) and inference
//! (`POST /v2/models/{name}[/versions/{v}]/infer`), and the
//! check every answer goes through: each declared output present by name, with the
//! declared datatype, the shape of the batch and as many values as the shape holds.
//! An answer that fails the check is a wrong answer (`bad_output`), never a success.
//!
//! The client is hyper's pooled HTTP/1.1 client (plain or TLS, as the HTTP workload
//! builds it); the runner's HTTP client counts bodies without keeping them, and an
//! inference answer must be read.

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

use super::ErrorClass;
use crate::workloads::http::client::{classify, tls_config};
use crate::workloads::http::ErrorKind;

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

/// A tensor as metadata declares it (`shape` -1: variable).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TensorMetadata {
    pub name: String,
    pub datatype: String,
    pub shape: Vec<i64>,
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

/// `INT8` … `INT64`, `UINT8` … `UINT64`.
pub fn is_integer(datatype: &str) -> bool {
    datatype.starts_with("INT") || datatype.starts_with("UINT")
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

/// Checks an answer to a request of `batch` samples against the declared outputs.
pub fn check(body: &[u8], outputs: &[TensorMetadata], batch: usize) -> Result<InferResponse, String> {
    let response: InferResponse =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not an inference response: {e}"))?;
    for declared in outputs {
        let Some(got) = response.outputs.iter().find(|o| o.name == declared.name) else {
            let names: Vec<&str> = response.outputs.iter().map(|o| o.name.as_str()).collect();
            return Err(format!("the output `{}` is missing (the answer has {names:?})", declared.name));
        };
        if got.datatype != declared.datatype {
            return Err(format!("the output `{}` is {}, not {}", got.name, got.datatype, declared.datatype));
        }
        let expected = expected_shape(&declared.shape, batch);
        if got.shape != expected {
            return Err(format!("the output `{}` has shape {:?}, not {expected:?}", got.name, got.shape));
        }
        let size: i64 = expected.iter().product();
        if got.data.len() as i64 != size {
            return Err(format!("the output `{}` holds {} values, its shape {size}", got.name, got.data.len()));
        }
        if is_integer(&declared.datatype) {
            if let Some(v) = got.data.iter().find(|v| v.fract() != 0.0 || !v.is_finite()) {
                return Err(format!("the output `{}` is {} but holds {v}", got.name, got.datatype));
            }
        }
    }
    Ok(response)
}

/// A declared shape for a batch: the leading variable dimension is the batch,
/// other variable dimensions 1.
pub fn expected_shape(declared: &[i64], batch: usize) -> Vec<i64> {
    declared
        .iter()
        .enumerate()
        .map(|(i, &d)| match (i, d) {
            (_, d) if d >= 0 => d,
            (0, _) => batch as i64,
            _ => 1,
        })
        .collect()
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
    let class = match classify(e) {
        ErrorKind::Timeout => ErrorClass::Timeout,
        ErrorKind::Protocol | ErrorKind::Body => ErrorClass::Protocol,
        _ => ErrorClass::Connect,
    };
    (class, with_causes(e))
}

type Read = Result<(hyper::StatusCode, Bytes), (ErrorClass, String)>;

/// A finished (or timed out) exchange: a 2xx body, or the failure with the server's words.
fn conclude(result: Result<Read, tokio::time::error::Elapsed>, timeout: Duration) -> Exchange {
    match result {
        Err(_) => Exchange::Failed(ErrorClass::Timeout, format!("no answer within {timeout:?}")),
        Ok(Err((class, message))) => Exchange::Failed(class, message),
        Ok(Ok((status, body))) if status.is_success() => Exchange::Answer(body),
        Ok(Ok((status, body))) => {
            let class = if status.is_client_error() { ErrorClass::Http4xx } else { ErrorClass::Http5xx };
            let said = serde_json::from_slice::<ErrorDocument>(&body)
                .map(|d| d.error)
                .unwrap_or_else(|_| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
            Exchange::Failed(class, format!("HTTP {}: {said}", status.as_u16()))
        }
    }
}

/// A closed-model user's own HTTP/1.1 connection to a plain-HTTP server (as the HTTP
/// workload's users keep theirs): no pool between the user and its connection.
/// Opened on first use, and again after any failure or a close by the server.
pub struct Dedicated {
    /// `host:port`.
    authority: String,
    /// The request line's target (`/v2/models/digits/infer`) and the Host header.
    path: Uri,
    host: hyper::header::HeaderValue,
    sender: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
}

impl Dedicated {
    /// For requests to `uri` (absolute, `http`); `None` for HTTPS, which goes through the pooled client.
    pub fn new(uri: &Uri) -> Option<Dedicated> {
        if uri.scheme_str() != Some("http") {
            return None;
        }
        let authority = uri.authority()?;
        let port = authority.port_u16().unwrap_or(80);
        Some(Dedicated {
            authority: format!("{}:{port}", authority.host().trim_start_matches('[').trim_end_matches(']')),
            path: uri.path_and_query()?.as_str().parse().ok()?,
            host: hyper::header::HeaderValue::from_str(authority.as_str()).ok()?,
            sender: None,
        })
    }

    /// Sends `body` as an inference request on this connection and reads the whole
    /// answer within `timeout`; a failed or timed-out exchange drops the connection.
    pub async fn exchange(&mut self, body: Bytes, timeout: Duration) -> Exchange {
        let mut request = Server::infer_request(&self.path, body);
        request.headers_mut().insert(hyper::header::HOST, self.host.clone());
        let work = async {
            let sender = match &mut self.sender {
                Some(sender) if !sender.is_closed() => sender,
                _ => self.sender.insert(self.connect().await?),
            };
            sender.ready().await.map_err(|e| failed(&e))?;
            read(sender.send_request(request).await).await
        };
        let result = tokio::time::timeout(timeout, work).await;
        if !matches!(result, Ok(Ok(_))) {
            self.sender = None;
        }
        conclude(result, timeout)
    }

    async fn connect(&self) -> Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>, (ErrorClass, String)> {
        let stream = tokio::net::TcpStream::connect(&self.authority)
            .await
            .map_err(|e| (ErrorClass::Connect, format!("connecting to {}: {e}", self.authority)))?;
        let _ = stream.set_nodelay(true);
        // Head and body flattened into one write: one syscall per request, as the HTTP workload writes.
        let (sender, connection) = hyper::client::conn::http1::Builder::new()
            .writev(false)
            .handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| failed(&e))?;
        // The connection runs on this user's runtime until the sender is dropped.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
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
            Exchange::Answer(body) => check(&body, &metadata.outputs, rows.len())
                .map_err(|e| anyhow!("{}: {e}", ErrorClass::BadOutput.name())),
            Exchange::Failed(class, message) => Err(anyhow!("{}: {message}", class.name())),
        }
    }
}
