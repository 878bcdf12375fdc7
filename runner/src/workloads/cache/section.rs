//! The `[cache]` table of a scenario file and the cache flags, resolved into a
//! [`CachePlan`]: the cache (Redis from `--cache-url`, `PERFPROOF_CACHE_URL` or
//! the file; else the in-process cache, its capacity set by the demo profile),
//! the database behind it (`db_url`, else embedded SQLite), the keys, the writes,
//! the start, a capacity sweep, the `[cache.load]` table and the
//! `[cache.capacity_search]` table. See `examples/scenario.toml`.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use perfproof_shared::report::{CacheResult, WorkloadKind};
use serde::Deserialize;

use super::{CacheBackend, CachePlan, WritePolicy};
use crate::config::capacity::{capacity_plan, CapacitySection};
use crate::config::load::{load_plan, positive_duration, LoadOverrides};
use crate::config::secrets::{display_url, expand_env};
use crate::workloads::db::section::{database_target, DEFAULT_PAYLOAD_BYTES, DEFAULT_ROWS};
use crate::workloads::db::sql::check_table_name;
use crate::workloads::keys::{Keys, Popularity};
use crate::workloads::profile::Profile;
use crate::workloads::{KindSection, UrlFlag};

/// A value's time to live when the file does not say: longer than a default run,
/// so that a hit rate measures the cache's size and policy, not its expiry.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);
/// Share of writes when the file does not say, in percent (YCSB workload B: 95 % reads).
pub const DEFAULT_WRITE_PERCENT: f64 = 5.0;
/// How long one cache call may take before it counts as a `timeout`.
pub const DEFAULT_CACHE_TIMEOUT: Duration = Duration::from_secs(1);
/// Connections to the database behind the cache.
pub const DEFAULT_POOL: u32 = 8;

/// The `[cache]` table, as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSection {
    pub name: Option<String>,
    /// `redis://[:password@]host:port[/db]` (`rediss://` with TLS is not built in); `${VAR}` expands.
    /// Absent: the in-process cache.
    pub url: Option<String>,
    /// In-process cache: most entries held (default: the demo profile's).
    #[serde(default, deserialize_with = "entries")]
    pub capacity: Option<u64>,
    /// Redis: the prefix of every key the workload writes (default `perfproof:<name>:`).
    pub key_prefix: Option<String>,
    /// Redis: connections (default: one per user, or 16 in the open model).
    pub connections: Option<u32>,
    /// The database rows are loaded from (default: SQLite in a temporary file).
    pub db_url: Option<String>,
    /// Its table (default `perfproof_cache_<name>`), dropped after the run.
    pub table: Option<String>,
    /// Keyspace: the table's rows.
    pub keys: Option<u64>,
    pub value_bytes: Option<u32>,
    /// `uniform`, `zipfian` (default) or `latest`.
    pub distribution: Option<String>,
    pub theta: Option<f64>,
    pub ttl: Option<String>,
    /// Share of operations that are writes, in percent (default 5).
    pub write_percent: Option<f64>,
    /// `invalidate` (default; the demo's optimized profile: `update`) or `update`.
    pub write_policy: Option<String>,
    /// `cold` (default) or `prefilled`.
    pub start: Option<String>,
    /// Database connections.
    pub pool: Option<u32>,
    /// Longest a cache call may take.
    pub timeout: Option<String>,
    pub sweep: Option<SweepSection>,
    #[serde(default)]
    pub load: crate::config::load::LoadSection,
    /// `[cache.capacity_search]`: search this workload's capacity (ops/s) after
    /// measuring it. Every other kind names it `capacity`; a cache's `capacity` is
    /// its size.
    pub capacity_search: Option<CapacitySection>,
}

/// `capacity`: a number of entries; a table there is a capacity search misplaced,
/// and is told where it goes.
fn entries<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    struct Entries;
    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a number of entries, like 2000")
        }
        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<u64, E> {
            u64::try_from(value).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(value), &self))
        }
        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<u64, E> {
            Ok(value)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<u64, A::Error> {
            Err(serde::de::Error::custom(
                "a cache's `capacity` is its size in entries; its capacity search is the [cache.capacity_search] table",
            ))
        }
    }
    deserializer.deserialize_any(Entries).map(Some)
}

/// `[cache.sweep]`: in-process capacities as percentages of the keyspace.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSection {
    pub capacity_percent: Vec<f64>,
}

/// Cache values given on the command line; they win over the `[cache]` table.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CacheOverrides {
    /// `--cache-url` (or `PERFPROOF_CACHE_URL`).
    pub url: Option<String>,
}

/// What a demo profile means for the in-process cache: its capacity and its
/// write policy. The baseline's cache holds 1 % of the keys (at best about half
/// the reads hit under Zipf 0.99) and writes invalidate, so a hot key's next
/// read after each write misses. The optimized cache is sized for the whole
/// table with room to spare (its shards fill unevenly) and writes store the new
/// value, so a read misses only on a key's first load.
fn demo_shape(profile: Profile, keyspace: u64) -> (u64, WritePolicy) {
    match profile {
        Profile::Baseline => ((keyspace / 100).max(1), WritePolicy::Invalidate),
        Profile::Optimized => (keyspace + keyspace / 4, WritePolicy::Update),
    }
}

impl KindSection for CacheSection {
    type Plan = CachePlan;
    type Overrides = CacheOverrides;

    const URL_FLAG: UrlFlag = UrlFlag {
        long: "cache-url",
        env: "PERFPROOF_CACHE_URL",
        help: "Redis for the cache workload (redis://[:password@]host:port[/db]); its password never reaches a report or a log. Default: an in-process cache (S3-FIFO) sized by the demo profile.",
    };

