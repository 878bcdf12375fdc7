//! The HTTP load generator against in-process axum servers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use perfproof::http_load::{run_closed, HttpLoadConfig};
use perfproof::target::HttpTarget;
use perfproof_shared::report::HttpErrorKind;
use reqwest::Method;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Starts `app` on an ephemeral loopback port and returns its base URL.
async fn serve(app: Router) -> String {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn config(url: &str, users: u32, duration: Duration) -> HttpLoadConfig {
    HttpLoadConfig {
        name: "test".into(),
        target: HttpTarget::parse(url).unwrap(),
        method: Method::GET,
        users,
        duration,
        timeout: Duration::from_secs(5),
        max_body: 1 << 20,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_the_server_sees_is_counted_once() {
    let hits = Arc::new(AtomicU64::new(0));
    let counter = hits.clone();
    let base = serve(Router::new().route(
        "/",
        get(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                "hello"
            }
        }),
    ))
    .await;
    let (_stop_tx, stop) = watch::channel(false);
    let result = run_closed(&config(&format!("{base}/"), 4, Duration::from_millis(800)), stop).await.unwrap();

    let served = hits.load(Ordering::SeqCst);
    assert!(served > 10, "server saw only {served} requests");
    assert_eq!(served, result.latency.summary.count + result.error_count());
    assert_eq!(result.requests, served);
    assert_eq!(result.successes, served);
    assert_eq!(result.status_codes.get("200"), Some(&served));
    assert_eq!(result.bytes_received, served * 5);
    result.latency.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_counted_by_class_not_as_latency() {
    let base = serve(
        Router::new()
            .route("/missing", get(|| async { (axum::http::StatusCode::NOT_FOUND, "no") }))
            .route("/broken", get(|| async { (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down") })),
    )
    .await;
    for (path, kind, code) in [("missing", HttpErrorKind::Http4xx, "404"), ("broken", HttpErrorKind::Http5xx, "503")] {
        let (_stop_tx, stop) = watch::channel(false);
        let result = run_closed(&config(&format!("{base}/{path}"), 2, Duration::from_millis(300)), stop).await.unwrap();
        assert!(result.requests > 0);
        assert_eq!(result.successes, 0);
        assert_eq!(result.latency.summary.count, 0);
        assert_eq!(result.errors.get(&kind), Some(&result.requests));
        assert_eq!(result.status_codes.get(code), Some(&result.requests));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_are_connect_errors() {
    // Bind, learn the port, and close it again: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (_stop_tx, stop) = watch::channel(false);
    let result =
        run_closed(&config(&format!("http://127.0.0.1:{port}/"), 2, Duration::from_millis(200)), stop).await.unwrap();
    assert!(result.requests > 0);
    assert_eq!(result.errors.get(&HttpErrorKind::Connect), Some(&result.requests));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_signal_ends_the_run_promptly_with_what_was_measured() {
    let base = serve(Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            "ok"
        }),
    ))
    .await;
    let (stop_tx, stop) = watch::channel(false);
    let cfg = config(&format!("{base}/slow"), 2, Duration::from_secs(60));
    let run = tokio::spawn(async move { run_closed(&cfg, stop).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop_tx.send(true).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), run).await.expect("stopped promptly").unwrap().unwrap();
    assert!(result.successes > 0);
    assert!(result.duration_s < 5.0);
}
