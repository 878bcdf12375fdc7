//! The embedded demo HTTP service: what `perfproof run` measures when no URL is
//! given, so that a fresh machine has a real target. It serves JSON over real
//! HTTP on a loopback port, in-process.

use std::net::SocketAddr;

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tokio::net::TcpListener;

/// A running demo service; dropping it stops the service.
pub struct DemoServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl DemoServer {
    /// Starts the service on an ephemeral loopback port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on(0).await
    }

    /// Starts the service on a loopback port (0: any free one).
    pub async fn start_on(port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let app = Router::new().route("/api/items/{id}", get(item));
        let task = tokio::spawn(async move {
            // The server runs until the task is aborted on drop.
            let _ = axum::serve(listener, app).await;
        });
        Ok(DemoServer { addr, task })
    }

    /// The URL of the default endpoint.
    pub fn url(&self) -> String {
        format!("{}/api/items/42", self.base_url())
    }

    /// The service's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Serialize)]
struct Item {
    id: u64,
    name: String,
    price_cents: u64,
    tags: Vec<&'static str>,
}

async fn item(Path(id): Path<u64>) -> Json<Item> {
    Json(Item {
        id,
        name: format!("item-{id}"),
        price_cents: id.wrapping_mul(7919) % 100_000,
        tags: vec!["demo", "perfproof"],
    })
}
