//! The embedded demo service: what `perfproof run` measures when no URL is given,
//! so a fresh machine has a real target. Real HTTP (axum) on a loopback port,
//! in-process, backed by a real SQLite database in a temporary directory.
//!
//! Two profiles differ the way a real optimization does, so a before/after
//! comparison on the embedded default shows a measured difference:
//! - `baseline`: one database connection (pool of 1), no index on the category
//!   column (related-item queries scan the table), no response cache;
//! - `optimized`: a pool of 4 connections, an index on category, and an
//!   in-process cache of rendered responses.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rusqlite::{params, Connection, OpenFlags};

use crate::workloads::profile::Profile;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

/// Rows in the demo catalogue.
const ITEMS: u64 = 20_000;
/// Categories items fall into.
const CATEGORIES: u64 = 50;

/// Connections of the demo service's database pool in each profile.
fn pool_size(profile: Profile) -> usize {
    match profile {
        Profile::Baseline => 1,
        Profile::Optimized => 4,
    }
}

/// A running demo service; dropping it stops the service and deletes its database.
pub struct DemoServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    _data: tempfile::TempDir,
}

struct AppState {
    pool: Arc<Pool>,
    cache: Option<Mutex<HashMap<String, bytes::Bytes>>>,
}

/// A fixed-size pool of SQLite connections: a permit per connection, then a checkout.
struct Pool {
    permits: Semaphore,
    connections: Mutex<Vec<Connection>>,
}

impl Pool {
    async fn with<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let connection = pool.connections.lock().map_err(|e| e.to_string())?.pop().ok_or("pool is empty")?;
            let result = work(&connection).map_err(|e| e.to_string());
            pool.connections.lock().map_err(|e| e.to_string())?.push(connection);
            result
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

impl DemoServer {
    /// Starts the service on an ephemeral loopback port.
    pub async fn start(profile: Profile) -> anyhow::Result<Self> {
        Self::start_on(0, profile).await
    }

    /// Starts the service on a loopback port (0: any free one).
    pub async fn start_on(port: u16, profile: Profile) -> anyhow::Result<Self> {
        let data = tempfile::tempdir()?;
        let path = data.path().join("demo.sqlite");
        let connections = tokio::task::spawn_blocking(move || open_database(&path, profile)).await??;
        let state = Arc::new(AppState {
            pool: Arc::new(Pool { permits: Semaphore::new(connections.len()), connections: Mutex::new(connections) }),
            cache: (profile == Profile::Optimized).then(|| Mutex::new(HashMap::new())),
        });
        let listener = crate::workloads::listen_on_loopback(port).await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/api/items/{id}", get(item))
            .route("/api/search", get(search))
            .route("/health", get(|| async { "ok" }))
            .with_state(state);
        let task = tokio::spawn(async move {
            // The server runs until the task is aborted on drop.
            let _ = axum::serve(listener, app).await;
        });
        Ok(DemoServer { addr, task, _data: data })
    }

    /// The service's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// The scenario run against the demo service when the user gives none, as
/// (name, path, weight): item pages of a few popular items, and a category search.
pub const DEFAULT_ENDPOINTS: [(&str, &str, u32); 3] =
    [("item-42", "/api/items/42", 3), ("item-7", "/api/items/7", 2), ("search", "/api/search?category=7&limit=20", 1)];

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Creates and seeds the catalogue, and opens the profile's connections.
fn open_database(path: &std::path::Path, profile: Profile) -> rusqlite::Result<Vec<Connection>> {
    let mut seed = Connection::open(path)?;
    seed.pragma_update(None, "journal_mode", "WAL")?;
    seed.execute_batch(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category INTEGER NOT NULL,
                             price_cents INTEGER NOT NULL, description TEXT NOT NULL);",
    )?;
    let tx = seed.transaction()?;
    {
        let mut insert = tx.prepare("INSERT INTO items VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for id in 0..ITEMS {
            let price = id.wrapping_mul(7919) % 100_000;
            insert.execute(params![id, format!("item-{id}"), id % CATEGORIES, price, "a demo item ".repeat(8)])?;
        }
    }
    tx.commit()?;
    if profile == Profile::Optimized {
        seed.execute_batch("CREATE INDEX items_by_category ON items (category, price_cents);")?;
    }
    drop(seed);
    (0..pool_size(profile))
        .map(|_| Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX))
        .collect()
}

#[derive(Serialize)]
struct Item {
    id: u64,
    name: String,
    category: u64,
    price_cents: u64,
}

#[derive(Serialize)]
struct ItemPage {
    item: Item,
    /// The cheapest items of the same category.
    related: Vec<Item>,
}

fn read_item(row: &rusqlite::Row) -> rusqlite::Result<Item> {
    Ok(Item { id: row.get(0)?, name: row.get(1)?, category: row.get(2)?, price_cents: row.get(3)? })
}

fn cheapest_in(connection: &Connection, category: u64, limit: u32) -> rusqlite::Result<Vec<Item>> {
    let mut query = connection.prepare_cached(
        "SELECT id, name, category, price_cents FROM items WHERE category = ?1 ORDER BY price_cents LIMIT ?2",
    )?;
    let rows = query.query_map(params![category, limit], read_item)?;
    rows.collect()
}

async fn item(State(state): State<Arc<AppState>>, Path(id): Path<u64>) -> Response {
    cached(&state, format!("item/{id}"), move |connection| {
        let item = connection.query_row(
            "SELECT id, name, category, price_cents FROM items WHERE id = ?1",
            params![id],
            read_item,
        )?;
        let related = cheapest_in(connection, item.category, 5)?;
        Ok(serde_json::to_vec(&ItemPage { item, related }).unwrap_or_default())
    })
    .await
}

#[derive(Deserialize)]
struct SearchQuery {
    category: u64,
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    20
}

async fn search(State(state): State<Arc<AppState>>, Query(query): Query<SearchQuery>) -> Response {
    let key = format!("search/{}/{}", query.category, query.limit);
    cached(&state, key, move |connection| {
        let items = cheapest_in(connection, query.category, query.limit.min(100))?;
        Ok(serde_json::to_vec(&items).unwrap_or_default())
    })
    .await
}

/// Serves from the response cache when the profile has one, else from the database.
async fn cached(
    state: &Arc<AppState>,
    key: String,
    load: impl FnOnce(&Connection) -> rusqlite::Result<Vec<u8>> + Send + 'static,
) -> Response {
    if let Some(cache) = &state.cache {
        if let Some(body) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return json(body);
        }
    }
    match state.pool.with(load).await {
        Ok(body) => {
            let body = bytes::Bytes::from(body);
            if let Some(cache) = &state.cache {
                if let Ok(mut cache) = cache.lock() {
                    cache.insert(key, body.clone());
                }
            }
            json(body)
        }
        Err(e) if e.contains("no rows") => (StatusCode::NOT_FOUND, "no such item").into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

fn json(body: bytes::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
