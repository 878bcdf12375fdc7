//! The database workload's part of a report (`{"db": {...}}`): the table it
//! seeded, the query mix, the connection pool's figures per checkout, the sweep of
//! pool sizes and loads, and the pool size it recommends.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kind::{header_accessors, latency_walk, walk_result, Curve, Gauge, KindInfo, WorkloadKind};
use super::{LoadModel, LoadResult, OperationStats};
use crate::format;
use crate::latency::Latency;
use crate::merge::{add_counts, MergeKind};
use crate::metrics::{
    batches, error_rate, key_segment, latency_metrics, percent, result_metrics, CatalogueError, Direction, Evidence,
    Metric, RateEvidence,
};
use crate::summary::{load_text, SummaryRow, SummaryTable};

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
    let figures =
        format!("efficiency {}, utilization {}", format::share(pool.efficiency), format::share(pool.utilization));
    if let Some(r) = &db.recommendation {
        return Some(format!(
            "db {}: size the pool at {} connections: {} with p90 {}, within 5 % of the best {} \
             (pool of {}); {figures} there",
            db.name,
            r.pool_size,
            format::value(r.throughput_per_s, "tx/s"),
            format::latency_ms(r.latency_p90_ms),
            format::value(r.best_throughput_per_s, "tx/s"),
            r.best_pool_size
        ));
    }
    if pool.efficiency < EFFICIENT && pool.utilization >= UNDERUSED {
        Some(format!(
            "db {}: transactions wait for connections ({figures}, acquire wait p90 {}): a larger pool than {} may \
             help; run a [db.sweep] to find the size",
            db.name,
            pool.acquire_wait.text(pool.acquire_wait.summary.p90),
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

impl WorkloadKind for DbResult {
    const INFO: KindInfo = KindInfo {
        kind: "db",
        operation: "transaction",
        operations_text: "database transactions",
        count_key: "transactions",
        throughput_key: "throughput_tps",
        throughput_unit: "tx/s",
        error_classes: &[
            "connect",
            "authentication",
            "pool_timeout",
            "statement_timeout",
            "statement_error",
            "connection_lost",
        ],
        headline_percentile: "p90",
        headline_extras: &["pool.efficiency"],
        watched_extras: &["pool.efficiency"],
        area: "database_optimization",
        capacity_latency: ("p90", 50.0),
        capacity_part: None,
        default_targets: &[
            ("Database p90 latency", "db.*.latency.p90", "< 50 ms"),
            ("Connection pool efficiency", "db.*.*.efficiency", "> 90 %"),
        ],
    };

    header_accessors!();

    /// The engine's block (transactions), the pool's efficiency, utilization,
    /// direct ratio and acquire wait, each query's latency and errors, and each
    /// sweep point's throughput and p90 (`db.<name>.pool<N>.u<users>.…`, or
    /// `.r<rate>.` in the open model).
    fn metrics(&self, prefix: &str, out: &mut Vec<Metric>) -> Result<(), CatalogueError> {
        result_metrics(prefix, &self.result, &Self::INFO, out)?;
        pool_metrics(&format!("{prefix}.pool"), &self.pool, &self.result, out);
        if self.queries.len() > 1 {
            for query in &self.queries {
                let prefix = format!("{prefix}.query.{}", key_segment(&query.name));
                latency_metrics(&prefix, &query.stats.latency, None, out)?;
                out.push(error_rate(&prefix, &query.stats));
            }
        }
        for point in &self.sweep {
            let level = match point.result.load {
                LoadModel::Closed { users, .. } => format!("u{users}"),
                LoadModel::Open { rate_per_s, .. } => format!("r{}", key_segment(&rate_per_s.to_string())),
            };
            let point_prefix = format!("{prefix}.pool{}.{level}", point.pool.size);
            let mut all = Vec::new();
            result_metrics(&point_prefix, &point.result, &Self::INFO, &mut all)?;
            let keep = [format!("{point_prefix}.throughput_tps"), format!("{point_prefix}.latency.p90")];
            out.extend(all.into_iter().filter(|m| keep.contains(&m.key)));
            pool_ratio_metrics(&point_prefix, &point.pool, &point.result, out);
        }
        Ok(())
    }

    latency_walk!(|this, base, out| {
        let DbResult { result, queries, pool, sweep, .. } = this;
        walk_result!(format!("{base}.result"), result, out);
        for (q, DbQuery { stats: OperationStats { latency, .. }, .. }) in queries.into_iter().enumerate() {
            out.push((format!("{base}.queries[{q}].stats.latency"), latency));
        }
        let PoolStats { acquire_wait, hold, connect, .. } = pool;
        out.push((format!("{base}.pool.acquire_wait"), acquire_wait));
        out.push((format!("{base}.pool.hold"), hold));
        out.push((format!("{base}.pool.connect"), connect));
        for (i, SweepPoint { pool, result }) in sweep.into_iter().enumerate() {
            walk_result!(format!("{base}.sweep[{i}].result"), result, out);
            let PoolStats { acquire_wait, hold, connect, .. } = pool;
            out.push((format!("{base}.sweep[{i}].pool.acquire_wait"), acquire_wait));
            out.push((format!("{base}.sweep[{i}].pool.hold"), hold));
            out.push((format!("{base}.sweep[{i}].pool.connect"), connect));
        }
    });

    fn merge_part(&mut self, from: &Self, kind: MergeKind, label: &str) -> Result<(), String> {
        if !self.sweep.is_empty() || !from.sweep.is_empty() {
            return Err(format!(
                "{label} is a sweep of pool sizes: sweeps are not merged (run shards or trials at one pool size)"
            ));
        }
        let names = |q: &[DbQuery]| q.iter().map(|q| q.name.clone()).collect::<Vec<_>>();
        if names(&self.queries) != names(&from.queries) {
            return Err(format!("{label} has queries {:?}, not {:?}", names(&from.queries), names(&self.queries)));
        }
        for (a, b) in self.queries.iter_mut().zip(&from.queries) {
            add_counts(&mut a.stats, &b.stats);
        }
        self.pool.merge(&from.pool, kind);
        Ok(())
    }

    fn check_comparable(&self, other: &Self, embedded: bool, warn: &mut dyn FnMut(String)) {
        let (a, b) = (self, other);
        if !embedded && a.target != b.target {
            warn(format!("databases differ: {} then {}", a.target, b.target));
        }
        if a.backend != b.backend {
            warn(format!("database engines differ: {} then {}", a.backend, b.backend));
        }
        let shape =
            |w: &DbResult| w.queries.iter().map(|q| format!("{} {} ×{}", q.kind, q.name, q.weight)).collect::<Vec<_>>();
        if shape(a) != shape(b) {
            warn(format!("query mixes differ: {:?} then {:?}", shape(a), shape(b)));
        }
        if (a.table.rows, a.table.payload_bytes) != (b.table.rows, b.table.payload_bytes) {
            warn(format!(
                "tables differ: {} rows of {} bytes, then {} rows of {} bytes",
                a.table.rows, a.table.payload_bytes, b.table.rows, b.table.payload_bytes
            ));
        }
        if a.keys != b.keys {
            warn(format!("key distributions differ: {} then {}", a.keys.kind, b.keys.kind));
        }
    }

    fn advice(&self) -> Option<String> {
        pool_advice(self)
    }

    fn gauges(&self) -> Vec<Gauge> {
        vec![Gauge {
            name: "perfproof_db_pool_efficiency_ratio",
            help: "Database workloads: hold over acquire wait plus hold in the last cycle, 0 to 1",
            value: self.pool.efficiency,
        }]
    }

    /// Each query of a mix of several (`update`, or its kind and name when they differ).
    fn parts(&self) -> Vec<(String, &OperationStats)> {
        if self.queries.len() < 2 {
            return Vec::new();
        }
        let name = |q: &DbQuery| if q.name == q.kind { q.name.clone() } else { format!("{} {}", q.kind, q.name) };
        self.queries.iter().map(|q| (name(q), &q.stats)).collect()
    }

    /// The pool: one row per point of a sweep (or the one run), efficiency and
    /// utilization side by side.
    fn detail(&self) -> Option<SummaryTable> {
        let points: Vec<(&PoolStats, &LoadResult)> = match self.sweep.is_empty() {
            true => vec![(&self.pool, &self.result)],
            false => self.sweep.iter().map(|p| (&p.pool, &p.result)).collect(),
        };
        let p90 = |l: &Latency| l.text(l.summary.p90);
        let rows = points
            .into_iter()
            .map(|(pool, result)| {
                SummaryRow::new(vec![
                    pool.size.to_string(),
                    load_text(&result.load, Self::INFO.throughput_unit),
                    format::value(result.throughput_per_s, Self::INFO.throughput_unit),
                    p90(&result.stats.latency),
                    format::share(pool.efficiency),
                    format::share(pool.utilization),
                    format::share(pool.direct_ratio()),
                    p90(&pool.acquire_wait),
                    p90(&pool.hold),
                    format::count(u64::from(pool.peak_waiters)),
                    format::count(pool.acquire_timeouts),
                ])
            })
            .collect();
        Some(SummaryTable {
            id: "pool",
            title: format!("db {} ({} {}): connection pool", self.name, self.backend, self.server_version),
            columns: vec![
                "pool",
                "load",
                "throughput",
                "p90",
                "efficiency",
                "utilization",
                "direct",
                "acquire wait p90",
                "hold p90",
                "peak waiters",
                "timeouts",
            ],
            rows,
            notes: Vec::new(),
        })
    }

    type Curve = PoolCurve;

    fn curve(&self) -> Option<PoolCurve> {
        let point = |pool: &PoolStats, result: &LoadResult, level: f64| {
            let latency = &result.stats.latency;
            PoolPoint {
                pool_size: pool.size,
                load_level: level,
                throughput_per_s: result.throughput_per_s,
                efficiency_pct: pool.efficiency * 100.0,
                utilization_pct: pool.utilization * 100.0,
                p90_ms: latency.to_ms(latency.summary.p90 as f64),
            }
        };
        let mut points: Vec<PoolPoint> = Vec::new();
        if self.sweep.is_empty() {
            points.push(point(&self.pool, &self.result, self.result.load.level()));
        }
        for sweep_point in &self.sweep {
            let candidate = point(&sweep_point.pool, &sweep_point.result, sweep_point.result.load.level());
            match points.iter_mut().find(|p| p.pool_size == candidate.pool_size) {
                Some(best) if best.throughput_per_s >= candidate.throughput_per_s => {}
                Some(best) => *best = candidate,
                None => points.push(candidate),
            }
        }
        points.sort_by_key(|p| p.pool_size);
        Some(PoolCurve {
            name: self.series_name(),
            points,
            recommended: self.recommendation.as_ref().map(|r| r.pool_size),
        })
    }
}

/// A database workload at one pool size: its best point over the load levels run.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolPoint {
    pub pool_size: u32,
    /// Users (closed model) or arrivals per second (open model) of that point.
    pub load_level: f64,
    /// Transactions per second.
    pub throughput_per_s: f64,
    /// Σ hold / Σ (acquire wait + hold), in percent.
    pub efficiency_pct: f64,
    /// Σ hold / (size × duration), in percent.
    pub utilization_pct: f64,
    pub p90_ms: f64,
}

/// A database workload's points by pool size, and the pool size its sweep recommends.
pub type PoolCurve = Curve<PoolPoint, u32>;

impl PoolStats {
    /// Adds a pool's counts and totals (its histograms are merged with the others).
    /// Shards each had a pool of their own: sizes and peak waiters add up (the peaks
    /// as a bound). Trials reused one size: the peak is the highest.
    fn merge(&mut self, from: &PoolStats, kind: MergeKind) {
        self.checkouts += from.checkouts;
        self.direct_checkouts += from.direct_checkouts;
        self.acquire_timeouts += from.acquire_timeouts;
        self.connections_opened += from.connections_opened;
        self.acquire_wait_total_s += from.acquire_wait_total_s;
        self.hold_total_s += from.hold_total_s;
        self.capacity_s += from.capacity_s;
        match kind {
            MergeKind::Shards => {
                self.size += from.size;
                self.peak_waiters += from.peak_waiters;
                // The same windows measured at once add up; windows that differ cannot be paired.
                if self.windows.len() == from.windows.len() {
                    for (a, b) in self.windows.iter_mut().zip(&from.windows) {
                        a.acquire_wait_s += b.acquire_wait_s;
                        a.hold_s += b.hold_s;
                    }
                } else {
                    self.windows.clear();
                }
            }
            MergeKind::Trials => {
                self.peak_waiters = self.peak_waiters.max(from.peak_waiters);
                self.windows.extend_from_slice(&from.windows);
            }
        }
        self.derive_ratios();
    }
}

/// Efficiency and utilization with their sections: each batch of time windows'
/// own ratio of sums (Σ hold / Σ (wait + hold), Σ hold / (size × batch length)),
/// in percent, so that their intervals come from batch means like throughput's.
/// With repeated trials, each trial's windows give the trial's ratios the same way.
fn pool_ratio_metrics(prefix: &str, pool: &PoolStats, result: &LoadResult, out: &mut Vec<Metric>) {
    let (mut efficiency, mut utilization) = (RateEvidence::default(), RateEvidence::default());
    if pool.windows.len() == result.windows.len() {
        let ratios = |group: &[usize], into: (&mut Vec<f64>, &mut Vec<f64>)| {
            let (wait, hold, length) = group.iter().fold((0.0, 0.0, 0.0), |(w, h, l), &i| {
                (w + pool.windows[i].acquire_wait_s, h + pool.windows[i].hold_s, l + result.windows[i].duration_s)
            });
            if wait + hold > 0.0 && length > 0.0 {
                into.0.push(hold / (wait + hold) * 100.0);
                into.1.push(hold / (f64::from(pool.size) * length) * 100.0);
            }
        };
        for group in batches(&result.windows, result.window_s) {
            ratios(&group, (&mut efficiency.windows, &mut utilization.windows));
        }
        if result.trials.len() >= 2 {
            for trial in 0..result.trials.len() as u32 {
                let group: Vec<usize> =
                    (0..result.windows.len()).filter(|&i| result.windows[i].trial == trial).collect();
                ratios(&group, (&mut efficiency.trials, &mut utilization.trials));
            }
        }
    }
    for (name, share, sections) in
        [("efficiency", pool.efficiency, efficiency), ("utilization", pool.utilization, utilization)]
    {
        let mut metric = percent(format!("{prefix}.{name}"), share);
        metric.evidence = Evidence::Rate(sections);
        out.push(metric);
    }
}

/// The pool's ratios, its direct checkouts, acquire wait p90 and acquire timeouts.
fn pool_metrics(prefix: &str, pool: &PoolStats, result: &LoadResult, out: &mut Vec<Metric>) {
    pool_ratio_metrics(prefix, pool, result, out);
    out.push(Metric {
        key: format!("{prefix}.direct_ratio"),
        value: pool.direct_ratio() * 100.0,
        unit: "%",
        direction: Direction::HigherIsBetter,
        evidence: Evidence::proportion(pool.direct_checkouts, pool.checkouts),
    });
    let wait = &pool.acquire_wait;
    out.push(Metric {
        key: format!("{prefix}.acquire_wait.p90"),
        value: wait.to_ms(wait.summary.p90 as f64),
        unit: "ms",
        direction: Direction::LowerIsBetter,
        evidence: Evidence::None,
    });
    out.push(Metric {
        key: format!("{prefix}.acquire_timeouts"),
        value: pool.acquire_timeouts as f64,
        unit: "count",
        direction: Direction::LowerIsBetter,
        evidence: Evidence::None,
    });
}
