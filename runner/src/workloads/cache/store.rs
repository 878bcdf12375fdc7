//! The caches the cache workload reads through: Redis (one reconnecting
//! connection per client, every key under the workload's prefix) and an
//! in-process cache (quick_cache: S3-FIFO eviction, its own hit and miss
//! counters). Both store a value with a time to live, and report their own
//! counters so the client's counts can be checked against them.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use perfproof_shared::report::BackendCounters;
use quick_cache::sync::Cache;
use quick_cache::{DefaultHashBuilder, Lifecycle, UnitWeighter};
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::AsyncCommands;

/// How a cache call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheFailure {
    Connect,
    Authentication,
    Timeout,
    ConnectionLost,
    Other,
}

impl CacheFailure {
    /// As the report names them, in the enum's order.
    pub const NAMES: [&'static str; 5] = ["connect", "authentication", "timeout", "connection_lost", "other"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    fn of(error: &redis::RedisError) -> Self {
        let text = error.to_string();
        if error.kind() == redis::ErrorKind::AuthenticationFailed
            || text.contains("WRONGPASS")
            || text.contains("NOAUTH")
            || text.contains("NOPERM")
        {
            CacheFailure::Authentication
        } else if error.is_timeout() {
            CacheFailure::Timeout
        } else if error.is_connection_refusal() {
            CacheFailure::Connect
        } else if error.is_connection_dropped() || error.is_io_error() {
            CacheFailure::ConnectionLost
        } else {
            CacheFailure::Other
        }
    }
}

/// The library and version named in reports for the in-process cache.
pub const IN_PROCESS_LIBRARY: &str = "quick_cache 0.7";
/// Its eviction policy.
pub const IN_PROCESS_POLICY: &str = "S3-FIFO";

/// A cache, shared by every user of a run.
pub enum Store {
    InProcess(InProcess),
    Redis(RedisStore),
}

impl Store {
    /// The value of `key`, if cached and not expired.
    pub async fn get(&self, client: usize, key: u64) -> Result<Option<Bytes>, CacheFailure> {
        match self {
            Store::InProcess(cache) => Ok(cache.get(key)),
            Store::Redis(redis) => redis.get(client, key).await,
        }
    }

    /// Stores `value` under `key` with the store's time to live.
    pub async fn set(&self, client: usize, key: u64, value: Bytes) -> Result<(), CacheFailure> {
        match self {
            Store::InProcess(cache) => {
                cache.set(key, value);
                Ok(())
            }
            Store::Redis(redis) => redis.set(client, key, value).await,
        }
    }

    /// Removes `key`.
    pub async fn delete(&self, client: usize, key: u64) -> Result<(), CacheFailure> {
        match self {
            Store::InProcess(cache) => {
                cache.cache.remove(&key);
                Ok(())
            }
            Store::Redis(redis) => redis.delete(client, key).await,
        }
    }

    /// The client a new user's calls go through: the Redis connections in
    /// turn; 0 in process.
    pub fn next_client(&self) -> usize {
        match self {
            Store::InProcess(_) => 0,
            Store::Redis(redis) => redis.next.fetch_add(1, Ordering::Relaxed) % redis.clients.len(),
        }
    }
}

/// Counts evictions, the one event quick_cache does not count itself.
#[derive(Debug, Clone, Default)]
pub struct EvictionCounter(Arc<AtomicU64>);

impl Lifecycle<u64, Entry> for EvictionCounter {
    type RequestState = ();

    fn on_evict(&self, _state: &mut (), _key: u64, _value: Entry) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// A cached value and when it expires.
#[derive(Debug, Clone)]
pub struct Entry {
    value: Bytes,
    expires: Instant,
}

/// The in-process cache: `capacity` entries, S3-FIFO eviction.
pub struct InProcess {
    cache: Cache<u64, Entry, UnitWeighter, DefaultHashBuilder, EvictionCounter>,
    evictions: EvictionCounter,
    ttl: Duration,
    capacity: u64,
}

impl InProcess {
    pub fn new(capacity: u64, ttl: Duration) -> Self {
        let evictions = EvictionCounter::default();
        let cache = Cache::with(
            usize::try_from(capacity).unwrap_or(usize::MAX),
            capacity,
            UnitWeighter,
            DefaultHashBuilder::default(),
            evictions.clone(),
        );
        InProcess { cache, evictions, ttl, capacity }
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// An expired entry is removed and read as absent (quick_cache, which knows
    /// no expiry, counts that lookup as a hit).
    fn get(&self, key: u64) -> Option<Bytes> {
        let entry = self.cache.get(&key)?;
        if entry.expires <= Instant::now() {
            self.cache.remove(&key);
            return None;
        }
        Some(entry.value)
    }

    fn set(&self, key: u64, value: Bytes) {
        self.cache.insert(key, Entry { value, expires: Instant::now() + self.ttl });
    }

    /// quick_cache's own counters.
    pub fn counters(&self) -> BackendCounters {
        BackendCounters {
            hits: self.cache.hits(),
            misses: self.cache.misses(),
            evictions: self.evictions.0.load(Ordering::Relaxed),
            entries: self.cache.len() as u64,
            memory_bytes: None,
        }
    }
}

/// Redis: one connection manager per client (reconnecting on its own), every
/// key under `prefix`.
pub struct RedisStore {
    client: redis::Client,
    clients: Vec<ConnectionManager>,
    prefix: String,
    ttl_ms: u64,
    timeout: Duration,
    /// The connection the next session gets.
    next: AtomicUsize,
}

impl RedisStore {
    /// Makes `clients` connection managers; they connect on their first call, so a
    /// Redis that is down now only fails (and is counted) call by call.
    pub fn new(url: &str, clients: usize, prefix: String, ttl: Duration, timeout: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(200));
        let clients = (0..clients.max(1))
            .map(|_| ConnectionManager::new_lazy_with_config(client.clone(), config.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RedisStore {
            client,
            clients,
            prefix,
            ttl_ms: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1),
            timeout,
            next: AtomicUsize::new(0),
        })
    }

