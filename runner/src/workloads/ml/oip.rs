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
/// Parsed without copying: names borrowed, values counted and checked as they are
/// read, never kept (this runs on every request).
pub fn check(body: &[u8], outputs: &[TensorMetadata], batch: usize) -> Result<(), String> {
    let response: CheckedResponse =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not an inference response: {e}"))?;
    for declared in outputs {
        let Some(got) = response.outputs.iter().find(|o| o.name == declared.name) else {
            let names: Vec<&str> = response.outputs.iter().map(|o| o.name.as_ref()).collect();
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
        if got.data.count as i64 != size {
            return Err(format!("the output `{}` holds {} values, its shape {size}", got.name, got.data.count));
        }
        if let (true, Some(v)) = (is_integer(&declared.datatype), got.data.fraction) {
            return Err(format!("the output `{}` is {} but holds {v}", got.name, got.datatype));
        }
    }
    Ok(())
}

/// An inference response as [`check`] reads it.
#[derive(Deserialize)]
struct CheckedResponse<'a> {
    #[serde(borrow)]
    outputs: Vec<CheckedTensor<'a>>,
}

#[derive(Deserialize)]
struct CheckedTensor<'a> {
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    datatype: std::borrow::Cow<'a, str>,
    shape: Vec<i64>,
    data: Counted,
}

/// A tensor's flat values, counted; the first that is not a whole finite number.
struct Counted {
    count: usize,
    fraction: Option<f64>,
}

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Counted;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array of numbers")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Counted, A::Error> {
                let mut counted = Counted { count: 0, fraction: None };
                while let Some(v) = seq.next_element::<f64>()? {
                    counted.count += 1;
                    if counted.fraction.is_none() && (v.fract() != 0.0 || !v.is_finite()) {
                        counted.fraction = Some(v);
                    }
                }
                Ok(counted)
            }
        }
        deserializer.deserialize_seq(Visitor)
    }
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
/// workload's users keep theirs): each request written in one call, the answer's
/// head parsed in place (httparse) and its body read by `Content-Length` or chunks;
/// no pool and no connection task between the user and its socket. Opened on first
/// use, and again after any failure, a `Connection: close`, or a close by the server.
pub struct Dedicated {
    /// `host:port`.
    authority: String,
    /// The request up to its `Content-Length` value.
    head: Vec<u8>,
    stream: Option<tokio::net::TcpStream>,
    /// What was read and not yet used.
    buffer: Vec<u8>,
    /// The request being written.
    request: Vec<u8>,
}

/// Most bytes an answer's head may take.
const MAX_HEAD: usize = 64 * 1024;
/// Most bytes an answer may take.
const MAX_ANSWER: usize = 256 * 1024 * 1024;

impl Dedicated {
    /// For requests to `uri` (absolute, `http`); `None` for HTTPS, which goes through the pooled client.
    pub fn new(uri: &Uri) -> Option<Dedicated> {
        if uri.scheme_str() != Some("http") {
            return None;
        }
        let authority = uri.authority()?;
        let port = authority.port_u16().unwrap_or(80);
        let head = format!(
            "POST {} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: ",
            uri.path_and_query()?.as_str(),
            authority.as_str()
        );
        Some(Dedicated {
            authority: format!("{}:{port}", authority.host().trim_start_matches('[').trim_end_matches(']')),
            head: head.into_bytes(),
            stream: None,
            buffer: Vec::with_capacity(8192),
            request: Vec::new(),
        })
    }

    /// Sends `body` as an inference request on this connection and reads the whole
    /// answer within `timeout`; a failed or timed-out exchange drops the connection.
    pub async fn exchange(&mut self, body: Bytes, timeout: Duration) -> Exchange {
        let result = tokio::time::timeout(timeout, self.send(&body)).await;
        if !matches!(result, Ok(Ok((_, _, true)))) {
            self.stream = None;
            self.buffer.clear();
        }
        conclude(result.map(|r| r.map(|(status, body, _)| (status, body))), timeout)
    }

