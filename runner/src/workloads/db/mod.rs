//! The database workload: a weighted query mix through a connection pool against
//! PostgreSQL, MySQL/MariaDB or SQLite (sqlx), on the load engine.
//!
//! One operation is one transaction as an application runs it: check a connection
//! out of the pool ([`pool`]), run one statement, give the connection back. The
//! engine measures the whole; the workload keeps the checkout's two phases apart
//! (the engine's spans: acquire wait and hold) and the pool's own figures
//! (connect times, direct checkouts, waiters). The workload seeds a table of its
//! own ([`sql`]), runs one pool size at one load or a sweep of pool sizes × loads,
//! recommends the smallest pool within 5 % of the best throughput, and drops the
//! table unless asked to keep it. With no database named it runs against SQLite in
//! a temporary file, with the demo profile's pool and index.

pub mod pool;
pub mod section;
pub mod sql;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use futures_util::TryStreamExt;
use perfproof_shared::report::{self, DbQuery, DbResult, DbTable, PoolStats, PoolWindow, SweepPoint, WorkloadKind};
use perfproof_shared::{Latency, TimeUnit};
use sqlx::AnyConnection;
use sqlx::Connection;

use super::keys::Keys;
use super::profile::Profile;
use super::{keep_window_parts, KindPlan, PointFigures};
use crate::load::{self, Context, LoadPlan, Measured, Model, Operation, Outcome, Vocabulary};
use pool::{Connector, Pool};
use sql::{category_of, classify_connect, classify_statement, payload, Backend};

/// How a transaction failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Connect,
    Authentication,
    PoolTimeout,
    StatementTimeout,
    StatementError,
    ConnectionLost,
}

impl ErrorClass {
    /// As the report names it ([`DbResult::INFO`]'s error classes, in the enum's order).
    pub fn name(self) -> &'static str {
        DbResult::INFO.error_classes[self as usize]
    }
}

const _: () = assert!(ErrorClass::ConnectionLost as usize + 1 == DbResult::INFO.error_classes.len());

/// Counter of checkouts that did not wait.
const DIRECT_CHECKOUTS: &str = "direct_checkouts";

fn vocabulary(parts: usize) -> Vocabulary {
    Vocabulary {
        kind: &DbResult::INFO,
        resolution: TimeUnit::Microseconds,
        counters: &[DIRECT_CHECKOUTS],
        spans: &["acquire_wait", "hold"],
        parts,
    }
}

/// Where the database is.
#[derive(Debug, Clone)]
pub enum Service {
    /// A server (or SQLite file) the user named. `url` may hold a password;
    /// `display` is what may be shown.
    Url { url: String, display: String, backend: Backend },
    /// SQLite in a temporary file, shaped by the demo profile.
    Embedded(Profile),
}

/// What a query does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    PointSelect,
    RangeSelect,
    Update,
    Insert,
    Custom,
}

impl QueryKind {
    pub const NAMES: [&'static str; 5] = ["point_select", "range_select", "update", "insert", "custom"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// One query of the mix, resolved.
#[derive(Debug, Clone)]
pub struct QueryPlan {
    pub name: String,
    pub kind: QueryKind,
    pub weight: u32,
    /// Custom statements only: the SQL and how many drawn keys it binds.
    pub custom_sql: Option<String>,
    pub key_params: usize,
}

/// Pool sizes × load levels to sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub pools: Vec<u32>,
    /// Users (closed model) or arrival rates per second (open model).
    pub levels: Vec<f64>,
}

/// A resolved database workload.
#[derive(Debug, Clone)]
pub struct DbPlan {
    pub name: String,
    pub target: Service,
    pub table: String,
    pub rows: u64,
    pub payload_bytes: u32,
    pub range_index: bool,
    pub keep_table: bool,
    pub keys: Keys,
    pub queries: Vec<QueryPlan>,
    pub pool_size: u32,
    pub sweep: Option<Sweep>,
    pub statement_timeout: Duration,
    pub acquire_timeout: Duration,
    pub load: LoadPlan,
}

impl DbPlan {
    /// Where it runs, as people may read it.
    pub fn display_target(&self) -> String {
        match &self.target {
            Service::Url { display, .. } => display.clone(),
            Service::Embedded(profile) => format!("embedded SQLite ({} profile)", profile.label()),
        }
    }

