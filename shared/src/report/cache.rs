//! The cache workload's part of a report (`{"cache": {...}}`): cache-aside reads
//! and writes through a cache (Redis, or an in-process cache) in front of a
//! database table; hits and misses as the client counted them, hit and miss
//! latency, the load penalty, the backend's own counters, a per-second hit rate,
//! and a sweep of capacities with the ideal hit rate beside each.
//!
//! In a capacity sweep the headline (`cache`, `result`) is the recommended
//! capacity: the smallest whose hit rate reached [`HIT_RATE_GOAL`], else the largest.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::kind::{header_accessors, latency_walk, walk_result, Curve, Gauge, KindInfo, WorkloadKind};
use super::{KeyDistribution, LoadResult, OperationStats};
use crate::format;
use crate::latency::Latency;
use crate::merge::{add_counts, MergeKind};
use crate::metrics::{latency_metrics, result_metrics, CatalogueError, Direction, Evidence, Metric};
use crate::summary::{SummaryRow, SummaryTable};

/// Cache-aside operations through one cache in front of one database table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CacheResult {
    /// Workload name; the key under which its metrics are listed (`cache.<name>.…`).
    pub name: String,
    /// `redis` or `in_process`.
    pub backend: String,
    /// The cache: Redis' URL without a password, or `in-process`.
    pub target: String,
    /// The server's version (Redis), or the in-process cache's library and version.
    pub server_version: String,
    /// How the cache evicts: `S3-FIFO` in process; Redis' `maxmemory-policy`.
    pub eviction_policy: String,
    /// Redis only: the prefix of every key the workload wrote (and removed afterwards).
    pub key_prefix: Option<String>,
    /// The database behind the cache, and the table rows are loaded from.
    pub database: CacheDatabase,
    /// How keys are drawn; the keyspace is the table's rows.
    pub keys: KeyDistribution,
    /// Bytes of each cached value (the row's payload).
    pub value_bytes: u32,
    /// Time to live of each cached value, in seconds.
    pub ttl_s: f64,
    /// Share of operations that are writes, in percent.
    pub write_percent: f64,
    /// What a write does to the cache after updating the row: `invalidate`
    /// (delete the key) or `update` (store the new value).
    pub write_policy: String,
    /// `cold` (empty at the start) or `prefilled` (every row stored before the warm-up).
    pub start: String,
    /// The cache's figures of the headline run.
    pub cache: CacheStats,
    /// Reads only: the engine's figures for them (latency of every read, hit or miss).
    pub reads: OperationStats,
    /// Writes only.
    pub writes: OperationStats,
    /// Every point of a sweep of in-process cache capacities, in the order run;
    /// empty without a sweep.
    pub sweep: Vec<CachePoint>,
    /// The smallest capacity of the sweep whose hit rate reached [`HIT_RATE_GOAL`];
    /// absent without a sweep, or when none did.
    pub recommended_capacity: Option<u64>,
    /// What the load engine measured (operations are reads and writes). In a sweep:
    /// the headline point.
    pub result: LoadResult,
}

/// The database rows are loaded from on a miss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CacheDatabase {
    /// Without a password; `sqlite:<temporary file>` style for the embedded default.
    pub target: String,
    /// `postgres`, `mysql` or `sqlite`.
    pub backend: String,
    pub table: String,
    /// Rows seeded: the keyspace.
    pub rows: u64,
}