    /// One request and its answer: status, body, and whether the connection may be reused.
    async fn send(&mut self, body: &[u8]) -> Result<(hyper::StatusCode, Bytes, bool), (ErrorClass, String)> {
        use tokio::io::AsyncWriteExt;
        if self.stream.is_none() {
            let stream = tokio::net::TcpStream::connect(&self.authority)
                .await
                .map_err(|e| (ErrorClass::Connect, format!("connecting to {}: {e}", self.authority)))?;
            let _ = stream.set_nodelay(true);
            self.buffer.clear();
            self.stream = Some(stream);
        }
        // Written into one buffer kept between requests: one write, no allocation.
        use std::io::Write as _;
        self.request.clear();
        self.request.extend_from_slice(&self.head);
        let _ = write!(self.request, "{}\r\n\r\n", body.len());
        self.request.extend_from_slice(body);
        let Some(stream) = self.stream.as_mut() else { return Err((ErrorClass::Connect, "no connection".into())) };
        stream
            .write_all(&self.request)
            .await
            .map_err(|e| (ErrorClass::Connect, format!("sending the request: {e}")))?;
        // The head.
        let (status, head_len, framing, keep) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&self.buffer) {
                Ok(httparse::Status::Complete(len)) => {
                    let code = response.code.unwrap_or(0);
                    let status = hyper::StatusCode::from_u16(code)
                        .map_err(|_| (ErrorClass::Protocol, format!("the status {code} is not an HTTP status")))?;
                    let header = |name: &str| {
                        response.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value)
                    };
                    let chunked = header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case(b"chunked"));
                    let length = match header("content-length") {
                        Some(v) => {
                            Some(std::str::from_utf8(v).ok().and_then(|v| v.trim().parse::<usize>().ok()).ok_or_else(
                                || (ErrorClass::Protocol, "a Content-Length that is not a number".into()),
                            )?)
                        }
                        None => None,
                    };
                    let keep = !header("connection").is_some_and(|v| v.eq_ignore_ascii_case(b"close"));
                    let framing = match (chunked, length) {
                        _ if code == 204 || code == 304 || code < 200 => Framing::Length(0),
                        (true, _) => Framing::Chunked,
                        (false, Some(n)) => Framing::Length(n),
                        (false, None) => Framing::Close,
                    };
                    break (status, len, framing, keep && !matches!(framing, Framing::Close));
                }
                Ok(httparse::Status::Partial) if self.buffer.len() < MAX_HEAD => self.fill().await?,
                Ok(httparse::Status::Partial) => {
                    return Err((ErrorClass::Protocol, format!("an answer head longer than {MAX_HEAD} bytes")))
                }
                Err(e) => return Err((ErrorClass::Protocol, format!("the answer is not HTTP/1.1: {e}"))),
            }
        };
        self.buffer.drain(..head_len);
        let body = match framing {
            Framing::Length(n) if n > MAX_ANSWER => {
                return Err((ErrorClass::Protocol, format!("an answer of {n} bytes (at most {MAX_ANSWER})")))
            }
            Framing::Length(n) => {
                while self.buffer.len() < n {
                    self.fill().await?;
                }
                let body = Bytes::copy_from_slice(&self.buffer[..n]);
                self.buffer.drain(..n);
                body
            }
            Framing::Chunked => self.chunks().await?,
            Framing::Close => {
                while self.fill_or_end().await? {}
                Bytes::from(std::mem::take(&mut self.buffer))
            }
        };
        Ok((status, body, keep))
    }

    /// A chunked body, decoded (trailers skipped).
    async fn chunks(&mut self) -> Result<Bytes, (ErrorClass, String)> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(at) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                    break at;
                }
                self.fill().await?;
            };
            let line = std::str::from_utf8(&self.buffer[..line_end]).unwrap_or("");
            let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| (ErrorClass::Protocol, format!("a chunk size `{line}` that is not hexadecimal")))?;
            if body.len() + size > MAX_ANSWER {
                return Err((ErrorClass::Protocol, format!("an answer over {MAX_ANSWER} bytes")));
            }
            self.buffer.drain(..line_end + 2);
            if size == 0 {
                // Trailers, up to the empty line.
                loop {
                    if let Some(at) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                        self.buffer.drain(..at + 2);
                        if at == 0 {
                            return Ok(Bytes::from(body));
                        }
                    } else {
                        self.fill().await?;
                    }
                }
            }
            while self.buffer.len() < size + 2 {
                self.fill().await?;
            }
            body.extend_from_slice(&self.buffer[..size]);
            self.buffer.drain(..size + 2);
        }
    }

    /// Reads more; the server closing before the answer is whole is a connect error.
    async fn fill(&mut self) -> Result<(), (ErrorClass, String)> {
        if self.fill_or_end().await? {
            Ok(())
        } else {
            Err((ErrorClass::Connect, "the server closed the connection before the answer was whole".into()))
        }
    }

    /// Reads more; false at the end of the stream.
    async fn fill_or_end(&mut self) -> Result<bool, (ErrorClass, String)> {
        use tokio::io::AsyncReadExt;
        let Some(stream) = self.stream.as_mut() else { return Ok(false) };
        if self.buffer.len() > MAX_ANSWER {
            return Err((ErrorClass::Protocol, format!("an answer over {MAX_ANSWER} bytes")));
        }
        self.buffer.reserve(16 * 1024);
        match stream.read_buf(&mut self.buffer).await {
            Ok(0) => Ok(false),
            Ok(_) => Ok(true),
            Err(e) => Err((ErrorClass::Connect, format!("reading the answer: {e}"))),
        }
    }
}

/// How an answer's body ends.
#[derive(Debug, Clone, Copy)]
enum Framing {
    Length(usize),
    Chunked,
    /// At the close of the connection.
    Close,
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
                check(&body, &metadata.outputs, rows.len())
                    .map_err(|e| anyhow!("{}: {e}", ErrorClass::BadOutput.name()))?;
                serde_json::from_slice(&body).map_err(|e| anyhow!("{}: {e}", ErrorClass::BadOutput.name()))
            }
            Exchange::Failed(class, message) => Err(anyhow!("{}: {message}", class.name())),
        }
    }
}
