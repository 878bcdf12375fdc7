//! The database workload's part of a report (`{"db": {...}}`): the table it
//! seeded, the query mix, the connection pool's figures per checkout, the sweep of
//! pool sizes and loads, and the pool size it recommends.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{LoadResult, OperationStats};
use crate::latency::Latency;

/// A query mix run through a connection pool against one database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbResult {
    /// Workload name; the key under which its metrics are listed (`db.<name>.…`).
    pub name: String,
    /// The database, with any password removed (`postgres://app@db:5432/shop`,
    /// or `sqlite:<temporary file>` for the embedded default).
    pub target: String,
    /// `postgres`, `mysql` (MySQL or MariaDB) or `sqlite`.
    pub backend: String,
    /// The server's version, as it reports it.
    pub server_version: String,
    /// The table the workload seeded and queried.
    pub table: DbTable,
    /// How keys are drawn for point selects, updates and custom statements.
    pub keys: KeyDistribution,
    /// The query mix: each query with its weight and its own figures.
    pub queries: Vec<DbQuery>,
    /// The connection pool of the headline run (`result`).
    pub pool: PoolStats,
    /// Every point of a sweep of pool sizes and loads, in the order run; empty
    /// when the workload ran one pool size at one load.
    pub sweep: Vec<SweepPoint>,
    /// The smallest pool within 5 % of the sweep's best throughput; absent without a sweep.
    pub recommendation: Option<PoolRecommendation>,
    /// What the load engine measured (operations are transactions: acquire a
    /// connection, run one statement, release it). In a sweep: the recommended point.
    pub result: LoadResult,
}

/// The workload's own table, under a name of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbTable {
    pub name: String,
    /// Rows seeded (keys 1 to `rows`).
    pub rows: u64,
    /// Bytes of the `payload` column of each row.
    pub payload_bytes: u32,
    /// Whether the column the range query filters on had an index.
    pub range_index: bool,
    /// Left in place after the run (else dropped).
    pub kept: bool,
}

/// How keys are drawn from a keyspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KeyDistribution {
    /// `uniform`, `zipfian` (scrambled: popular keys spread over the keyspace) or `latest`.
    pub kind: String,
    /// Zipf exponent θ, for `zipfian` and `latest`.
    pub theta: Option<f64>,
    /// Number of distinct keys.
    pub keyspace: u64,
}

/// One query of the mix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DbQuery {
    pub name: String,
    /// `point_select`, `range_select`, `update`, `insert` or `custom`.
    pub kind: String,
    /// Relative weight in the mix.
    pub weight: u32,
    /// The statement as sent (placeholders bound to drawn keys).
    pub sql: String,
    /// The same figures as `result.stats`, for this query.
    pub stats: OperationStats,
}

/// A connection pool's figures over the measured period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PoolStats {
    /// Most connections the pool holds.
    pub size: u32,
    /// Measured checkouts (a connection handed to a transaction).
    pub checkouts: u64,
    /// Checkouts that found an idle connection at once, without waiting.
    pub direct_checkouts: u64,
    /// Checkouts that gave up waiting for a connection (class `pool_timeout`).
    pub acquire_timeouts: u64,
    /// Most transactions waiting for a connection at once (warm-up included).
    pub peak_waiters: u32,
    /// Connections opened, at the start and to replace lost ones (warm-up included).
    pub connections_opened: u64,
    /// From asking for a connection to holding it.
    pub acquire_wait: Latency,
    /// From holding a connection to giving it back (the statement).
    pub hold: Latency,
    /// Opening one connection (TCP, TLS, authentication, session setup).
    pub connect: Latency,
    /// Total acquire wait, in seconds.
    pub acquire_wait_total_s: f64,
    /// Total hold, in seconds.
    pub hold_total_s: f64,
    /// Connection-seconds the pool could have lent: size × measured duration.
    pub capacity_s: f64,
    /// Σ hold / Σ (acquire wait + hold), 0 to 1: the share of a transaction's time
    /// spent using a connection rather than waiting for one.
    pub efficiency: f64,
    /// Σ hold / capacity, 0 to 1: how busy the pool's connections were. Near-1
    /// efficiency with low utilization means an oversized pool.
    pub utilization: f64,
    /// The totals per time window, in the order of the result's `windows` (the
    /// sections that give efficiency and utilization their intervals); empty when
    /// they could not be kept apart (shards whose windows differ).
    pub windows: Vec<PoolWindow>,
}