    /// Every (pool size, load plan) to run, in order.
    fn points(&self) -> Vec<(u32, LoadPlan)> {
        let Some(sweep) = &self.sweep else { return vec![(self.pool_size, self.load.clone())] };
        let mut points = Vec::new();
        for &pool in &sweep.pools {
            for &level in &sweep.levels {
                let mut plan = self.load.clone();
                match &mut plan.model {
                    Model::Closed { users, .. } => *users = level as u32,
                    Model::Open { rate, .. } => *rate = level,
                }
                points.push((pool, plan));
            }
        }
        points
    }
}

impl KindPlan for DbPlan {
    type Part = DbResult;

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
        let pools = match &self.sweep {
            Some(sweep) => format!("a sweep of pools {:?} × {} load levels", sweep.pools, sweep.levels.len()),
            None => format!("a pool of {} and {}", self.pool_size, self.load.describe("tx/s")),
        };
        format!("db `{}`: {} query(ies) on {} with {pools}", self.name, self.queries.len(), self.display_target())
    }

    fn is_sweep(&self) -> bool {
        self.sweep.is_some()
    }

    /// Connects once: a database that cannot be reached (or refuses the credentials)
    /// fails the workload before any load is offered.
    async fn check_reachable(&self) -> anyhow::Result<()> {
        let plan = self;
        check_target(&plan.target).await
    }

    /// Runs the plan: seeds the table, measures each point, drops the table.
    async fn run(&self, context: &Context) -> anyhow::Result<DbResult> {
        let plan = self;
        let seed = Seed {
            table: &plan.table,
            rows: plan.rows,
            payload_bytes: plan.payload_bytes,
            range_index: plan.range_index,
        };
        let database = Database::open(&plan.target, plan.display_target(), plan.statement_timeout, seed).await?;
        let backend = database.backend;
        let statements = Arc::new(Statements::new(plan, backend));
        let next_key = Arc::new(AtomicU64::new(database.next_key));

        let mut context = context.clone();
        // Embedded SQLite runs inside this process, on the runner's cores.
        context.target_in_process |= matches!(plan.target, Service::Embedded(_));
        let measured = measure_points(plan, &context, &database.connector, &statements, &next_key).await;
        let mut warnings = Vec::new();
        if !plan.keep_table {
            warnings.extend(database.drop_table(&plan.table).await);
        }
        let mut points = measured?;
        if points.is_empty() {
            anyhow::bail!("stopped before the first point was measured");
        }
        let sweep: Vec<SweepPoint> = match plan.sweep {
            Some(_) => points.iter().map(|p| p.whole.0.clone()).collect(),
            None => Vec::new(),
        };
        let recommendation = report::recommend(&sweep);
        let PointFigures { whole: (point, query_stats), windows } =
            points.swap_remove(recommendation.as_ref().map_or(0, |r| r.point));
        // The entry of a point: the recommended one, or one of its windows alone.
        let entry = |point: SweepPoint, query_stats: Vec<report::OperationStats>| DbResult {
            name: plan.name.clone(),
            target: database.display.clone(),
            backend: backend.name().into(),
            server_version: database.server_version.clone(),
            table: DbTable {
                name: plan.table.clone(),
                rows: plan.rows,
                payload_bytes: plan.payload_bytes,
                range_index: plan.range_index,
                kept: plan.keep_table,
            },
            keys: plan.keys.describe(),
            queries: statements
                .queries
                .iter()
                .zip(query_stats)
                .map(|((q, sql), stats)| DbQuery {
                    name: q.name.clone(),
                    kind: q.kind.name().into(),
                    weight: q.weight,
                    sql: sql.clone(),
                    stats,
                })
                .collect(),
            pool: point.pool,
            sweep: Vec::new(),
            recommendation: None,
            result: point.result,
        };
        let mut whole = entry(point, query_stats);
        keep_window_parts(&mut whole.result.windows, windows.into_iter().map(|(p, q)| Ok(entry(p, q))))?;
        whole.result.warnings.extend(warnings);
        Ok(DbResult { sweep, recommendation, ..whole })
    }
}

