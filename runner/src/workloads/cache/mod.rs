//! The cache workload: cache-aside reads and writes through a cache ([`store`]:
//! Redis, or the in-process cache) in front of a database table (the database
//! workload's [`Database`] and [`Pool`]), on the load engine.
//!
//! A read looks its key up in the cache; on a miss it loads the row from the
//! database and stores it with a time to live. A write updates the row, then
//! deletes the key (`invalidate`) or stores the new value (`update`). A cache
//! that fails (down, restarted, refusing the password) is counted by class and
//! the read falls back to the database: the operation fails only when the
//! database does. The engine measures each operation; the workload counts hits,
//! misses and fallbacks (the engine's counters, per second too) and keeps hit
//! and miss latency apart (the engine's spans), and reads the cache's own
//! counters before and after, so the two can be checked against each other.
//! Keys are drawn from the shared [`Keys`] distributions; a sweep runs the
//! in-process cache at several capacities.

pub mod section;
pub mod store;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use bytes::Bytes;
use futures_util::StreamExt;
use perfproof_shared::report::{
    self, BackendCounters, CacheDatabase, CachePoint, CacheResult, CacheSecond, CacheStats, OperationStats,
    WorkloadKind,
};
use perfproof_shared::TimeUnit;
use sqlx::{AnyConnection, Row};

use super::db::pool::Pool;
use super::db::sql::classify_statement;
use super::db::{self, Database, ErrorClass, Seed};
use super::keys::Keys;
use super::{keep_window_parts, KindPlan, PointFigures};
use crate::load::{self, Context, LoadPlan, Measured, Operation, Outcome, Vocabulary, MAX_COUNTERS};
use store::{CacheFailure, InProcess, RedisStore, Store};

/// Where the cache is.
#[derive(Debug, Clone)]
pub enum CacheBackend {
    /// The in-process cache, holding at most `capacity` entries.
    InProcess { capacity: u64 },
    /// A Redis server. `url` may hold a password; `display` is what may be shown.
    Redis { url: String, display: String, prefix: String, connections: usize },
}

/// What a write does to the cache after updating the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePolicy {
    Invalidate,
    Update,
}

impl WritePolicy {
    pub fn name(self) -> &'static str {
        match self {
            WritePolicy::Invalidate => "invalidate",
            WritePolicy::Update => "update",
        }
    }
}

/// A resolved cache workload.
#[derive(Debug, Clone)]
pub struct CachePlan {
    pub name: String,
    pub backend: CacheBackend,
    /// The database behind the cache.
    pub database: db::Service,
    pub table: String,
    /// Key popularity over the table's rows (the keyspace).
    pub keys: Keys,
    pub value_bytes: u32,
    pub ttl: Duration,
    /// Share of operations that are writes, in percent.
    pub write_percent: f64,
    pub write_policy: WritePolicy,
    /// Store every row before the warm-up.
    pub prefill: bool,
    /// Database connections.
    pub pool_size: u32,
    /// Longest a cache call may take.
    pub timeout: Duration,
    /// In-process capacities to sweep, in entries.
    pub sweep: Option<Vec<u64>>,
    pub load: LoadPlan,
}

impl CachePlan {
    /// The cache, as people may read it.
    pub fn display_target(&self) -> String {
        match &self.backend {
            CacheBackend::InProcess { .. } => "in-process".into(),
            CacheBackend::Redis { display, .. } => display.clone(),
        }
    }

    fn database_display(&self) -> String {
        match &self.database {
            db::Service::Url { display, .. } => display.clone(),
            db::Service::Embedded(_) => "embedded SQLite (a temporary file)".into(),
        }
    }
}

impl KindPlan for CachePlan {
    type Part = CacheResult;

    fn name(&self) -> &str {
        &self.name
    }

    fn load(&self) -> &LoadPlan {
        &self.load
    }

    fn load_mut(&mut self) -> &mut LoadPlan {
        &mut self.load
    }

