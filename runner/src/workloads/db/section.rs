//! The `[db]` table of a scenario file and the database flags, resolved into a
//! [`DbPlan`]: the database (a URL from `--db-url`, `PERFPROOF_DB_URL` or the
//! file, or embedded SQLite when none is named), the table to seed, the query mix,
//! the key distribution, the pool (one size or a sweep), the `[db.load]` table and
//! the `[db.capacity]` search.
//! See `examples/scenario.toml`.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use perfproof_shared::report::{DbResult, WorkloadKind};
use serde::Deserialize;

use super::sql::{check_table_name, Backend};
use super::{DbPlan, QueryKind, QueryPlan, Service, Sweep};
use crate::config::capacity::{capacity_plan, CapacitySection};
use crate::config::load::{load_plan, positive_duration, LoadOverrides, DEFAULT_USERS};
use crate::config::secrets::{display_url, expand_env};
use crate::load::Model;
use crate::workloads::keys::{Keys, Popularity};
use crate::workloads::profile::Profile;
use crate::workloads::{KindSection, UrlFlag};

/// Rows seeded when neither the file nor a flag says.
pub const DEFAULT_ROWS: u64 = 10_000;
/// Bytes of each row's payload when the file does not say.
pub const DEFAULT_PAYLOAD_BYTES: u32 = 100;
/// Pool size against a named database when the file does not say.
pub const DEFAULT_POOL: u32 = 8;
/// Statement and acquire timeouts when the file does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The `[db]` table, as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbSection {
    pub name: Option<String>,
    /// `postgres://…`, `mysql://…` (MariaDB too) or `sqlite://…`; `${VAR}` expands.
    pub url: Option<String>,
    /// The workload's own table (default `perfproof_<name>`).
    pub table: Option<String>,
    pub rows: Option<u64>,
    pub payload_bytes: Option<u32>,
    /// Index the column the range query filters on (default true).
    pub range_index: Option<bool>,
    /// Leave the table in place after the run (default false: dropped).
    pub keep_table: Option<bool>,
    pub pool: Option<u32>,
    pub statement_timeout: Option<String>,
    pub acquire_timeout: Option<String>,
    /// `uniform`, `zipfian` (default) or `latest`.
    pub distribution: Option<String>,
    pub theta: Option<f64>,
    #[serde(default)]
    pub queries: Vec<QuerySection>,
    pub sweep: Option<SweepSection>,
    #[serde(default)]
    pub load: crate::config::load::LoadSection,
    /// `[db.capacity]`: search this workload's capacity after measuring it.
    pub capacity: Option<CapacitySection>,
}

/// One `[[db.queries]]` entry: a built-in `kind`, or custom `sql`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuerySection {
    pub name: String,
    pub kind: Option<String>,
    pub sql: Option<String>,
    /// What each placeholder of `sql` binds, in order; `key` (a drawn key) is the one source today.
    #[serde(default)]
    pub params: Vec<String>,
    #[serde(default = "default_weight")]
    pub weight: u32,
}

fn default_weight() -> u32 {
    1
}

/// `[db.sweep]`: pool sizes × users (closed model) or rates (open model).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSection {
    pub pools: Vec<u32>,
    #[serde(default)]
    pub users: Vec<u32>,
    #[serde(default)]
    pub rates: Vec<f64>,
}

/// Database values given on the command line; they win over the `[db]` table.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DbOverrides {
    /// `--db-url` (or `PERFPROOF_DB_URL`).
    pub url: Option<String>,
}

/// The default mix: mostly reads by key, some writes, a few range reads.
const DEFAULT_MIX: [(&str, QueryKind, u32); 4] = [
    ("point_select", QueryKind::PointSelect, 60),
    ("range_select", QueryKind::RangeSelect, 10),
    ("update", QueryKind::Update, 20),
    ("insert", QueryKind::Insert, 10),
];

/// What a demo profile means for the embedded database: (pool size, index on the
/// range query's column). The baseline's single connection makes the default users
/// queue for it, and its range query scans the table; the optimized pool has a
/// connection per default user (no transaction waits: efficiency near 100 %, the
/// original framework's target being 90 %) and the index.
fn demo_shape(profile: Profile) -> (u32, bool) {
    match profile {
        Profile::Baseline => (1, false),
        Profile::Optimized => (DEFAULT_USERS, true),
    }
}