/// A cache's figures over a measured period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CacheStats {
    /// Most entries the cache holds; absent for Redis (bounded by its `maxmemory`, if at all).
    pub capacity: Option<u64>,
    /// Reads that found their key in the cache, as the client counted them.
    pub hits: u64,
    /// Reads that did not, and loaded the row from the database.
    pub misses: u64,
    /// Reads served from the database because the cache failed (neither hits nor misses).
    pub fallbacks: u64,
    /// hits / (hits + misses), 0 to 1.
    pub hit_rate: f64,
    /// The best hit rate any policy of this capacity could reach on this key
    /// distribution (the top-C keys always cached): H(C,θ)/H(N,θ) for `zipfian`,
    /// C/N for `uniform`; absent without a capacity, and for `latest`.
    pub ideal_hit_rate: Option<f64>,
    /// Reads that hit: the cache lookup.
    pub hit_latency: Latency,
    /// Reads that missed: the lookup, loading the row from the database, and storing it.
    pub miss_latency: Latency,
    /// Mean miss latency minus mean hit latency, in milliseconds: what a miss costs.
    pub load_penalty_ms: f64,
    /// Rows loaded from the database by reads (misses and fallbacks).
    pub db_loads: u64,
    /// Cache failures by class (`connect`, `authentication`, `timeout`,
    /// `connection_lost`, `other`), of reads and writes; the operation still
    /// succeeded when the database did. Classes that did not occur are omitted.
    pub cache_errors: BTreeMap<String, u64>,
    /// The backend's own counters over the whole point (warm-up and prefill
    /// included), where it reports them.
    pub backend: Option<BackendCounters>,
    /// Hits and misses per second of the result's timeline.
    pub timeline: Vec<CacheSecond>,
}

/// What the cache itself counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackendCounters {
    /// Lookups that found their key (Redis: `keyspace_hits` delta).
    pub hits: u64,
    /// Lookups that did not (Redis: `keyspace_misses` delta).
    pub misses: u64,
    /// Entries evicted to make room (Redis: `evicted_keys` delta).
    pub evictions: u64,
    /// Entries held at the end (Redis: keys under the workload's prefix).
    pub entries: u64,
    /// Memory the cache reported at the end, in bytes (Redis: `used_memory`, the
    /// whole server's); absent in process.
    pub memory_bytes: Option<u64>,
}

/// One second of the cache's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CacheSecond {
    /// Seconds since the end of the warm-up, as in the result's `timeline`.
    pub second: u32,
    pub hits: u64,
    pub misses: u64,
}

/// One capacity of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CachePoint {
    pub cache: CacheStats,
    pub result: LoadResult,
}

/// The hit rate a capacity is recommended for: the original framework's target.
pub const HIT_RATE_GOAL: f64 = 0.95;

impl CacheStats {
    /// Recomputes `hit_rate` from the counts.
    pub fn derive_hit_rate(&mut self) {
        let reads = self.hits + self.misses;
        self.hit_rate = if reads == 0 { 0.0 } else { self.hits as f64 / reads as f64 };
    }

    /// Recomputes `load_penalty_ms` from the two latencies.
    pub fn derive_load_penalty(&mut self) {
        let mean_ms = |l: &Latency| l.to_ms(l.summary.mean);
        self.load_penalty_ms = if self.hit_latency.summary.count == 0 || self.miss_latency.summary.count == 0 {
            0.0
        } else {
            mean_ms(&self.miss_latency) - mean_ms(&self.hit_latency)
        };
    }

    /// Adds a cache's counts (its histograms are merged with the others). Shards'
    /// timelines add up second by second; a trial's follows the one before, from
    /// second `offset`. The backend's counters add up; its entries and memory are
    /// the larger (shards may share one server).
    fn merge(&mut self, from: &CacheStats, kind: MergeKind, offset: u32) {
        self.hits += from.hits;
        self.misses += from.misses;
        self.fallbacks += from.fallbacks;
        self.db_loads += from.db_loads;
        for (class, n) in &from.cache_errors {
            *self.cache_errors.entry(class.clone()).or_default() += n;
        }
        self.backend = match (self.backend.take(), &from.backend) {
            (Some(mut a), Some(b)) => {
                a.hits += b.hits;
                a.misses += b.misses;
                a.evictions += b.evictions;
                a.entries = a.entries.max(b.entries);
                a.memory_bytes = a.memory_bytes.max(b.memory_bytes);
                Some(a)
            }
            _ => None,
        };
        match kind {
            MergeKind::Shards => {
                for second in &from.timeline {
                    match self.timeline.iter_mut().find(|s| s.second == second.second) {
                        Some(s) => {
                            s.hits += second.hits;
                            s.misses += second.misses;
                        }
                        None => self.timeline.push(*second),
                    }
                }
                self.timeline.sort_by_key(|s| s.second);
            }
            MergeKind::Trials => {
                self.timeline.extend(from.timeline.iter().map(|s| CacheSecond { second: s.second + offset, ..*s }))
            }
        }
        self.derive_hit_rate();
    }
}

