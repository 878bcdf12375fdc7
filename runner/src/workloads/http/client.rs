//! The HTTP client of the load generator: one request turned into a [`Response`],
//! whatever the target does.
//!
//! Two transports, both hyper over rustls:
//! - [`Transport::Dedicated`]: each closed-model virtual user keeps its own HTTP/1.1
//!   connection per origin, as wrk does: no pool between a user and its socket,
//!   reconnecting after an error or a timeout;
//! - [`Transport::Pooled`]: hyper's pooled client, for the open model (requests are
//!   independent tasks) and for HTTP/2 (ALPN on TLS, or prior knowledge).
//!
//! Per request only pre-parsed URIs, headers and bodies are cloned, which keeps the
//! generator's own cost low enough to measure fast targets (bench/http-vs-wrk.sh).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use tokio::net::TcpStream;
use url::Url;

use super::{h1, join, Endpoint, ErrorKind as HttpErrorKind, HttpPlan, HttpVersion};

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    /// The response status, when headers arrived.
    pub status: Option<u16>,
    /// Body bytes received.
    pub bytes: u64,
    /// The failure class, or `None` for a success.
    pub error: Option<HttpErrorKind>,
}

/// A pooled HTTP/1.1 and HTTP/2 client, plain or over TLS.
pub type Client = HyperClient<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A host a dedicated connection goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    host: String,
    port: u16,
    tls: bool,
}

/// An endpoint ready to send: URIs and headers built once.
#[derive(Debug, Clone)]
struct Prepared {
    method: Method,
    /// Absolute URI, for the pooled client.
    uri: Uri,
    headers: HeaderMap,
    /// The whole request as a dedicated connection writes it (origin form, `Host`).
    wire: Bytes,
    /// A HEAD request: its response has no body.
    head_only: bool,
    origin: usize,
    body: Bytes,
}

impl Prepared {
    fn request(&self) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// Everything needed to send to the plan's endpoints, shared by all users.
#[derive(Debug)]
pub struct Targets {
    endpoints: Vec<Prepared>,
    origins: Vec<Origin>,
    tls_http1: Arc<rustls::ClientConfig>,
    timeout: Duration,
    max_body: u64,
    /// Closed-model users keep dedicated HTTP/1.1 connections.
    dedicated: bool,
}

impl Targets {
    /// The plan's endpoints, joined to `base` (the target's URL).
    pub fn new(plan: &HttpPlan, base: &Url) -> anyhow::Result<Self> {
        let mut origins: Vec<Origin> = Vec::new();
        let mut endpoints = Vec::with_capacity(plan.endpoints.len());
        for endpoint in &plan.endpoints {
            let url = join(base, &endpoint.path).with_context(|| format!("endpoint `{}`: URL", endpoint.name))?;
            endpoints.push(prepare(endpoint, &url, &mut origins)?);
        }
        let mut tls_http1 = tls_config(plan.insecure)?;
        tls_http1.alpn_protocols = vec![b"http/1.1".to_vec()];
        let dedicated = plan.dedicated_connections(origins.iter().any(|o| o.tls));
        Ok(Targets {
            endpoints,
            origins,
            tls_http1: Arc::new(tls_http1),
            timeout: plan.timeout,
            max_body: plan.max_body,
            dedicated,
        })
    }
}

impl Targets {
    /// Closed-model users keep dedicated HTTP/1.1 connections.
    pub fn dedicated(&self) -> bool {
        self.dedicated
    }

    /// Fails, naming the address, when an origin accepts no TCP connection within the timeout.
    pub async fn check_reachable(&self) -> anyhow::Result<()> {
        for origin in &self.origins {
            let address = format!("{}:{}", origin.host, origin.port);
            match tokio::time::timeout(self.timeout, TcpStream::connect((origin.host.as_str(), origin.port))).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => anyhow::bail!("the target {address} cannot be reached: {e}"),
                Err(_) => anyhow::bail!("the target {address} accepted no connection within {:?}", self.timeout),
            }
        }
        Ok(())
    }
}