/// The database a URL template names (`${VAR}` expanded; only its display form
/// without a password may be shown), or the embedded one shaped by `profile`;
/// `field` names the setting in errors.
pub fn database_target(template: Option<&String>, field: &str, profile: Profile) -> anyhow::Result<Service> {
    let Some(template) = template else { return Ok(Service::Embedded(profile)) };
    let url = expand_env(template).with_context(|| field.to_string())?;
    let display = display_url(template);
    let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or_default();
    let backend = Backend::from_scheme(scheme)
        .ok_or_else(|| anyhow!("{field}: `{display}` is not a postgres://, mysql:// (MariaDB too) or sqlite:// URL"))?;
    Ok(Service::Url { url, display, backend })
}

fn queries(sections: &[QuerySection]) -> anyhow::Result<Vec<QueryPlan>> {
    if sections.is_empty() {
        return Ok(DEFAULT_MIX
            .iter()
            .map(|&(name, kind, weight)| QueryPlan { name: name.into(), kind, weight, custom_sql: None, key_params: 0 })
            .collect());
    }
    if sections.len() > usize::from(u16::MAX) {
        bail!("db.queries: at most {} queries, not {}", u16::MAX, sections.len());
    }
    let mut out = Vec::with_capacity(sections.len());
    for (i, q) in sections.iter().enumerate() {
        let at = |field: &str| format!("db.queries[{i}].{field}");
        if out.iter().any(|o: &QueryPlan| o.name == q.name) {
            bail!("{}: two queries are named `{}`", at("name"), q.name);
        }
        let kind = match (&q.kind, &q.sql) {
            (Some(_), Some(_)) => bail!("db.queries[{i}]: give a built-in `kind` or custom `sql`, not both"),
            (None, None) => bail!("db.queries[{i}]: give a built-in `kind` ({}) or custom `sql`", builtin_names()),
            (None, Some(_)) => QueryKind::Custom,
            (Some(name), None) => match QueryKind::NAMES.iter().position(|n| n == name) {
                Some(k) if k < 4 => {
                    [QueryKind::PointSelect, QueryKind::RangeSelect, QueryKind::Update, QueryKind::Insert][k]
                }
                _ => bail!("{}: `{name}` is not one of {}", at("kind"), builtin_names()),
            },
        };
        if let Some(bad) = q.params.iter().find(|p| p.as_str() != "key") {
            bail!("{}: `{bad}` is not a parameter source (`key`: a key drawn from the distribution)", at("params"));
        }
        if kind != QueryKind::Custom && !q.params.is_empty() {
            bail!("{}: only custom `sql` takes params", at("params"));
        }
        let custom_sql = match &q.sql {
            Some(sql) => Some(expand_env(sql).with_context(|| at("sql"))?),
            None => None,
        };
        if custom_sql.as_deref().is_some_and(|s| s.trim().is_empty()) {
            bail!("{}: the statement is empty", at("sql"));
        }
        out.push(QueryPlan { name: q.name.clone(), kind, weight: q.weight, custom_sql, key_params: q.params.len() });
    }
    if out.iter().all(|q| q.weight == 0) {
        bail!("db.queries: at least one query needs a weight above 0");
    }
    Ok(out)
}

fn builtin_names() -> String {
    QueryKind::NAMES[..4].join(", ")
}