/// Connects once to a database the user named (the embedded one is always there).
pub async fn check_target(target: &Service) -> anyhow::Result<()> {
    if let Service::Url { url, display, .. } = target {
        let connector = Connector::new(url, Vec::new()).map_err(|e| anyhow!("{display}: {e}"))?;
        let conn = connector.connect().await.map_err(|e| connect_error(display, &e))?;
        let _ = conn.close().await;
    }
    Ok(())
}

fn connect_error(display: &str, e: &sqlx::Error) -> anyhow::Error {
    anyhow!("cannot connect to {display} ({}): {e}", classify_connect(e).name())
}

/// A database with a workload's table seeded, and the connector that opens its
/// sessions: what the database and cache workloads share.
pub struct Database {
    /// Opens connections with the workload's session settings.
    pub connector: Connector,
    pub backend: Backend,
    /// Where it is, as people may read it.
    pub display: String,
    pub server_version: String,
    /// The first key past the seeded rows.
    pub next_key: u64,
    /// The embedded database's folder, removed with it.
    _folder: Option<tempfile::TempDir>,
}

/// The table a workload seeds.
#[derive(Debug, Clone, Copy)]
pub struct Seed<'a> {
    pub table: &'a str,
    pub rows: u64,
    pub payload_bytes: u32,
    pub range_index: bool,
}

impl Database {
    /// Opens the database (the embedded one in a temporary folder) and seeds the table.
    pub async fn open(
        target: &Service,
        display: String,
        statement_timeout: Duration,
        seed: Seed<'_>,
    ) -> anyhow::Result<Self> {
        let (url, backend, folder) = match target {
            Service::Url { url, backend, .. } => (url.clone(), *backend, None),
            Service::Embedded(_) => {
                let folder = tempfile::tempdir().context("creating the embedded database's folder")?;
                let url = format!("sqlite://{}?mode=rwc", folder.path().join("perfproof.db").display());
                (url, Backend::Sqlite, Some(folder))
            }
        };
        let connector = Connector::new(&url, Vec::new()).map_err(|e| anyhow!("{display}: {e}"))?;
        let mut admin = connector.connect().await.map_err(|e| connect_error(&display, &e))?;
        let server_version = backend.server_version(&mut admin).await.context("reading the server's version")?;
        let setup = backend.session_setup(statement_timeout, server_version.contains("MariaDB"), folder.is_some());
        let next_key = backend
            .seed(&mut admin, seed.table, seed.rows, seed.payload_bytes, seed.range_index)
            .await
            .with_context(|| format!("seeding table {} in {display}", seed.table))?;
        let _ = admin.close().await;
        Ok(Database {
            connector: connector.with_setup(setup),
            backend,
            display,
            server_version,
            next_key,
            _folder: folder,
        })
    }

    /// Drops the table on a connection of its own (a run may have lost every
    /// other one); the warning to report when it could not.
    pub async fn drop_table(&self, table: &str) -> Option<String> {
        let dropped = match self.connector.connect().await {
            Ok(mut conn) => {
                let dropped = self.backend.drop_table(&mut conn, table).await;
                let _ = conn.close().await;
                dropped
            }
            Err(e) => Err(e),
        };
        dropped.err().map(|e| format!("could not drop table {table}: {e}"))
    }
}