fn prepare(endpoint: &Endpoint, url: &Url, origins: &mut Vec<Origin>) -> anyhow::Result<Prepared> {
    let context = || format!("endpoint `{}`: URL", endpoint.name);
    let origin = Origin {
        host: url.host_str().with_context(context)?.trim_matches(['[', ']']).to_string(),
        port: url.port_or_known_default().with_context(context)?,
        tls: url.scheme() == "https",
    };
    let index = match origins.iter().position(|o| *o == origin) {
        Some(i) => i,
        None => {
            origins.push(origin);
            origins.len() - 1
        }
    };
    let origin_form = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let body = endpoint.body.clone().unwrap_or_default();
    Ok(Prepared {
        method: endpoint.method.clone(),
        uri: url.as_str().parse().with_context(context)?,
        headers: endpoint.headers.clone(),
        wire: serialize(endpoint, &origin_form, &host, &body),
        head_only: endpoint.method == Method::HEAD,
        origin: index,
        body,
    })
}

/// An HTTP/1.1 request in origin form, as a dedicated connection writes it.
fn serialize(endpoint: &Endpoint, origin_form: &str, host: &str, body: &Bytes) -> Bytes {
    let mut wire = format!("{} {origin_form} HTTP/1.1\r\n", endpoint.method).into_bytes();
    if !endpoint.headers.contains_key(hyper::header::HOST) {
        wire.extend_from_slice(format!("host: {host}\r\n").as_bytes());
    }
    for (name, value) in &endpoint.headers {
        wire.extend_from_slice(name.as_str().as_bytes());
        wire.extend_from_slice(b": ");
        wire.extend_from_slice(value.as_bytes());
        wire.extend_from_slice(b"\r\n");
    }
    let needs_length = !body.is_empty() || matches!(endpoint.method, Method::POST | Method::PUT | Method::PATCH);
    if needs_length && !endpoint.headers.contains_key(hyper::header::CONTENT_LENGTH) {
        wire.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    wire.extend_from_slice(b"\r\n");
    wire.extend_from_slice(body);
    Bytes::from(wire)
}

/// How one virtual user (or the open-model scheduler) reaches the targets.
pub enum Transport {
    Pooled(Arc<Client>),
    /// One keep-alive connection per origin (none until the first request).
    Dedicated(Vec<Option<h1::Connection>>),
}

impl Transport {
    /// A closed-model user's transport (dedicated connections when the targets
    /// allow), or an open-model request's (always pooled).
    pub fn new(targets: &Targets, pooled: &Arc<Client>) -> Self {
        if targets.dedicated {
            Transport::Dedicated(targets.origins.iter().map(|_| None).collect())
        } else {
            Transport::Pooled(pooled.clone())
        }
    }

    /// Sends one request to endpoint `index` and reads its body, within the timeout and body limit.
    pub async fn send(&mut self, targets: &Targets, index: usize) -> Response {
        let endpoint = &targets.endpoints[index];
        match self {
            Transport::Pooled(client) => {
                let response = async { client.request(endpoint.request()).await.map_err(|e| classify(&e)) };
                exchange(response, targets.timeout, targets.max_body).await
            }
            Transport::Dedicated(connections) => {
                let slot = &mut connections[endpoint.origin];
                match tokio::time::timeout(targets.timeout, dedicated_exchange(slot, targets, endpoint)).await {
                    // The connection was taken out of its slot: a timed-out one is dropped.
                    Err(_) => Response { status: None, bytes: 0, error: Some(HttpErrorKind::Timeout) },
                    Ok(response) => response,
                }
            }
        }
    }
}

/// One request on the user's connection to the endpoint's origin, connecting first
/// when there is none. A kept-alive connection that the server closed while idle
/// fails before any response byte: an idempotent request is then sent once more on
/// a fresh connection (as HTTP clients do); any other counts as a connect error.
async fn dedicated_exchange(slot: &mut Option<h1::Connection>, targets: &Targets, endpoint: &Prepared) -> Response {
    let origin = &targets.origins[endpoint.origin];
    let tls = origin.tls.then_some(&targets.tls_http1);
    let mut retry = slot.is_some() && endpoint.method.is_idempotent();
    loop {
        let mut connection = match slot.take() {
            Some(connection) => connection,
            None => match h1::Connection::open(&origin.host, origin.port, tls).await {
                Ok(connection) => connection,
                Err(e) => return Response { status: None, bytes: 0, error: Some(classify(&*e)) },
            },
        };
        let exchange = connection.exchange(&endpoint.wire, endpoint.head_only, targets.max_body, None).await;
        if exchange.reusable {
            *slot = Some(connection);
        }
        if retry && exchange.status.is_none() && exchange.error == Some(HttpErrorKind::Connect) {
            retry = false;
            continue;
        }
        let error = exchange.error.or(match exchange.status {
            Some(400..=499) => Some(HttpErrorKind::Http4xx),
            Some(500..=599) => Some(HttpErrorKind::Http5xx),
            _ => None,
        });
        return Response { status: exchange.status, bytes: exchange.bytes, error };
    }
}

/// Awaits the response head, then reads the body, all within `timeout`.
async fn exchange(
    response: impl std::future::Future<Output = Result<hyper::Response<Incoming>, HttpErrorKind>>,
    timeout: Duration,
    max_body: u64,
) -> Response {
    let mut status = None;
    let mut bytes = 0u64;
    let exchange = async {
        let response = response.await?;
        status = Some(response.status().as_u16());
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| HttpErrorKind::Body)?;
            if let Some(data) = frame.data_ref() {
                bytes += data.len() as u64;
                if bytes > max_body {
                    return Err(HttpErrorKind::Body);
                }
            }
        }
        Ok(())
    };
    let error = match tokio::time::timeout(timeout, exchange).await {
        Err(_) => Some(HttpErrorKind::Timeout),
        Ok(Err(kind)) => Some(kind),
        Ok(Ok(())) => match status {
            Some(400..=499) => Some(HttpErrorKind::Http4xx),
            Some(500..=599) => Some(HttpErrorKind::Http5xx),
            _ => None,
        },
    };
    Response { status, bytes, error }
}