fn sweep(s: &SweepSection, load: &crate::load::LoadPlan) -> anyhow::Result<Sweep> {
    if s.pools.is_empty() || s.pools.contains(&0) {
        bail!("db.sweep.pools: list pool sizes of at least 1, like [1, 2, 4, 8, 16]");
    }
    if !load.stages.is_empty() {
        bail!("db.sweep: a sweep runs each point at a constant load; remove db.load.stages");
    }
    let levels: Vec<f64> = match (&load.model, s.users.is_empty(), s.rates.is_empty()) {
        (_, false, false) => bail!("db.sweep: give users (closed model) or rates (open model), not both"),
        (Model::Closed { .. }, false, true) => {
            if s.users.contains(&0) {
                bail!("db.sweep.users: at least 1 user per point");
            }
            s.users.iter().map(|&u| f64::from(u)).collect()
        }
        (Model::Open { .. }, true, false) => {
            if let Some(bad) = s.rates.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
                bail!("db.sweep.rates: arrival rates must be positive numbers per second, not {bad}");
            }
            s.rates.clone()
        }
        (Model::Closed { .. }, true, false) => {
            bail!("db.sweep.rates needs the open model: set db.load.rate (or --rate)")
        }
        (Model::Open { .. }, false, true) => bail!("db.sweep.users needs the closed model: remove db.load.rate"),
        (Model::Closed { users, .. }, true, true) => vec![f64::from(*users)],
        (Model::Open { rate, .. }, true, true) => vec![*rate],
    };
    Ok(Sweep { pools: s.pools.clone(), levels })
}

impl KindSection for DbSection {
    type Plan = DbPlan;
    type Overrides = DbOverrides;

    const URL_FLAG: UrlFlag = UrlFlag {
        long: "db-url",
        env: "PERFPROOF_DB_URL",
        help: "Database URL for the db workload (postgres://, mysql:// for MySQL and MariaDB, sqlite://); its password never reaches a report or a log. Default: SQLite in a temporary file.",
    };

    fn url_overrides(url: Option<String>) -> DbOverrides {
        DbOverrides { url }
    }

    fn names_target(flags: &DbOverrides) -> bool {
        flags.url.is_some()
    }

    /// Combines the `[db]` table, the flags and the load flags (flags win) into a checked plan.
    fn plan(
        &self,
        flags: &DbOverrides,
        load: &LoadOverrides,
        profile: Profile,
        _sharded: bool,
    ) -> anyhow::Result<DbPlan> {
        let section = self;
        let target = database_target(flags.url.as_ref().or(section.url.as_ref()), "db.url", profile)?;
        let (demo_pool, demo_index) = demo_shape(profile);
        let embedded = matches!(target, Service::Embedded(_));
        let name = section.name.clone().unwrap_or_else(|| if embedded { "demo" } else { "db" }.into());
        let table =
            section.table.clone().unwrap_or_else(|| format!("perfproof_{}", name.replace(['-', '.', ' '], "_")));
        check_table_name(&table).map_err(|e| anyhow!("db.table: {e}"))?;
        let rows = section.rows.unwrap_or(DEFAULT_ROWS);
        if rows == 0 {
            bail!("db.rows must be at least 1");
        }
        let payload_bytes = section.payload_bytes.unwrap_or(DEFAULT_PAYLOAD_BYTES);
        if payload_bytes > 1 << 20 {
            bail!("db.payload_bytes: at most 1 MiB per row, not {payload_bytes}");
        }
        let popularity = Popularity::parse(section.distribution.as_deref().unwrap_or("zipfian"), section.theta, "db")?;
        let queries = queries(&section.queries)?;
        let pool_size = section.pool.unwrap_or(if embedded { demo_pool } else { DEFAULT_POOL });
        if pool_size == 0 {
            bail!("db.pool must be at least 1");
        }
        let mut load = load_plan(&section.load, load, "db.load")?;
        load.capacity =
            section.capacity.as_ref().map(|c| capacity_plan(c, &DbResult::INFO, "db.capacity")).transpose()?;
        let sweep = match &section.sweep {
            None => None,
            Some(s) => Some(sweep(s, &load)?),
        };
        Ok(DbPlan {
            name,
            target,
            table,
            rows,
            payload_bytes,
            range_index: section.range_index.unwrap_or(if embedded { demo_index } else { true }),
            keep_table: section.keep_table.unwrap_or(false),
            keys: Keys::new(popularity, rows)?,
            queries,
            pool_size,
            sweep,
            statement_timeout: positive_duration(
                section.statement_timeout.as_deref(),
                "db.statement_timeout",
                DEFAULT_TIMEOUT,
            )?,
            acquire_timeout: positive_duration(
                section.acquire_timeout.as_deref(),
                "db.acquire_timeout",
                DEFAULT_TIMEOUT,
            )?,
            load,
        })
    }
}