/// The index of a sweep's headline point: the smallest capacity whose hit rate
/// reached [`HIT_RATE_GOAL`], else the largest capacity; `None` for an empty sweep.
pub fn headline_capacity(sweep: &[CachePoint]) -> Option<usize> {
    let capacity = |i: usize| sweep[i].cache.capacity.unwrap_or(u64::MAX);
    (0..sweep.len())
        .filter(|&i| sweep[i].cache.hit_rate >= HIT_RATE_GOAL)
        .min_by_key(|&i| capacity(i))
        .or_else(|| (0..sweep.len()).max_by_key(|&i| capacity(i)))
}

/// The generalized harmonic number H(n, θ) = Σ_{k=1..n} k^-θ.
pub fn harmonic(n: u64, theta: f64) -> f64 {
    // Summed from the smallest terms up, for accuracy.
    (1..=n).rev().map(|k| (k as f64).powf(-theta)).sum()
}

/// The best hit rate of a cache of `capacity` entries over `keys`: the share of
/// draws that fall on the `capacity` most popular keys.
pub fn ideal_hit_rate(keys: &KeyDistribution, capacity: u64) -> Option<f64> {
    let (n, c) = (keys.keyspace, capacity.min(keys.keyspace));
    if n == 0 {
        return None;
    }
    match (keys.kind.as_str(), keys.theta) {
        ("uniform", _) => Some(c as f64 / n as f64),
        ("zipfian", Some(theta)) => Some(harmonic(c, theta) / harmonic(n, theta)),
        _ => None,
    }
}