    fn url_overrides(url: Option<String>) -> CacheOverrides {
        CacheOverrides { url }
    }

    fn names_target(flags: &CacheOverrides) -> bool {
        flags.url.is_some()
    }

    /// Combines the `[cache]` table, the flags and the load flags (flags win) into a checked plan.
    fn plan(
        &self,
        flags: &CacheOverrides,
        load: &LoadOverrides,
        profile: Profile,
        _sharded: bool,
    ) -> anyhow::Result<CachePlan> {
        let section = self;
        let template = flags.url.clone().or(section.url.clone());
        let name = section.name.clone().unwrap_or_else(|| if template.is_none() { "demo" } else { "cache" }.into());
        let keyspace = section.keys.unwrap_or(DEFAULT_ROWS);
        if keyspace == 0 {
            bail!("cache.keys must be at least 1");
        }
        let mut load = load_plan(&section.load, load, "cache.load")?;
        load.capacity = section
            .capacity_search
            .as_ref()
            .map(|c| capacity_plan(c, &CacheResult::INFO, "cache.capacity_search"))
            .transpose()?;
        let backend = match &template {
            Some(template) => {
                if section.capacity.is_some() || section.sweep.is_some() {
                    bail!("cache.capacity and cache.sweep size the in-process cache; Redis is sized by its maxmemory");
                }
                let url = expand_env(template).context("cache.url")?;
                let display = display_url(template);
                if !url.starts_with("redis://") {
                    bail!("cache.url: `{display}` is not a redis:// URL");
                }
                redis::Client::open(url.as_str()).map_err(|e| anyhow!("cache.url: `{display}`: {e}"))?;
                let prefix = section.key_prefix.clone().unwrap_or_else(|| format!("perfproof:{name}:"));
                if prefix.is_empty() || prefix.contains(['*', '?', '[', ']', '\\']) {
                    bail!("cache.key_prefix: `{prefix}` must be non-empty and free of glob characters (* ? [ ] \\)");
                }
                let connections = match (section.connections, &load.model) {
                    (Some(0), _) => bail!("cache.connections must be at least 1"),
                    (Some(n), _) => n,
                    (None, crate::load::Model::Closed { users, .. }) => *users,
                    (None, crate::load::Model::Open { .. }) => 16,
                };
                CacheBackend::Redis { url, display, prefix, connections: connections as usize }
            }
            None => {
                if section.key_prefix.is_some() || section.connections.is_some() {
                    bail!("cache.key_prefix and cache.connections are for Redis: set cache.url");
                }
                let capacity = section.capacity.unwrap_or(demo_shape(profile, keyspace).0);
                if capacity == 0 {
                    bail!("cache.capacity must be at least 1 entry");
                }
                CacheBackend::InProcess { capacity }
            }
        };
        let database = database_target(section.db_url.as_ref(), "cache.db_url", profile)?;
        let table = section
            .table
            .clone()
            .unwrap_or_else(|| format!("perfproof_cache_{}", name.replace(['-', '.', ' ', ':'], "_")));
        check_table_name(&table).map_err(|e| anyhow!("cache.table: {e}"))?;
        let value_bytes = section.value_bytes.unwrap_or(DEFAULT_PAYLOAD_BYTES);
        if value_bytes > 1 << 20 {
            bail!("cache.value_bytes: at most 1 MiB per value, not {value_bytes}");
        }
        let popularity =
            Popularity::parse(section.distribution.as_deref().unwrap_or("zipfian"), section.theta, "cache")?;
        let write_percent = section.write_percent.unwrap_or(DEFAULT_WRITE_PERCENT);
        if !(0.0..=100.0).contains(&write_percent) {
            bail!("cache.write_percent must be between 0 and 100, not {write_percent}");
        }
        let write_policy = match section.write_policy.as_deref() {
            // The demo profile's policy goes with the in-process cache it sizes.
            None if template.is_none() => demo_shape(profile, keyspace).1,
            None | Some("invalidate") => WritePolicy::Invalidate,
            Some("update") => WritePolicy::Update,
            Some(other) => bail!("cache.write_policy: `{other}` is not one of invalidate, update"),
        };
        let prefill = match section.start.as_deref().unwrap_or("cold") {
            "cold" => false,
            "prefilled" => true,
            other => bail!("cache.start: `{other}` is not one of cold, prefilled"),
        };
        let pool_size = section.pool.unwrap_or(DEFAULT_POOL);
        if pool_size == 0 {
            bail!("cache.pool must be at least 1");
        }
        let sweep = match &section.sweep {
            None => None,
            Some(s) => {
                if s.capacity_percent.is_empty() {
                    bail!("cache.sweep.capacity_percent: list shares of the keyspace, like [1, 5, 10, 20, 50]");
                }
                if !load.stages.is_empty() {
                    bail!("cache.sweep: a sweep runs each capacity at a constant load; remove cache.load.stages");
                }
                let mut capacities = Vec::new();
                for &percent in &s.capacity_percent {
                    if !(percent.is_finite() && percent > 0.0 && percent <= 100.0) {
                        bail!("cache.sweep.capacity_percent: {percent} is not a share above 0 and at most 100");
                    }
                    capacities.push(((keyspace as f64 * percent / 100.0).round() as u64).max(1));
                }
                Some(capacities)
            }
        };
        Ok(CachePlan {
            name,
            backend,
            database,
            table,
            keys: Keys::new(popularity, keyspace)?,
            value_bytes,
            ttl: positive_duration(section.ttl.as_deref(), "cache.ttl", DEFAULT_TTL)?,
            write_percent,
            write_policy,
            prefill,
            pool_size,
            timeout: positive_duration(section.timeout.as_deref(), "cache.timeout", DEFAULT_CACHE_TIMEOUT)?,
            sweep,
            load,
        })
    }
}
