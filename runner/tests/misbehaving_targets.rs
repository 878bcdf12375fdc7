//! Targets that misbehave at the TCP level: every request is counted in its class,
//! nothing panics, and a result is produced.

mod common;

use std::time::Duration;

use common::{closed, plan, run};
use perfproof::workloads::http::ErrorKind as HttpErrorKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Accepts connections on a loopback port and hands each to `handle`.
async fn raw_server<F, Fut>(handle: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle(stream));
        }
    });
    format!("http://{addr}/")
}

/// Reads until the end of the request headers; false when the peer went away first.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    true
}

async fn assert_all_in_class(url: &str, kind: HttpErrorKind) {
    let mut args = closed(url, 2, Duration::from_millis(600));
    args.http.timeout = Some(Duration::from_millis(200));
    args.http.max_body = Some(64 * 1024);
    let result = run(&plan(&args)).await;
    let stats = &result.result.stats;
    assert!(stats.operations > 0, "{kind:?}: no requests counted");
    assert_eq!(stats.errors.get(kind.name()), Some(&stats.operations), "{kind:?}: {:?}", stats.errors);
    assert_eq!(stats.successes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_are_connect_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    assert_all_in_class(&format!("http://127.0.0.1:{port}/"), HttpErrorKind::Connect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_connections_are_connect_errors() {
    let url = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        // Linger 0: closing sends RST instead of FIN (and does not block, the
        // reason tokio deprecates the setter).
        #[allow(deprecated)]
        let _ = stream.set_linger(Some(Duration::ZERO));
        drop(stream);
    })
    .await;
    assert_all_in_class(&url, HttpErrorKind::Connect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_responses_are_protocol_errors() {
    let url = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream.write_all(b"THIS IS NOT HTTP AT ALL\r\n\r\n").await;
        let _ = stream.shutdown().await;
    })
    .await;
    assert_all_in_class(&url, HttpErrorKind::Protocol).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_bodies_are_body_errors() {
    let url = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").await;
        let chunk = format!("{:x}\r\n{}\r\n", 4096, "x".repeat(4096));
        while stream.write_all(chunk.as_bytes()).await.is_ok() {}
    })
    .await;
    assert_all_in_class(&url, HttpErrorKind::Body).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_targets_are_timeouts() {
    let url = raw_server(|mut stream| async move {
        read_request(&mut stream).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    assert_all_in_class(&url, HttpErrorKind::Timeout).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_handshake_failures_are_tls_errors() {
    // The client speaks TLS; the server answers its ClientHello in plain HTTP.
    let url = raw_server(|mut stream| async move {
        let mut hello = [0u8; 512];
        let _ = stream.read(&mut hello).await;
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").await;
        let _ = stream.shutdown().await;
    })
    .await;
    assert_all_in_class(&url.replace("http://", "https://"), HttpErrorKind::Tls).await;
}

/// Serves every request on a connection with `response` (the connection then
/// stays open when `keep_alive`, else is closed), counting the requests.
async fn framing_server(
    response: &'static [u8],
    keep_alive: bool,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = seen.clone();
    let url = raw_server(move |mut stream| {
        let counter = counter.clone();
        async move {
            while read_request(&mut stream).await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if stream.write_all(response).await.is_err() || !keep_alive {
                    let _ = stream.shutdown().await;
                    return;
                }
            }
        }
    })
    .await;
    (url, seen)
}

/// Well-behaved targets frame bodies every legal way; each is read whole, counted
/// once, and never an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_body_framing_is_read_whole() {
    // (what, response, the server keeps the connection, body bytes)
    let framings: [(&str, &[u8], bool, u64); 5] = [
        (
            "chunked with an extension and a trailer, kept alive",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nx-t: 1\r\n\r\n",
            true,
            5,
        ),
        (
            "content-length, then the server closes",
            b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\nconnection: close\r\n\r\nabcd",
            false,
            4,
        ),
        ("no length: the body ends when the server closes", b"HTTP/1.1 200 OK\r\n\r\nabcdefg", false, 7),
        // The next request finds the connection closed and is sent again on a new one.
        ("keep-alive promised, then closed by the server", b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", false, 2),
        (
            "an interim 100 Continue, then 204 No Content",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            true,
            0,
        ),
    ];
    for (name, response, keep_alive, body) in framings {
        let (url, seen) = framing_server(response, keep_alive).await;
        let result = run(&plan(&closed(&url, 2, Duration::from_millis(400)))).await;
        let stats = &result.result.stats;
        assert!(stats.operations > 10, "{name}: {} requests", stats.operations);
        assert_eq!(stats.error_count(), 0, "{name}: {:?}", stats.errors);
        assert_eq!(stats.operations, seen.load(std::sync::atomic::Ordering::SeqCst), "{name}");
        assert_eq!(stats.counter(perfproof_shared::report::HTTP_BYTES_RECEIVED), stats.operations * body, "{name}");
    }
}