    fn describe(&self) -> String {
        let cache = match (&self.backend, &self.sweep) {
            (CacheBackend::InProcess { .. }, Some(capacities)) => {
                format!("an in-process cache swept over capacities {capacities:?}")
            }
            (CacheBackend::InProcess { capacity }, None) => format!("an in-process cache of {capacity} entries"),
            (CacheBackend::Redis { display, .. }, _) => format!("Redis at {display}"),
        };
        let database = match &self.database {
            db::Service::Url { display, .. } => display.clone(),
            db::Service::Embedded(profile) => format!("embedded SQLite ({} profile)", profile.label()),
        };
        format!(
            "cache `{}`: {cache} in front of {database}, {} keys ({}), {} % writes, with {}",
            self.name,
            self.keys.keyspace(),
            self.keys.describe().kind,
            self.write_percent,
            self.load.describe("ops/s")
        )
    }

    fn is_sweep(&self) -> bool {
        self.sweep.is_some()
    }

    /// A probe starts from a full cache, its rows stored before its warm-up
    /// (`start = "prefilled"`): a capacity is a steady state's, and a cache
    /// filling from cold over a probe's short warm-up still sends its rare keys to
    /// the database, whose latency then breaks the reads' SLO at a lower rate.
    fn probe(&self, load: LoadPlan) -> Self {
        CachePlan { prefill: true, load, ..self.clone() }
    }

    /// The database must answer before any load is offered; the cache need not (its
    /// failures are what the workload measures).
    async fn check_reachable(&self) -> anyhow::Result<()> {
        let plan = self;
        db::check_target(&plan.database).await
    }

    /// Runs the plan: seeds the table, measures each capacity, removes what it wrote.
    async fn run(&self, context: &Context) -> anyhow::Result<CacheResult> {
        let plan = self;
        let keyspace = plan.keys.keyspace();
        let seed = Seed { table: &plan.table, rows: keyspace, payload_bytes: plan.value_bytes, range_index: false };
        let database =
            Database::open(&plan.database, plan.database_display(), db::section::DEFAULT_TIMEOUT, seed).await?;
        let mut context = context.clone();
        // The in-process cache and embedded SQLite run on the runner's cores.
        context.target_in_process |=
            matches!(plan.backend, CacheBackend::InProcess { .. }) || matches!(plan.database, db::Service::Embedded(_));
        let measured = measure_points(plan, &context, &database).await;
        let mut warnings: Vec<String> = database.drop_table(&plan.table).await.into_iter().collect();
        let Points { mut points, server_version, eviction_policy, warnings: more } = measured?;
        warnings.extend(more);
        if points.is_empty() {
            anyhow::bail!("stopped before the first capacity was measured");
        }
        let sweep: Vec<CachePoint> = match plan.sweep {
            Some(_) => points.iter().map(|p| p.whole.0.clone()).collect(),
            None => Vec::new(),
        };
        let headline = report::headline_capacity(&sweep).unwrap_or(0);
        let recommended_capacity =
            sweep.get(headline).filter(|p| p.cache.hit_rate >= report::HIT_RATE_GOAL).and_then(|p| p.cache.capacity);
        let PointFigures { whole: (point, parts), windows } = points.swap_remove(headline);
        // The entry of a point: the headline one, or one of its windows alone.
        let entry = |point: CachePoint, parts: Vec<OperationStats>| -> anyhow::Result<CacheResult> {
            let [reads, writes]: [OperationStats; 2] =
                parts.try_into().map_err(|p: Vec<_>| anyhow!("the engine returned {} parts, not 2", p.len()))?;
            Ok(CacheResult {
                name: plan.name.clone(),
                backend: match plan.backend {
                    CacheBackend::InProcess { .. } => "in_process".into(),
                    CacheBackend::Redis { .. } => "redis".into(),
                },
                target: plan.display_target(),
                server_version: server_version.clone(),
                eviction_policy: eviction_policy.clone(),
                key_prefix: match &plan.backend {
                    CacheBackend::Redis { prefix, .. } => Some(prefix.clone()),
                    CacheBackend::InProcess { .. } => None,
                },
                database: CacheDatabase {
                    target: database.display.clone(),
                    backend: database.backend.name().into(),
                    table: plan.table.clone(),
                    rows: keyspace,
                },
                keys: plan.keys.describe(),
                value_bytes: plan.value_bytes,
                ttl_s: plan.ttl.as_secs_f64(),
                write_percent: plan.write_percent,
                write_policy: plan.write_policy.name().into(),
                start: if plan.prefill { "prefilled" } else { "cold" }.into(),
                cache: point.cache,
                reads,
                writes,
                sweep: Vec::new(),
                recommended_capacity: None,
                result: point.result,
            })
        };
        let mut whole = entry(point, parts)?;
        keep_window_parts(&mut whole.result.windows, windows.into_iter().map(|(p, parts)| entry(p, parts)))?;
        whole.result.warnings.extend(warnings);
        Ok(CacheResult { sweep, recommended_capacity, ..whole })
    }
}