/// Runs every point; a stop ends the sweep after the point it interrupted, and a
/// pool that cannot be filled after the first point ends it with a warning.
async fn measure_points(
    plan: &DbPlan,
    context: &Context,
    connector: &Connector,
    statements: &Arc<Statements>,
    next_key: &Arc<AtomicU64>,
) -> anyhow::Result<Vec<PointFigures<SweepPoint>>> {
    let words = vocabulary(plan.queries.len());
    let points = plan.points();
    let mut measured: Vec<PointFigures<SweepPoint>> = Vec::with_capacity(points.len());
    for (i, (size, load)) in points.iter().enumerate() {
        if *context.stop.borrow() {
            break;
        }
        if points.len() > 1 && !context.quiet {
            eprintln!("  point {}/{}: pool {size}, {}", i + 1, points.len(), load.describe("tx/s"));
        }
        let pool = Arc::new(Pool::new(*size, connector.clone(), plan.acquire_timeout));
        let first_errors = Arc::new(Mutex::new(vec![None; DbResult::INFO.error_classes.len()]));
        if let Err((class, e)) = pool.fill().await {
            let error = anyhow!("opening the pool of {size} ({}): {e}", class.name());
            match measured.last_mut() {
                None => return Err(error),
                Some(PointFigures { whole: (last, _), .. }) => {
                    last.result.complete = false;
                    last.result.warnings.push(format!("the sweep stopped early: {error:#}"));
                    break;
                }
            }
        }
        let operation = DbOperation {
            pool: pool.clone(),
            statements: statements.clone(),
            keys: plan.keys.clone(),
            cycle: crate::workloads::weighted_cycle(&plan.queries.iter().map(|q| q.weight).collect::<Vec<_>>()),
            next_key: next_key.clone(),
            payload_bytes: plan.payload_bytes,
            client_timeout: plan.statement_timeout + Duration::from_secs(2),
            first_errors: first_errors.clone(),
        };
        let Measured { mut result, parts, spans, windows, .. } = load::run(operation, &words, load, context).await?;
        let firsts = std::mem::take(&mut *first_errors.lock().unwrap_or_else(|p| p.into_inner()));
        result.warnings.extend(firsts.into_iter().flatten().map(|m| format!("first error of its class: {m}")));
        pool.close().await;
        let stats = pool_stats(&pool, &result, &spans)?;
        let windows = windows
            .into_iter()
            .map(|w| Ok((SweepPoint { pool: pool_stats(&pool, &w.result, &w.spans)?, result: w.result }, w.parts)))
            .collect::<anyhow::Result<_>>()?;
        measured.push(PointFigures { whole: (SweepPoint { pool: stats, result }, parts), windows });
    }
    Ok(measured)
}

/// The pool's figures over a point's measured period.
fn pool_stats(pool: &Pool, result: &report::LoadResult, spans: &[load::Span]) -> anyhow::Result<PoolStats> {
    let [wait, hold] = spans else { anyhow::bail!("the engine returned {} spans, not 2", spans.len()) };
    let mut stats = PoolStats {
        size: pool.size(),
        checkouts: hold.latency.summary.count,
        direct_checkouts: result.stats.counter(DIRECT_CHECKOUTS),
        acquire_timeouts: result.stats.errors.get(ErrorClass::PoolTimeout.name()).copied().unwrap_or(0),
        peak_waiters: pool.peak_waiters(),
        connections_opened: pool.opened(),
        acquire_wait: wait.latency.clone(),
        hold: hold.latency.clone(),
        connect: Latency::from_histogram(&pool.connect_times(), TimeUnit::Microseconds)?,
        acquire_wait_total_s: wait.total_s,
        hold_total_s: hold.total_s,
        capacity_s: f64::from(pool.size()) * result.duration_s,
        efficiency: 0.0,
        utilization: 0.0,
        windows: wait
            .windows_s
            .iter()
            .zip(&hold.windows_s)
            .map(|(&acquire_wait_s, &hold_s)| PoolWindow { acquire_wait_s, hold_s })
            .collect(),
    };
    stats.derive_ratios();
    Ok(stats)
}

/// Each query of the mix beside its SQL, for the workload's table and engine.
struct Statements {
    queries: Vec<(QueryPlan, String)>,
}

impl Statements {
    fn new(plan: &DbPlan, backend: Backend) -> Self {
        let t = &plan.table;
        let queries = plan
            .queries
            .iter()
            .map(|q| {
                let sql = match q.kind {
                    QueryKind::PointSelect => backend.point_select(t),
                    QueryKind::RangeSelect => backend.range_select(t),
                    QueryKind::Update => backend.update(t),
                    QueryKind::Insert => backend.insert(t),
                    QueryKind::Custom => q.custom_sql.clone().unwrap_or_default(),
                };
                (q.clone(), sql)
            })
            .collect();
        Statements { queries }
    }
}