/// One sentence on a cache workload: its hit rate against the goal and the
/// ideal, and the capacity a sweep recommends; `None` when there is nothing to say.
pub fn cache_advice(cache: &CacheResult) -> Option<String> {
    let stats = &cache.cache;
    if stats.hits + stats.misses == 0 {
        return None;
    }
    let ideal = stats
        .ideal_hit_rate
        .map(|ideal| format!(" (the best any policy could reach at this capacity: {})", format::share(ideal)))
        .unwrap_or_default();
    let reached = format!("cache {}: hit rate {}{ideal}", cache.name, format::share(stats.hit_rate));
    if !cache.sweep.is_empty() {
        return Some(match cache.recommended_capacity {
            Some(c) => format!(
                "{reached}; {} entries ({} of the {} keys) is the smallest capacity of the sweep that reached {}",
                format::count(c),
                format::share(c as f64 / cache.keys.keyspace.max(1) as f64),
                format::count(cache.keys.keyspace),
                format::share(HIT_RATE_GOAL)
            ),
            None => format!(
                "{reached}; no capacity of the sweep reached {}: the cache needs more room, or the keys are too \
                 spread out for one",
                format::share(HIT_RATE_GOAL)
            ),
        });
    }
    if stats.fallbacks > 0 {
        return Some(format!(
            "{reached}; {} reads fell back to the database because the cache failed ({})",
            format::count(stats.fallbacks),
            stats
                .cache_errors
                .iter()
                .map(|(class, n)| format!("{class} {}", format::count(*n)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    (stats.hit_rate < HIT_RATE_GOAL).then(|| {
        format!(
            "{reached}, below the {} goal: a miss costs {} more than a hit",
            format::share(HIT_RATE_GOAL),
            format::latency_ms(stats.load_penalty_ms)
        )
    })
}

impl WorkloadKind for CacheResult {
    const INFO: KindInfo = KindInfo {
        kind: "cache",
        operation: "operation",
        operations_text: "cache-aside operations",
        count_key: "operations",
        throughput_key: "throughput_ops",
        throughput_unit: "ops/s",
        // The database's, read on a miss, and a key whose row is missing.
        error_classes: &[
            "connect",
            "authentication",
            "pool_timeout",
            "statement_timeout",
            "statement_error",
            "connection_lost",
            "row_missing",
        ],
        headline_percentile: "p95",
        headline_extras: &["hit_rate"],
        watched_extras: &["hit_rate"],
        area: "cache_optimization",
        // A cache read is there to be fast: its p99 (hits and misses alike) under
        // 10 ms. Writes go to the database, and are not what the cache serves.
        capacity_latency: ("p99", 10.0),
        capacity_part: Some("read"),
        default_targets: &[("Cache hit rate", "cache.*.hit_rate", "> 95 %")],
    };

    header_accessors!();

    /// The engine's block (reads and writes), the hit rate, hit and miss latency,
    /// the load penalty and fallbacks, the reads' own latency, and each sweep
    /// point's hit rate and throughput (`cache.<name>.c<capacity>.…`).
    fn metrics(&self, prefix: &str, out: &mut Vec<Metric>) -> Result<(), CatalogueError> {
        result_metrics(prefix, &self.result, &Self::INFO, out)?;
        hit_miss_metrics(prefix, &self.cache, out)?;
        if self.writes.operations > 0 {
            latency_metrics(&format!("{prefix}.read"), &self.reads.latency, None, out)?;
            latency_metrics(&format!("{prefix}.write"), &self.writes.latency, None, out)?;
        }
        for point in &self.sweep {
            let Some(capacity) = point.cache.capacity else { continue };
            let point_prefix = format!("{prefix}.c{capacity}");
            out.push(hit_rate(&point_prefix, &point.cache));
            let mut all = Vec::new();
            result_metrics(&point_prefix, &point.result, &Self::INFO, &mut all)?;
            let keep = [format!("{point_prefix}.throughput_ops"), format!("{point_prefix}.latency.p95")];
            out.extend(all.into_iter().filter(|m| keep.contains(&m.key)));
        }
        Ok(())
    }

    latency_walk!(|this, base, out| {
        let CacheResult {
            result,
            reads: OperationStats { latency: reads, .. },
            writes: OperationStats { latency: writes, .. },
            cache: CacheStats { hit_latency, miss_latency, .. },
            sweep,
            ..
        } = this;
        walk_result!(format!("{base}.result"), result, out);
        out.push((format!("{base}.reads.latency"), reads));
        out.push((format!("{base}.writes.latency"), writes));
        out.push((format!("{base}.cache.hit_latency"), hit_latency));
        out.push((format!("{base}.cache.miss_latency"), miss_latency));
        for (i, CachePoint { cache: CacheStats { hit_latency, miss_latency, .. }, result }) in
            sweep.into_iter().enumerate()
        {
            walk_result!(format!("{base}.sweep[{i}].result"), result, out);
            out.push((format!("{base}.sweep[{i}].cache.hit_latency"), hit_latency));
            out.push((format!("{base}.sweep[{i}].cache.miss_latency"), miss_latency));
        }
    });

    fn merge_part(&mut self, from: &Self, kind: MergeKind, label: &str) -> Result<(), String> {
        if !self.sweep.is_empty() || !from.sweep.is_empty() {
            return Err(format!(
                "{label} is a sweep of capacities: sweeps are not merged (run shards or trials at one capacity)"
            ));
        }
        add_counts(&mut self.reads, &from.reads);
        add_counts(&mut self.writes, &from.writes);
        // Trials follow each other: the later one's seconds come after this timeline.
        let offset = self.result.timeline.last().map_or(0, |p| p.second + 1);
        self.cache.merge(&from.cache, kind, offset);
        Ok(())
    }

    fn after_merge(&mut self) {
        // After the histograms: the penalty reads their merged means.
        self.cache.derive_load_penalty();
    }

    fn check_comparable(&self, other: &Self, _embedded: bool, warn: &mut dyn FnMut(String)) {
        // The cache itself (its backend, size, eviction and write policies) is
        // what an optimization changes; the load it serves must not.
        let (a, b) = (self, other);
        if a.keys != b.keys {
            warn(format!(
                "key distributions differ: {} over {} keys, then {} over {} keys",
                a.keys.kind, a.keys.keyspace, b.keys.kind, b.keys.keyspace
            ));
        }
        if a.write_percent != b.write_percent {
            warn(format!(
                "shares of writes differ: {}, then {}",
                format::percent(a.write_percent),
                format::percent(b.write_percent)
            ));
        }
        if a.value_bytes != b.value_bytes {
            warn(format!("values differ: {} bytes, then {} bytes", a.value_bytes, b.value_bytes));
        }
        if a.start != b.start {
            warn(format!("starts differ: {} cache, then {} cache", a.start, b.start));
        }
    }

    fn advice(&self) -> Option<String> {
        cache_advice(self)
    }

    fn gauges(&self) -> Vec<Gauge> {
        vec![Gauge {
            name: "perfproof_cache_hit_ratio",
            help: "Cache workloads: hits over reads that reached the cache in the last cycle, 0 to 1",
            value: self.cache.hit_rate,
        }]
    }

    /// Reads and writes apart, when the mix has writes.
    fn parts(&self) -> Vec<(String, &OperationStats)> {
        if self.writes.operations == 0 {
            return Vec::new();
        }
        vec![("read".into(), &self.reads), ("write".into(), &self.writes)]
    }

    /// The cache: one row per capacity of a sweep (or the one run), the hit rate
    /// beside the ideal, hit and miss latency and the load penalty; notes on cache
    /// failures and the backend's own counters.
    fn detail(&self) -> Option<SummaryTable> {
        let points: Vec<(&CacheStats, &LoadResult)> = match self.sweep.is_empty() {
            true => vec![(&self.cache, &self.result)],
            false => self.sweep.iter().map(|p| (&p.cache, &p.result)).collect(),
        };
        let keyspace = self.keys.keyspace.max(1) as f64;
        let rows = points
            .into_iter()
            .map(|(stats, result)| {
                let capacity = match stats.capacity {
                    Some(c) => format!("{} ({})", format::count(c), format::share(c as f64 / keyspace)),
                    None => "unbounded".into(),
                };
                let (hit, miss) = (&stats.hit_latency, &stats.miss_latency);
                SummaryRow::new(vec![
                    capacity,
                    format::value(result.throughput_per_s, Self::INFO.throughput_unit),
                    format::share(stats.hit_rate),
                    stats.ideal_hit_rate.map_or("-".into(), format::share),
                    format::count(stats.hits),
                    format::count(stats.misses),
                    format::count(stats.fallbacks),
                    format::count(stats.db_loads),
                    hit.text(hit.summary.p50),
                    hit.text(hit.summary.p95),
                    miss.text(miss.summary.p50),
                    miss.text(miss.summary.p95),
                    format::latency_ms(stats.load_penalty_ms),
                ])
            })
            .collect();
        let stats = &self.cache;
        let mut notes = Vec::new();
        if !stats.cache_errors.is_empty() {
            let errors: Vec<String> =
                stats.cache_errors.iter().map(|(class, n)| format!("{class} {}", format::count(*n))).collect();
            notes.push(format!("cache {}: cache failures: {}", self.name, errors.join(", ")));
        }
        if let Some(b) = &stats.backend {
            notes.push(format!(
                "cache {}: the cache counted {} hits, {} misses, {} evictions; {} entries at the end{}",
                self.name,
                format::count(b.hits),
                format::count(b.misses),
                format::count(b.evictions),
                format::count(b.entries),
                b.memory_bytes.map_or(String::new(), |m| format!(", {} bytes of memory used", format::count(m)))
            ));
        }
        let keys = &self.keys;
        let theta = keys.theta.map_or(String::new(), |t| format!(" θ={t}"));
        Some(SummaryTable {
            id: "cache",
            title: format!(
                "cache {} ({} {}, {} eviction): {} keys, {}{theta}, {} B values, TTL {}, {} writes ({}), {} start; \
                 database {} table {}",
                self.name,
                self.backend,
                self.server_version,
                self.eviction_policy,
                format::count(keys.keyspace),
                keys.kind,
                format::count(u64::from(self.value_bytes)),
                format::value(self.ttl_s, "s"),
                format::percent(self.write_percent),
                self.write_policy,
                self.start,
                self.database.backend,
                self.database.table,
            ),
            columns: vec![
                "capacity",
                "throughput",
                "hit rate",
                "ideal",
                "hits",
                "misses",
                "fallbacks",
                "database loads",
                "hit p50",
                "hit p95",
                "miss p50",
                "miss p95",
                "load penalty",
            ],
            rows,
            notes,
        })
    }

    type Curve = CacheCurve;

    fn curve(&self) -> Option<CacheCurve> {
        let keyspace = self.keys.keyspace.max(1) as f64;
        let point = |stats: &CacheStats, result: &LoadResult| {
            let ms = |l: &Latency, q: u64| l.to_ms(q as f64);
            let (hit, miss) = (&stats.hit_latency, &stats.miss_latency);
            CapacityPoint {
                capacity: stats.capacity,
                capacity_pct: stats.capacity.map(|c| c as f64 / keyspace * 100.0),
                hit_rate_pct: stats.hit_rate * 100.0,
                ideal_hit_rate_pct: stats.ideal_hit_rate.map(|r| r * 100.0),
                hit_p50_ms: ms(hit, hit.summary.p50),
                hit_p95_ms: ms(hit, hit.summary.p95),
                miss_p50_ms: ms(miss, miss.summary.p50),
                miss_p95_ms: ms(miss, miss.summary.p95),
                throughput_per_s: result.throughput_per_s,
            }
        };
        let mut points: Vec<CapacityPoint> = if self.sweep.is_empty() {
            vec![point(&self.cache, &self.result)]
        } else {
            self.sweep.iter().map(|p| point(&p.cache, &p.result)).collect()
        };
        points.sort_by_key(|p| p.capacity.unwrap_or(u64::MAX));
        Some(CacheCurve { name: self.series_name(), points, recommended: self.recommended_capacity })
    }
}

/// A cache workload at one capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityPoint {
    /// Most entries the cache holds; absent for Redis.
    pub capacity: Option<u64>,
    /// The capacity as a share of the keyspace, in percent.
    pub capacity_pct: Option<f64>,
    pub hit_rate_pct: f64,
    /// The best hit rate any policy could reach at this capacity, in percent.
    pub ideal_hit_rate_pct: Option<f64>,
    /// Hit and miss latency p50 and p95, in milliseconds.
    pub hit_p50_ms: f64,
    pub hit_p95_ms: f64,
    pub miss_p50_ms: f64,
    pub miss_p95_ms: f64,
    /// Operations per second.
    pub throughput_per_s: f64,
}

/// A cache workload's points by capacity, and the capacity its sweep recommends.
pub type CacheCurve = Curve<CapacityPoint, u64>;

/// Hit rate in percent: a proportion of the reads that reached the cache.
fn hit_rate(prefix: &str, stats: &CacheStats) -> Metric {
    Metric {
        key: format!("{prefix}.hit_rate"),
        value: stats.hit_rate * 100.0,
        unit: "%",
        direction: Direction::HigherIsBetter,
        evidence: Evidence::proportion(stats.hits, stats.hits + stats.misses),
    }
}

/// The hit rate, hit and miss latency (`.hit.latency.p95`, `.miss.latency.p95`),
/// the load penalty, and the reads that fell back to the database.
fn hit_miss_metrics(prefix: &str, stats: &CacheStats, out: &mut Vec<Metric>) -> Result<(), CatalogueError> {
    out.push(hit_rate(prefix, stats));
    latency_metrics(&format!("{prefix}.hit"), &stats.hit_latency, None, out)?;
    latency_metrics(&format!("{prefix}.miss"), &stats.miss_latency, None, out)?;
    let plain = |key: &str, value: f64, unit: &'static str| Metric {
        key: format!("{prefix}.{key}"),
        value,
        unit,
        direction: Direction::LowerIsBetter,
        evidence: Evidence::None,
    };
    out.push(plain("load_penalty_ms", stats.load_penalty_ms, "ms"));
    out.push(plain("db_loads", stats.db_loads as f64, "count"));
    let reads = stats.hits + stats.misses + stats.fallbacks;
    out.push(Metric {
        key: format!("{prefix}.fallback_rate"),
        value: if reads == 0 { 0.0 } else { stats.fallbacks as f64 / reads as f64 * 100.0 },
        unit: "%",
        direction: Direction::LowerIsBetter,
        evidence: Evidence::proportion(stats.fallbacks, reads),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(kind: &str, theta: Option<f64>, keyspace: u64) -> KeyDistribution {
        KeyDistribution { kind: kind.into(), theta, keyspace }
    }

    #[test]
    fn the_ideal_hit_rate_is_the_top_c_share() {
        // θ = 1 over 4 keys: weights 1, 1/2, 1/3, 1/4 of 25/12.
        let zipf = keys("zipfian", Some(1.0), 4);
        assert!((ideal_hit_rate(&zipf, 1).unwrap() - 12.0 / 25.0).abs() < 1e-12);
        assert!((ideal_hit_rate(&zipf, 2).unwrap() - 18.0 / 25.0).abs() < 1e-12);
        assert_eq!(ideal_hit_rate(&zipf, 4), Some(1.0));
        assert_eq!(ideal_hit_rate(&zipf, 40), Some(1.0), "a capacity beyond the keyspace holds every key");
        assert_eq!(ideal_hit_rate(&keys("uniform", None, 1000), 250), Some(0.25));
        assert_eq!(ideal_hit_rate(&keys("latest", Some(0.99), 1000), 250), None);
    }

    fn point(capacity: u64, hit_rate: f64) -> CachePoint {
        let latency =
            crate::Latency::from_histogram(&crate::latency::new_histogram(), crate::TimeUnit::Microseconds).unwrap();
        let json = serde_json::json!({
            "load": {"closed": {"users": 1, "think_time_ms": 0.0, "stages": []}},
            "warmup_s": 0.0, "duration_s": 1.0, "complete": true, "throughput_per_s": 1.0,
            "stats": {"operations": 0, "successes": 0, "errors": {}, "codes": {}, "counters": {}, "latency": latency},
            "timeline": [], "schedule": null, "windows": [], "window_s": 1.0, "trials": [],
            "generator": {"cpu_percent_mean": 0.0, "cpu_percent_max": 0.0, "cores": 1, "threads": 1, "target_in_process": true},
            "warnings": []
        });
        CachePoint {
            cache: CacheStats {
                capacity: Some(capacity),
                hits: 0,
                misses: 0,
                fallbacks: 0,
                hit_rate,
                ideal_hit_rate: None,
                hit_latency: latency.clone(),
                miss_latency: latency,
                load_penalty_ms: 0.0,
                db_loads: 0,
                cache_errors: BTreeMap::new(),
                backend: None,
                timeline: Vec::new(),
            },
            result: serde_json::from_value(json).unwrap(),
        }
    }

    #[test]
    fn the_headline_is_the_smallest_capacity_reaching_the_goal_else_the_largest() {
        let sweep = [point(100, 0.5), point(5000, 0.97), point(1000, 0.96), point(10, 0.2)];
        assert_eq!(headline_capacity(&sweep), Some(2));
        let short = [point(100, 0.5), point(1000, 0.9), point(10, 0.2)];
        assert_eq!(headline_capacity(&short), Some(1));
        assert_eq!(headline_capacity(&[]), None);
    }
}