/// The failure class of a key whose row is missing, after the database's
/// ([`CacheResult::INFO`]'s error classes).
const ROW_MISSING: u8 = 6;

/// The counters: hits, misses, fallbacks, then cache failures by class.
const COUNTERS: [&str; 8] = [
    "hits",
    "misses",
    "fallbacks",
    "cache_connect",
    "cache_authentication",
    "cache_timeout",
    "cache_connection_lost",
    "cache_other",
];
const HITS: usize = 0;
const MISSES: usize = 1;
const FALLBACKS: usize = 2;
const FIRST_FAILURE: usize = 3;

const READ: u16 = 0;
const WRITE: u16 = 1;

fn vocabulary() -> Vocabulary {
    Vocabulary {
        kind: &CacheResult::INFO,
        resolution: TimeUnit::Nanoseconds,
        counters: &COUNTERS,
        spans: &["hit", "miss"],
        parts: 2,
    }
}

/// Every capacity's measurement, with what the cache said about itself.
struct Points {
    points: Vec<PointFigures<CachePoint>>,
    server_version: String,
    eviction_policy: String,
    warnings: Vec<String>,
}

/// Runs every capacity (one, without a sweep) on a cache of its own; a stop ends
/// the sweep after the point it interrupted.
async fn measure_points(plan: &CachePlan, context: &Context, database: &Database) -> anyhow::Result<Points> {
    let capacities: Vec<Option<u64>> = match (&plan.backend, &plan.sweep) {
        (_, Some(capacities)) => capacities.iter().map(|&c| Some(c)).collect(),
        (CacheBackend::InProcess { capacity }, None) => vec![Some(*capacity)],
        (CacheBackend::Redis { .. }, None) => vec![None],
    };
    let mut out = Points {
        points: Vec::new(),
        server_version: store::IN_PROCESS_LIBRARY.into(),
        eviction_policy: store::IN_PROCESS_POLICY.into(),
        warnings: Vec::new(),
    };
    for (i, capacity) in capacities.iter().enumerate() {
        if *context.stop.borrow() {
            break;
        }
        if capacities.len() > 1 && !context.quiet {
            eprintln!("  point {}/{}: capacity {}", i + 1, capacities.len(), capacity.unwrap_or(0));
        }
        let cache = match (&plan.backend, capacity) {
            (CacheBackend::Redis { url, prefix, connections, .. }, _) => {
                Store::Redis(RedisStore::new(url, *connections, prefix.clone(), plan.ttl, plan.timeout)?)
            }
            (CacheBackend::InProcess { capacity: configured }, swept) => {
                Store::InProcess(InProcess::new(swept.unwrap_or(*configured), plan.ttl))
            }
        };
        let point = measure(plan, context, database, Arc::new(cache), *capacity, &mut out).await?;
        out.points.push(point);
    }
    Ok(out)
}

