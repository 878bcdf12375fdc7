//! Sending alerts to a webhook: each alert event POSTed as JSON in a task of its
//! own, with a timeout per attempt and retries with backoff, so a webhook that is
//! down or slow never holds the monitor up. Failed attempts are counted. The
//! URL may hold a secret (a token in its path or query): only its scheme and
//! host are ever shown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use perfproof_shared::monitor::AlertEvent;

/// Longest one delivery attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per alert: the first and its retries.
pub const ATTEMPTS: u32 = 3;

/// Where alerts go.
#[derive(Clone)]
pub struct Webhook {
    url: hyper::Uri,
    /// Scheme and host only.
    display: String,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    failures: Arc<AtomicU64>,
}

impl Webhook {
    /// A webhook at `url` (http or https); its secret parts are never shown.
    pub fn new(url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("--webhook: not a URL ({e})"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            anyhow::bail!("--webhook: an http:// or https:// URL, not {}:", parsed.scheme());
        }
        let display = format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or_default());
        let uri: hyper::Uri = url.parse().map_err(|e| anyhow::anyhow!("--webhook {display}: {e}"))?;
        let tls = crate::workloads::http::client::tls_config(false)?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http().enable_http1();
        let client = Client::builder(TokioExecutor::new()).build(https.wrap_connector(http));
        Ok(Webhook { url: uri, display, client, timeout, failures: Arc::new(AtomicU64::new(0)) })
    }

    /// The webhook as it may be shown: scheme and host.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Failed attempts so far.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Sends `event` in the background: up to [`ATTEMPTS`] attempts, 0.5 s then 1 s apart.
    pub fn send(&self, event: &AlertEvent) -> tokio::task::JoinHandle<bool> {
        let body = Bytes::from(serde_json::to_vec(event).unwrap_or_default());
        let this = self.clone();
        tokio::spawn(async move {
            for attempt in 0..ATTEMPTS {
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_millis(500 << (attempt - 1))).await;
                }
                match this.attempt(body.clone()).await {
                    Ok(()) => return true,
                    Err(why) => {
                        this.failures.fetch_add(1, Ordering::Relaxed);
                        eprintln!(
                            "perfproof monitor: webhook {}: attempt {} of {ATTEMPTS}: {why}",
                            this.display,
                            attempt + 1
                        );
                    }
                }
            }
            false
        })
    }

    async fn attempt(&self, body: Bytes) -> Result<(), String> {
        let request = hyper::Request::post(self.url.clone())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(body))
            .map_err(|e| e.to_string())?;
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Err(_) => Err(format!("no answer within {:?}", self.timeout)),
            // hyper's errors can quote the URL: only their kind is shown.
            Ok(Err(e)) if e.is_connect() => Err("cannot connect".into()),
            Ok(Err(_)) => Err("the request failed".into()),
            Ok(Ok(response)) if response.status().is_success() => Ok(()),
            Ok(Ok(response)) => Err(format!("answered {}", response.status())),
        }
    }
}