    fn key(&self, key: u64) -> String {
        format!("{}{key}", self.prefix)
    }

    fn connection(&self, client: usize) -> ConnectionManager {
        self.clients[client % self.clients.len()].clone()
    }

    async fn call<T>(&self, call: impl std::future::Future<Output = redis::RedisResult<T>>) -> Result<T, CacheFailure> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(CacheFailure::of(&e)),
            Err(_) => Err(CacheFailure::Timeout),
        }
    }

    async fn get(&self, client: usize, key: u64) -> Result<Option<Bytes>, CacheFailure> {
        let mut conn = self.connection(client);
        let value: Option<Vec<u8>> = self.call(conn.get(self.key(key))).await?;
        Ok(value.map(Bytes::from))
    }

    async fn set(&self, client: usize, key: u64, value: Bytes) -> Result<(), CacheFailure> {
        let mut conn = self.connection(client);
        self.call(conn.pset_ex::<_, _, ()>(self.key(key), value.as_ref(), self.ttl_ms)).await
    }

    async fn delete(&self, client: usize, key: u64) -> Result<(), CacheFailure> {
        let mut conn = self.connection(client);
        self.call(conn.del::<_, ()>(self.key(key))).await
    }

    /// A connection of its own for INFO and cleanup.
    pub async fn admin(&self) -> Result<MultiplexedConnection, CacheFailure> {
        self.call(self.client.get_multiplexed_async_connection()).await
    }

    /// The server's version and eviction policy (`maxmemory_policy`).
    pub async fn describe(&self, admin: &mut MultiplexedConnection) -> Result<(String, String), CacheFailure> {
        let server = self.info(admin, "server").await?;
        let memory = self.info(admin, "memory").await?;
        let field = |text: &str, name: &str| field(text, name).unwrap_or_else(|| "unknown".into());
        Ok((format!("Redis {}", field(&server, "redis_version")), field(&memory, "maxmemory_policy")))
    }

    /// The server's counters (server-wide: other clients' lookups count too) and
    /// the workload's keys.
    pub async fn counters(&self, admin: &mut MultiplexedConnection) -> Result<BackendCounters, CacheFailure> {
        let stats = self.info(admin, "stats").await?;
        let memory = self.info(admin, "memory").await?;
        let number = |text: &str, name: &str| field(text, name).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        Ok(BackendCounters {
            hits: number(&stats, "keyspace_hits"),
            misses: number(&stats, "keyspace_misses"),
            evictions: number(&stats, "evicted_keys"),
            entries: self.scan(admin, false).await?,
            memory_bytes: field(&memory, "used_memory").and_then(|v| v.parse().ok()),
        })
    }

    /// One section of INFO's answer.
    async fn info(&self, admin: &mut MultiplexedConnection, section: &str) -> Result<String, CacheFailure> {
        self.call(redis::cmd("INFO").arg(section).query_async::<String>(admin)).await
    }

    /// Removes every key under the prefix; returns how many there were.
    pub async fn clean(&self, admin: &mut MultiplexedConnection) -> Result<u64, CacheFailure> {
        self.scan(admin, true).await
    }

    /// Counts (and with `remove`, unlinks) the keys under the prefix, by SCAN.
    async fn scan(&self, admin: &mut MultiplexedConnection, remove: bool) -> Result<u64, CacheFailure> {
        let pattern = format!("{}*", self.prefix);
        let (mut cursor, mut found) = (0u64, 0u64);
        loop {
            let (next, keys): (u64, Vec<String>) = self
                .call(
                    redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(1000).query_async(admin),
                )
                .await?;
            found += keys.len() as u64;
            if remove && !keys.is_empty() {
                self.call(redis::cmd("UNLINK").arg(&keys).query_async::<()>(admin)).await?;
            }
            if next == 0 {
                return Ok(found);
            }
            cursor = next;
        }
    }
}

/// A `name:value` line of INFO's answer.
fn field(info: &str, name: &str) -> Option<String> {
    info.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(':').map(|v| v.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_fields_are_read_by_name() {
        let text = "# Stats\r\nkeyspace_hits:12\r\nkeyspace_misses:3\r\nkeyspace_hits_x:9\r\n";
        assert_eq!(field(text, "keyspace_hits").as_deref(), Some("12"));
        assert_eq!(field(text, "keyspace_misses").as_deref(), Some("3"));
        assert_eq!(field(text, "evicted_keys"), None);
    }

    #[test]
    fn the_in_process_cache_counts_and_expires() {
        let cache = InProcess::new(10, Duration::from_millis(30));
        assert_eq!(cache.get(1), None);
        cache.set(1, Bytes::from_static(b"one"));
        assert_eq!(cache.get(1).as_deref(), Some(&b"one"[..]));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(1), None, "expired");
        let counters = cache.counters();
        assert_eq!((counters.hits, counters.misses), (2, 1), "quick_cache counts the expired lookup as a hit");
        for key in 0..1000 {
            cache.set(key, Bytes::from_static(b"v"));
        }
        let counters = cache.counters();
        assert!(counters.entries <= 10 + 10, "{counters:?}");
        assert!(counters.evictions > 900, "{counters:?}");
    }
}