/// One capacity: the cache's counters before, the prefill, the load, the
/// counters after, and (Redis) the workload's keys removed.
async fn measure(
    plan: &CachePlan,
    context: &Context,
    database: &Database,
    cache: Arc<Store>,
    capacity: Option<u64>,
    out: &mut Points,
) -> anyhow::Result<PointFigures<CachePoint>> {
    let pool = Arc::new(Pool::new(plan.pool_size, database.connector.clone(), db::section::DEFAULT_TIMEOUT));
    pool.fill().await.map_err(|(class, e)| anyhow!("opening the database pool ({}): {e}", class.name()))?;
    let mut redis_admin = None;
    if let Store::Redis(redis) = &*cache {
        match redis.admin().await {
            Ok(mut admin) => {
                if let Ok((version, policy)) = redis.describe(&mut admin).await {
                    (out.server_version, out.eviction_policy) = (version, policy);
                }
                // Keys a stopped run may have left behind would be hits of no read of this run.
                let _ = redis.clean(&mut admin).await;
                redis_admin = Some(admin);
            }
            Err(class) => {
                out.server_version = "Redis (unreachable at the start)".into();
                out.eviction_policy = "unknown".into();
                out.warnings.push(format!(
                    "{}: Redis did not answer at the start ({}): reads fall back to the database",
                    plan.display_target(),
                    class.name()
                ));
            }
        }
    }
    let before = backend_counters(&cache, redis_admin.as_mut()).await;
    let firsts = Arc::new(Mutex::new(BTreeMap::new()));
    let operation = CacheOperation {
        cache: cache.clone(),
        pool: pool.clone(),
        select: database.backend.point_select(&plan.table),
        update: database.backend.update(&plan.table),
        keys: plan.keys.clone(),
        cycle: super::weighted_cycle(&write_weights(plan.write_percent)),
        policy: plan.write_policy,
        statement_timeout: db::section::DEFAULT_TIMEOUT + Duration::from_secs(2),
        firsts: firsts.clone(),
    };
    if plan.prefill {
        prefill(&operation, plan.keys.keyspace(), plan.pool_size, context).await;
    }
    let words = vocabulary();
    let Measured { mut result, parts, spans, counters_per_second, windows } =
        load::run(operation, &words, &plan.load, context).await?;
    // A connection of its own again: Redis may have dropped the first one mid-run.
    let mut redis_admin = match &*cache {
        Store::Redis(redis) => redis.admin().await.ok(),
        Store::InProcess(_) => None,
    };
    let after = backend_counters(&cache, redis_admin.as_mut()).await;
    if let (Store::Redis(redis), Some(admin)) = (&*cache, redis_admin.as_mut()) {
        if let Err(class) = redis.clean(admin).await {
            result.warnings.push(format!("could not remove the workload's keys from Redis ({})", class.name()));
        }
    } else if let Store::Redis(_) = &*cache {
        result
            .warnings
            .push("Redis did not answer at the end: the workload's keys may be left under its prefix".into());
    }
    pool.close().await;
    let firsts = std::mem::take(&mut *firsts.lock().unwrap_or_else(|p| p.into_inner()));
    result.warnings.extend(firsts.into_values().map(|m: String| format!("first error of its class: {m}")));
    let backend = match (before, after) {
        (Some(before), Some(after)) => Some(BackendCounters {
            hits: after.hits.saturating_sub(before.hits),
            misses: after.misses.saturating_sub(before.misses),
            evictions: after.evictions.saturating_sub(before.evictions),
            ..after
        }),
        _ => None,
    };
    let cache = cache_stats(plan, capacity, &result, &spans, &counters_per_second, backend)?;
    let windows = windows
        .into_iter()
        .map(|w| {
            let cache = cache_stats(plan, capacity, &w.result, &w.spans, &[], None)?;
            Ok((CachePoint { cache, result: w.result }, w.parts))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(PointFigures { whole: (CachePoint { cache, result }, parts), windows })
}

/// The cache's own figures of what the engine measured at one capacity (a whole
/// run with its timeline's counters, or one window of it), with the backend's
/// counters when they were read.
fn cache_stats(
    plan: &CachePlan,
    capacity: Option<u64>,
    result: &report::LoadResult,
    spans: &[load::Span],
    counters_per_second: &[[u64; MAX_COUNTERS]],
    backend: Option<BackendCounters>,
) -> anyhow::Result<CacheStats> {
    let [hit, miss] = spans else { anyhow::bail!("the engine returned {} spans, not 2", spans.len()) };
    let stats = &result.stats;
    let cache_errors = COUNTERS[FIRST_FAILURE..]
        .iter()
        .map(|name| (name.trim_start_matches("cache_").to_string(), stats.counter(name)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let mut cache_stats = CacheStats {
        capacity,
        hits: stats.counter(COUNTERS[HITS]),
        misses: stats.counter(COUNTERS[MISSES]),
        fallbacks: stats.counter(COUNTERS[FALLBACKS]),
        hit_rate: 0.0,
        ideal_hit_rate: capacity.and_then(|c| report::ideal_hit_rate(&plan.keys.describe(), c)),
        hit_latency: hit.latency.clone(),
        miss_latency: miss.latency.clone(),
        load_penalty_ms: 0.0,
        db_loads: stats.counter(COUNTERS[MISSES]) + stats.counter(COUNTERS[FALLBACKS]),
        cache_errors,
        backend,
        timeline: result
            .timeline
            .iter()
            .zip(counters_per_second)
            .map(|(point, counters)| CacheSecond {
                second: point.second,
                hits: counters[HITS],
                misses: counters[MISSES],
            })
            .collect(),
    };
    cache_stats.derive_hit_rate();
    cache_stats.derive_load_penalty();
    Ok(cache_stats)
}

/// Read and write weights of the operation cycle, in thousandths.
fn write_weights(write_percent: f64) -> [u32; 2] {
    let writes = (write_percent * 10.0).round().clamp(0.0, 1000.0) as u32;
    [1000 - writes, writes]
}

/// The cache's own counters, where it has them.
async fn backend_counters(
    cache: &Store,
    admin: Option<&mut redis::aio::MultiplexedConnection>,
) -> Option<BackendCounters> {
    match (cache, admin) {
        (Store::InProcess(cache), _) => Some(cache.counters()),
        (Store::Redis(redis), Some(admin)) => redis.counters(admin).await.ok(),
        (Store::Redis(_), None) => None,
    }
}

/// Loads every row into the cache before the warm-up, a pool's worth at a time.
async fn prefill(operation: &CacheOperation, keyspace: u64, pool_size: u32, context: &Context) {
    if !context.quiet {
        eprintln!("  prefilling the cache with {keyspace} rows");
    }
    futures_util::stream::iter(1..=keyspace)
        .for_each_concurrent(pool_size as usize, |key| async move {
            if let Ok(value) = operation.load(key).await {
                let _ = operation.cache.set(0, key, value).await;
            }
        })
        .await;
}

/// One cache-aside operation: a read or a write.
struct CacheOperation {
    cache: Arc<Store>,
    pool: Arc<Pool>,
    select: String,
    update: String,
    keys: Keys,
    /// Parts by operation index: [`READ`] or [`WRITE`].
    cycle: Vec<usize>,
    policy: WritePolicy,
    statement_timeout: Duration,
    /// The first message of each error class, for the report's warnings.
    firsts: Arc<Mutex<BTreeMap<&'static str, String>>>,
}

/// How a database step failed: the operation's error class.
type DbFailure = u8;

impl CacheOperation {
    fn note(&self, class: &'static str, message: impl FnOnce() -> String) {
        self.firsts.lock().unwrap_or_else(|p| p.into_inner()).entry(class).or_insert_with(message);
    }

    fn db_failure(&self, class: ErrorClass, message: impl FnOnce() -> String) -> DbFailure {
        self.note(class.name(), message);
        class as u8
    }

    /// Counts a cache failure.
    fn cache_failed(&self, failure: CacheFailure, counters: &mut [u64; MAX_COUNTERS], doing: &str) {
        counters[FIRST_FAILURE + failure as usize] += 1;
        self.note(COUNTERS[FIRST_FAILURE + failure as usize], || format!("cache {}: {doing}", failure.name()));
    }

    /// Runs `work` on a pooled connection, within the statement timeout.
    async fn with_connection<T>(
        &self,
        work: impl for<'c> AsyncFnOnce(&'c mut AnyConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, DbFailure> {
        let mut acquired = match self.pool.acquire().await {
            Ok(acquired) => acquired,
            Err(class) => {
                return Err(self.db_failure(class, || format!("{} (pool of {})", class.name(), self.pool.size())))
            }
        };
        let result = tokio::time::timeout(self.statement_timeout, work(&mut acquired.checkout.conn)).await;
        let (outcome, reusable) = match result {
            Ok(Ok(value)) => (Ok(value), true),
            Ok(Err(e)) => {
                let (class, reusable) = classify_statement(&e);
                (Err(self.db_failure(class, || format!("{}: {e}", class.name()))), reusable)
            }
            Err(_) => {
                let class = ErrorClass::StatementTimeout;
                let timeout = self.statement_timeout;
                (Err(self.db_failure(class, || format!("{}: no answer within {timeout:?}", class.name()))), false)
            }
        };
        self.pool.release(acquired.checkout, reusable);
        outcome
    }

    /// The row of `key`, as the cache stores it: `<counter>:<payload>`.
    async fn load(&self, key: u64) -> Result<Bytes, DbFailure> {
        let select = self.select.as_str();
        let row =
            self.with_connection(async |conn| sqlx::query(select).bind(key as i64).fetch_optional(conn).await).await?;
        let Some(row) = row else {
            self.note(CacheResult::INFO.error_classes[usize::from(ROW_MISSING)], || {
                format!("row_missing: no row for key {key}")
            });
            return Err(ROW_MISSING);
        };
        let value = (|| -> Result<Bytes, sqlx::Error> {
            let counter: i64 = row.try_get("counter")?;
            let payload: String = row.try_get("payload")?;
            Ok(Bytes::from(format!("{counter}:{payload}")))
        })();
        value.map_err(|e| self.db_failure(ErrorClass::StatementError, || format!("reading row {key}: {e}")))
    }

    async fn read(&self, client: usize, index: u64, counters: &mut [u64; MAX_COUNTERS]) -> Outcome {
        let key = self.keys.key(0, index);
        let started = Instant::now();
        let (error, spans) = match self.cache.get(client, key).await {
            Ok(Some(_)) => {
                counters[HITS] = 1;
                (None, [Some(started.elapsed()), None])
            }
            Ok(None) => match self.load(key).await {
                Ok(value) => {
                    if let Err(failure) = self.cache.set(client, key, value).await {
                        self.cache_failed(failure, counters, "storing a loaded row");
                    }
                    counters[MISSES] = 1;
                    (None, [None, Some(started.elapsed())])
                }
                Err(class) => (Some(class), [None, None]),
            },
            Err(failure) => {
                self.cache_failed(failure, counters, "reading a key");
                counters[FALLBACKS] = 1;
                (self.load(key).await.err(), [None, None])
            }
        };
        Outcome { part: READ, error, code: None, counters: *counters, spans }
    }

    async fn write(&self, client: usize, index: u64, counters: &mut [u64; MAX_COUNTERS]) -> Outcome {
        let key = self.keys.key(2, index) as i64;
        let update = self.update.as_str();
        let updated =
            self.with_connection(async |conn| sqlx::query(update).bind(key).execute(conn).await.map(drop)).await;
        let error = match updated {
            Err(class) => Some(class),
            Ok(()) => {
                let cached = match self.policy {
                    WritePolicy::Invalidate => self.cache.delete(client, key as u64).await.map_err(|f| (f, "deleting")),
                    WritePolicy::Update => match self.load(key as u64).await {
                        Ok(value) => self.cache.set(client, key as u64, value).await.map_err(|f| (f, "storing")),
                        Err(class) => return Outcome { part: WRITE, error: Some(class), ..Outcome::default() },
                    },
                };
                if let Err((failure, doing)) = cached {
                    self.cache_failed(failure, counters, &format!("{doing} an updated key"));
                }
                None
            }
        };
        Outcome { part: WRITE, error, code: None, counters: *counters, spans: [None, None] }
    }
}

impl Operation for CacheOperation {
    /// The Redis connection this user's calls go through.
    type Session = usize;

    const CALLER_RUNTIME: bool = true;

    fn session(&self, _thread: usize) -> usize {
        self.cache.next_client()
    }

    async fn perform(&self, client: &mut usize, index: u64) -> Outcome {
        let mut counters = [0; MAX_COUNTERS];
        match self.cycle[(index % self.cycle.len() as u64) as usize] as u16 {
            READ => self.read(*client, index, &mut counters).await,
            _ => self.write(*client, index, &mut counters).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_classes_begin_with_the_databases() {
        let (cache, db) = (CacheResult::INFO.error_classes, report::DbResult::INFO.error_classes);
        assert_eq!(&cache[..db.len()], db);
        assert_eq!(cache[usize::from(ROW_MISSING)], "row_missing");
        assert_eq!(cache.len(), usize::from(ROW_MISSING) + 1);
        for (i, failure) in CacheFailure::NAMES.iter().enumerate() {
            assert_eq!(COUNTERS[FIRST_FAILURE + i], format!("cache_{failure}"));
        }
    }

    #[test]
    fn write_weights_are_thousandths() {
        assert_eq!(write_weights(5.0), [950, 50]);
        assert_eq!(write_weights(0.0), [1000, 0]);
        assert_eq!(write_weights(100.0), [0, 1000]);
    }
}