pub(crate) fn tls_config(insecure: bool) -> anyhow::Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder =
        rustls::ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    Ok(if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        builder.with_root_certificates(roots).with_no_client_auth()
    })
}

/// Builds the pooled client the plan asks for.
pub fn build(plan: &HttpPlan) -> anyhow::Result<Client> {
    let tls = tls_config(plan.insecure)?;
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    http.set_connect_timeout(Some(plan.timeout));
    let https = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http();
    let https = match plan.http_version {
        HttpVersion::Http1 => https.enable_http1().wrap_connector(http),
        HttpVersion::Http2 => https.enable_http2().wrap_connector(http),
        HttpVersion::Auto => https.enable_http1().enable_http2().wrap_connector(http),
    };
    let mut client = HyperClient::builder(TokioExecutor::new());
    client.pool_max_idle_per_host(usize::MAX).pool_idle_timeout(Duration::from_secs(90));
    if plan.http_version == HttpVersion::Http2 {
        client.http2_only(true);
    }
    Ok(client.build(https))
}

/// Sorts a client error into its outcome class, from the causes it carries.
pub(crate) fn classify(error: &(dyn std::error::Error + 'static)) -> HttpErrorKind {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut kind = None;
    while let Some(cause) = source {
        if cause.downcast_ref::<rustls::Error>().is_some() {
            return HttpErrorKind::Tls;
        }
        if let Some(hyper_error) = cause.downcast_ref::<hyper::Error>() {
            if hyper_error.is_parse() || hyper_error.is_parse_status() || hyper_error.is_parse_too_large() {
                return HttpErrorKind::Protocol;
            }
            if hyper_error.is_timeout() {
                return HttpErrorKind::Timeout;
            }
            if hyper_error.is_incomplete_message() || hyper_error.is_closed() || hyper_error.is_canceled() {
                kind.get_or_insert(HttpErrorKind::Connect);
            }
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                TimedOut => return HttpErrorKind::Timeout,
                ConnectionRefused | ConnectionReset | ConnectionAborted | BrokenPipe | NotConnected | UnexpectedEof
                | AddrNotAvailable => {
                    kind.get_or_insert(HttpErrorKind::Connect);
                }
                _ => {}
            }
            if wraps_tls_error(io) {
                return HttpErrorKind::Tls;
            }
        }
        source = cause.source();
    }
    let connect_stage = error
        .downcast_ref::<hyper_util::client::legacy::Error>()
        .is_some_and(hyper_util::client::legacy::Error::is_connect);
    kind.unwrap_or(if connect_stage { HttpErrorKind::Connect } else { HttpErrorKind::Protocol })
}

/// rustls reports handshake failures as io errors wrapping its own error, sometimes
/// inside another io error; `source()` skips those wrapped errors, `get_ref()` does not.
fn wraps_tls_error(io: &std::io::Error) -> bool {
    match io.get_ref() {
        Some(inner) if inner.is::<rustls::Error>() => true,
        Some(inner) => inner.downcast_ref::<std::io::Error>().is_some_and(wraps_tls_error),
        None => false,
    }
}

/// `--insecure`: accepts any server certificate (self-signed test services), while
/// still checking handshake signatures with the provider's algorithms.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
