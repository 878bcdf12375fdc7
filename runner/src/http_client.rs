//! The HTTP client of the load generator: hyper's pooled client over rustls, and one
//! request turned into an [`Outcome`], whatever the target does.
//!
//! hyper directly rather than a convenience client: per request it only clones a
//! pre-parsed URI, headers and body, which keeps the generator's own cost low enough
//! to measure fast targets (see bench/http-vs-wrk.sh).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderMap;
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use perfproof_shared::report::HttpErrorKind;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::collector::Outcome;
use crate::config::{Endpoint, HttpPlan, HttpVersion};

/// A pooled HTTP/1.1 and HTTP/2 client, plain or over TLS.
pub type Client = HyperClient<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// An endpoint ready to send: URI parsed once.
#[derive(Debug, Clone)]
pub struct Prepared {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

impl Prepared {
    pub fn new(endpoint: &Endpoint) -> anyhow::Result<Self> {
        Ok(Prepared {
            method: endpoint.method.clone(),
            uri: endpoint.url.as_str().parse().with_context(|| format!("endpoint `{}`: URL", endpoint.name))?,
            headers: endpoint.headers.clone(),
            body: endpoint.body.clone().unwrap_or_default(),
        })
    }
}

/// Builds the client the plan asks for.
pub fn build(plan: &HttpPlan) -> anyhow::Result<Client> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder =
        rustls::ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions()?;
    let tls = if plan.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        builder.with_root_certificates(roots).with_no_client_auth()
    };
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

/// Sends one request and reads its body, within `timeout` and `max_body`.
pub async fn send(client: &Client, endpoint: &Prepared, timeout: Duration, max_body: u64) -> Outcome {
    let mut request = Request::new(Full::new(endpoint.body.clone()));
    *request.method_mut() = endpoint.method.clone();
    *request.uri_mut() = endpoint.uri.clone();
    *request.headers_mut() = endpoint.headers.clone();
    let mut status = None;
    let mut bytes = 0u64;
    let exchange = async {
        let response = client.request(request).await.map_err(|e| classify(&e))?;
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
    Outcome { status, bytes, error }
}

/// Sorts a client error into its outcome class, from the causes it carries.
fn classify(error: &hyper_util::client::legacy::Error) -> HttpErrorKind {
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
    kind.unwrap_or(if error.is_connect() { HttpErrorKind::Connect } else { HttpErrorKind::Protocol })
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
