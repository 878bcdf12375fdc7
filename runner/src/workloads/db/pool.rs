//! The connection pool the workload measures, over sqlx connections: a fixed
//! number of connections lent to transactions, opened at the start and again when
//! one is lost. Written here rather than taken from sqlx because the measurement
//! needs what a pool knows inside: whether a checkout waited, how long opening a
//! connection took, how many transactions were waiting at once.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use perfproof_shared::latency::new_histogram;
use sqlx::any::AnyConnectOptions;
use sqlx::AnyConnection;
use sqlx::{ConnectOptions, Connection, Executor};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::sql::classify_connect;
use super::ErrorClass;

/// How to open one connection.
#[derive(Debug, Clone)]
pub struct Connector {
    options: AnyConnectOptions,
    /// Run on every new connection (statement timeout).
    setup: Vec<String>,
}

impl Connector {
    /// `url` holds credentials: it never leaves this value (errors are sqlx's,
    /// which name the user and host, never the password).
    pub fn new(url: &str, setup: Vec<String>) -> Result<Self, sqlx::Error> {
        // Idempotent: sqlx installs its drivers once per process.
        sqlx::any::install_default_drivers();
        let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
        Ok(Connector { options, setup })
    }

    /// The same connector with other session statements.
    pub fn with_setup(&self, setup: Vec<String>) -> Self {
        Connector { options: self.options.clone(), setup }
    }

    /// Opens a connection and applies the session settings.
    pub async fn connect(&self) -> Result<AnyConnection, sqlx::Error> {
        let mut conn = AnyConnection::connect_with(&self.options).await?;
        for statement in &self.setup {
            conn.execute(statement.as_str()).await?;
        }
        Ok(conn)
    }
}

/// A pool of at most `size` connections.
pub struct Pool {
    size: u32,
    connector: Connector,
    acquire_timeout: Duration,
    permits: Semaphore,
    idle: Mutex<Vec<AnyConnection>>,
    waiting: AtomicU32,
    peak_waiters: AtomicU32,
    opened: AtomicU64,
    connect_us: Mutex<Histogram<u64>>,
}

/// A connection lent to one transaction; give it back with [`Pool::release`].
pub struct Checkout<'a> {
    pub conn: AnyConnection,
    _permit: SemaphorePermit<'a>,
}

/// How a checkout went.
pub struct Acquired<'a> {
    pub checkout: Checkout<'a>,
    /// It found an idle connection at once.
    pub direct: bool,
}

impl Pool {
    pub fn new(size: u32, connector: Connector, acquire_timeout: Duration) -> Self {
        Pool {
            size,
            connector,
            acquire_timeout,
            permits: Semaphore::new(size as usize),
            idle: Mutex::new(Vec::with_capacity(size as usize)),
            waiting: AtomicU32::new(0),
            peak_waiters: AtomicU32::new(0),
            opened: AtomicU64::new(0),
            connect_us: Mutex::new(new_histogram()),
        }
    }

    pub fn size(&self) -> u32 {
        self.size
    }

    /// Opens every connection, as an application's pool does at start-up (so
    /// throughput excludes establishing them). The first failure is returned.
    pub async fn fill(&self) -> Result<(), (ErrorClass, sqlx::Error)> {
        let opened = futures_util::future::join_all((0..self.size).map(|_| self.open())).await;
        let mut idle = Vec::with_capacity(opened.len());
        for conn in opened {
            idle.push(conn?);
        }
        self.idle_list().extend(idle);
        Ok(())
    }

    /// Lends a connection, waiting at most the acquire timeout for one.
    pub async fn acquire(&self) -> Result<Acquired<'_>, ErrorClass> {
        let (permit, waited) = match self.permits.try_acquire() {
            Ok(permit) => (permit, false),
            Err(_) => {
                let now = self.waiting.fetch_add(1, Ordering::Relaxed) + 1;
                self.peak_waiters.fetch_max(now, Ordering::Relaxed);
                let permit = tokio::time::timeout(self.acquire_timeout, self.permits.acquire()).await;
                self.waiting.fetch_sub(1, Ordering::Relaxed);
                match permit {
                    Ok(Ok(permit)) => (permit, true),
                    _ => return Err(ErrorClass::PoolTimeout),
                }
            }
        };
        let idle = self.idle_list().pop();
        match idle {
            Some(conn) => Ok(Acquired { checkout: Checkout { conn, _permit: permit }, direct: !waited }),
            // A lost connection is replaced on the next checkout that needs it.
            None => match self.open().await {
                Ok(conn) => Ok(Acquired { checkout: Checkout { conn, _permit: permit }, direct: false }),
                Err((class, _)) => Err(class),
            },
        }
    }

    /// Gives a connection back; one that may be broken is closed instead, and
    /// replaced by the next checkout that needs one.
    pub fn release(&self, checkout: Checkout<'_>, reusable: bool) {
        if reusable {
            self.idle_list().push(checkout.conn);
        }
    }

    /// Most transactions that waited at once.
    pub fn peak_waiters(&self) -> u32 {
        self.peak_waiters.load(Ordering::Relaxed)
    }

    /// Connections opened so far.
    pub fn opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// Time taken to open each connection, in microseconds.
    pub fn connect_times(&self) -> Histogram<u64> {
        self.connect_us.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Closes the idle connections politely (so servers log no aborted connection).
    pub async fn close(&self) {
        let idle = std::mem::take(&mut *self.idle_list());
        for conn in idle {
            let _ = tokio::time::timeout(Duration::from_secs(2), conn.close()).await;
        }
    }

    async fn open(&self) -> Result<AnyConnection, (ErrorClass, sqlx::Error)> {
        let start = Instant::now();
        let conn = self.connector.connect().await.map_err(|e| (classify_connect(&e), e))?;
        let us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        let mut histogram = self.connect_us.lock().unwrap_or_else(|p| p.into_inner());
        if histogram.record(us).is_err() {
            histogram.saturating_record(us);
        }
        self.opened.fetch_add(1, Ordering::Relaxed);
        Ok(conn)
    }

    fn idle_list(&self) -> std::sync::MutexGuard<'_, Vec<AnyConnection>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}