/// A pool's totals over one time window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PoolWindow {
    /// Total acquire wait, in seconds.
    pub acquire_wait_s: f64,
    /// Total hold, in seconds.
    pub hold_s: f64,
}

impl PoolStats {
    /// Share of checkouts that did not wait, 0 to 1.
    pub fn direct_ratio(&self) -> f64 {
        if self.checkouts == 0 {
            0.0
        } else {
            self.direct_checkouts as f64 / self.checkouts as f64
        }
    }

    /// Recomputes `efficiency` and `utilization` from the totals.
    pub fn derive_ratios(&mut self) {
        let busy = self.acquire_wait_total_s + self.hold_total_s;
        self.efficiency = if busy > 0.0 { self.hold_total_s / busy } else { 0.0 };
        self.utilization = if self.capacity_s > 0.0 { (self.hold_total_s / self.capacity_s).min(1.0) } else { 0.0 };
    }
}

/// One point of a sweep: a pool size at one load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SweepPoint {
    pub pool: PoolStats,
    pub result: LoadResult,
}

/// The pool size a sweep recommends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PoolRecommendation {
    /// The smallest pool size whose best throughput is within 5 % of the sweep's best.
    pub pool_size: u32,
    /// Index into `sweep` of that pool's best point (the headline `result`).
    pub point: usize,
    /// Its throughput, in transactions per second.
    pub throughput_per_s: f64,
    /// Its p90 latency, in milliseconds.
    pub latency_p90_ms: f64,
    /// The sweep's best throughput, in transactions per second, and the pool size that reached it.
    pub best_throughput_per_s: f64,
    pub best_pool_size: u32,
}

/// Share of the best throughput a pool must reach to be recommended.
pub const RECOMMENDATION_SHARE: f64 = 0.95;

/// The smallest pool within 5 % of the best throughput of `sweep`, with its best
/// point; `None` for an empty sweep.
pub fn recommend(sweep: &[SweepPoint]) -> Option<PoolRecommendation> {
    let throughput = |i: usize| sweep[i].result.throughput_per_s;
    let best = (0..sweep.len()).max_by(|&a, &b| throughput(a).total_cmp(&throughput(b)))?;
    let floor = RECOMMENDATION_SHARE * throughput(best);
    let point = (0..sweep.len())
        .filter(|&i| throughput(i) >= floor)
        .min_by(|&a, &b| sweep[a].pool.size.cmp(&sweep[b].pool.size).then(throughput(b).total_cmp(&throughput(a))))?;
    let latency = &sweep[point].result.stats.latency;
    Some(PoolRecommendation {
        pool_size: sweep[point].pool.size,
        point,
        throughput_per_s: throughput(point),
        latency_p90_ms: latency.to_ms(latency.summary.p90 as f64),
        best_throughput_per_s: throughput(best),
        best_pool_size: sweep[best].pool.size,
    })
}

/// Efficiency below which transactions are said to wait for connections (the
/// original framework's target: 90 %).
pub const EFFICIENT: f64 = 0.90;
/// Utilization below which a pool is said to be larger than its load needs.
pub const UNDERUSED: f64 = 0.50;

/// One sentence on a database workload's pool: the size a sweep recommends, or
/// what efficiency and utilization together say (waiting for connections, or
/// more connections than the load needs); `None` when the pool looks right.
pub fn pool_advice(db: &DbResult) -> Option<String> {
    let pool = &db.pool;
    let figures = format!("efficiency {:.1} %, utilization {:.1} %", pool.efficiency * 100.0, pool.utilization * 100.0);
    if let Some(r) = &db.recommendation {
        return Some(format!(
            "db {}: size the pool at {} connections: {:.1} tx/s with p90 {:.3} ms, within 5 % of the best {:.1} tx/s \
             (pool of {}); {figures} there",
            db.name, r.pool_size, r.throughput_per_s, r.latency_p90_ms, r.best_throughput_per_s, r.best_pool_size
        ));
    }
    if pool.efficiency < EFFICIENT && pool.utilization >= UNDERUSED {
        Some(format!(
            "db {}: transactions wait for connections ({figures}, acquire wait p90 {:.3} ms): a larger pool than {} may \
             help; run a [db.sweep] to find the size",
            db.name,
            pool.acquire_wait.to_ms(pool.acquire_wait.summary.p90 as f64),
            pool.size
        ))
    } else if pool.efficiency >= EFFICIENT && pool.utilization < UNDERUSED {
        Some(format!(
            "db {}: the pool of {} is larger than this load needs ({figures}): fewer connections would do",
            db.name, pool.size
        ))
    } else {
        None
    }
}