/// One transaction: check out, run the query, give back.
struct DbOperation {
    pool: Arc<Pool>,
    statements: Arc<Statements>,
    keys: Keys,
    cycle: Vec<usize>,
    next_key: Arc<AtomicU64>,
    payload_bytes: u32,
    client_timeout: Duration,
    /// The first message of each error class, for the report's warnings.
    first_errors: Arc<Mutex<Vec<Option<String>>>>,
}

impl DbOperation {
    fn note(&self, class: ErrorClass, message: impl FnOnce() -> String) {
        let mut first = self.first_errors.lock().unwrap_or_else(|p| p.into_inner());
        let slot = &mut first[class as usize];
        if slot.is_none() {
            *slot = Some(message());
        }
    }

    async fn execute(&self, conn: &mut AnyConnection, query: usize, index: u64) -> Result<(), sqlx::Error> {
        let (plan, sql) = &self.statements.queries[query];
        let key = |stream: u64| self.keys.key(stream, index) as i64;
        match plan.kind {
            QueryKind::PointSelect => sqlx::query(sql).bind(key(0)).fetch_optional(conn).await.map(drop),
            QueryKind::RangeSelect => {
                let category = category_of(key(1) as u64) as i64;
                sqlx::query(sql).bind(category).bind(category + 1).fetch_optional(conn).await.map(drop)
            }
            QueryKind::Update => sqlx::query(sql).bind(key(2)).execute(conn).await.map(drop),
            QueryKind::Insert => {
                let id = self.next_key.fetch_add(1, Ordering::Relaxed);
                let row = sqlx::query(sql).bind(id as i64).bind(category_of(id) as i64);
                row.bind(payload(id, self.payload_bytes)).execute(conn).await.map(drop)
            }
            QueryKind::Custom => {
                let mut query = sqlx::query(sql);
                for p in 0..plan.key_params {
                    query = query.bind(key(3 + p as u64));
                }
                let mut rows = query.fetch(conn);
                while rows.try_next().await?.is_some() {}
                Ok(())
            }
        }
    }
}

impl Operation for DbOperation {
    type Session = ();

    const CALLER_RUNTIME: bool = true;

    fn session(&self, _thread: usize) {}

    async fn perform(&self, _: &mut (), index: u64) -> Outcome {
        let query = self.cycle[(index % self.cycle.len() as u64) as usize];
        let part = query as u16;
        let asked = Instant::now();
        let acquired = self.pool.acquire().await;
        let got = Instant::now();
        let mut acquired = match acquired {
            Ok(acquired) => acquired,
            Err(class) => {
                self.note(class, || format!("{} (pool of {})", class.name(), self.pool.size()));
                return Outcome {
                    part,
                    error: Some(class as u8),
                    spans: [Some(got - asked), None],
                    ..Outcome::default()
                };
            }
        };
        let result =
            tokio::time::timeout(self.client_timeout, self.execute(&mut acquired.checkout.conn, query, index)).await;
        let done = Instant::now();
        let (error, reusable) = match result {
            Ok(Ok(())) => (None, true),
            Ok(Err(e)) => {
                let (class, reusable) = classify_statement(&e);
                self.note(class, || format!("{} in `{}`: {e}", class.name(), self.statements.queries[query].0.name));
                (Some(class as u8), reusable)
            }
            // The server did not answer in time: the connection's state is unknown.
            Err(_) => {
                let class = ErrorClass::StatementTimeout;
                self.note(class, || format!("{}: no answer within {:?}", class.name(), self.client_timeout));
                (Some(class as u8), false)
            }
        };
        self.pool.release(acquired.checkout, reusable);
        Outcome {
            part,
            error,
            code: None,
            counters: load::counters(&[u64::from(acquired.direct)]),
            spans: [Some(got - asked), Some(done - got)],
        }
    }
}
