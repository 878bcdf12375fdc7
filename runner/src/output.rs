//! Writing reports (atomically) and printing them as tables a person reads at a glance.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use perfproof_shared::report::{
    CacheResult, CacheStats, DbResult, LoadModel, LoadResult, MlResult, OperationStats, PoolStats, Workload,
};
use perfproof_shared::{Latency, Report};

/// Writes the report to `path` atomically.
pub fn write_report(report: &Report, path: &Path) -> anyhow::Result<()> {
    write_atomically(path, report.to_json().as_bytes())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, then a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating directory {}", dir.display()))?;
    let mut file =
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("creating a file in {}", dir.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    file.persist(path).with_context(|| format!("moving the report into place at {}", path.display()))?;
    Ok(())
}

/// Prints a run's summary table, the open model's schedule keeping, errors by
/// class, warnings, and the workloads that could not start.
pub fn print_run(report: &Report) {
    println!("{}", summary_table(report));
    for workload in &report.workloads {
        let result = workload.result();
        let name = format!("{} {}", workload.kind(), workload.name());
        if let Some(schedule) = &result.schedule {
            let ms = |l: &Latency, v: u64| l.to_ms(v as f64);
            println!(
                "{name}: open model: {:.1} of {:.1} per second; p99 {:.3} ms from the schedule, {:.3} ms \
                 uncorrected; schedule lag p99 {:.3} ms; {} late (> {} ms)",
                schedule.achieved_rate_per_s,
                schedule.target_rate_per_s,
                ms(&result.stats.latency, result.stats.latency.summary.p99),
                ms(&schedule.uncorrected_latency, schedule.uncorrected_latency.summary.p99),
                ms(&schedule.lag, schedule.lag.summary.p99),
                schedule.late_operations,
                schedule.late_threshold_ms
            );
        }
        if !result.stats.errors.is_empty() {
            let errors: Vec<String> = result.stats.errors.iter().map(|(k, n)| format!("{k}: {n}")).collect();
            println!("{name}: errors by class: {}", errors.join(", "));
        }
        if !result.trials.is_empty() {
            let rates: Vec<String> = result.trials.iter().map(|t| format!("{:.1}", t.throughput_per_s)).collect();
            println!("{name}: {} trials, throughput per second each: {}", result.trials.len(), rates.join(", "));
        }
        if !result.complete {
            println!("{name}: incomplete: stopped by a signal after {:.1} s", result.duration_s);
        }
        for warning in &result.warnings {
            println!("{name}: warning: {warning}");
        }
    }
    for workload in &report.workloads {
        match workload {
            Workload::Db(db) => print_pool(db),
            Workload::Ml(ml) => print_batches(ml),
            Workload::Cache(cache) => print_cache(cache),
            Workload::Http(_) => {}
        }
    }
    for failure in &report.failures {
        println!("{} {}: did not run: {}", failure.kind, failure.name, failure.error);
    }
}

/// The database workload's pool: one row per sweep point (or the one run), and the recommendation.
fn print_pool(db: &DbResult) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "pool",
        "load",
        "tx/s",
        "p90 (ms)",
        "efficiency (%)",
        "utilization (%)",
        "direct (%)",
        "acquire wait p90 (ms)",
        "hold p90 (ms)",
        "peak waiters",
        "timeouts",
    ]);
    let points: Vec<(&PoolStats, &LoadResult)> = match db.sweep.is_empty() {
        true => vec![(&db.pool, &db.result)],
        false => db.sweep.iter().map(|p| (&p.pool, &p.result)).collect(),
    };
    for (pool, result) in points {
        let load = match &result.load {
            LoadModel::Closed { users, .. } => format!("{users} users"),
            LoadModel::Open { rate_per_s, .. } => format!("{rate_per_s} tx/s"),
        };
        let p90 = |l: &Latency| l.ms_text(l.summary.p90);
        table.add_row(vec![
            Cell::new(pool.size),
            Cell::new(load),
            Cell::new(format!("{:.1}", result.throughput_per_s)),
            Cell::new(p90(&result.stats.latency)),
            Cell::new(format!("{:.1}", pool.efficiency * 100.0)),
            Cell::new(format!("{:.1}", pool.utilization * 100.0)),
            Cell::new(format!("{:.1}", pool.direct_ratio() * 100.0)),
            Cell::new(p90(&pool.acquire_wait)),
            Cell::new(p90(&pool.hold)),
            Cell::new(pool.peak_waiters),
            Cell::new(pool.acquire_timeouts),
        ]);
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    println!("db {} ({} {}): connection pool", db.name, db.backend, db.server_version);
    println!("{table}");
    if let Some(r) = &db.recommendation {
        println!(
            "db {}: recommended pool size {}: {:.1} tx/s (best {:.1} tx/s with a pool of {}), p90 {:.3} ms",
            db.name, r.pool_size, r.throughput_per_s, r.best_throughput_per_s, r.best_pool_size, r.latency_p90_ms
        );
    }
}

/// The cache workload: one row per capacity of a sweep (or the one run), with
/// the hit rate beside the ideal, hit and miss latency, and the load penalty.
fn print_cache(cache: &CacheResult) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "capacity",
        "ops/s",
        "hit rate (%)",
        "ideal (%)",
        "hits",
        "misses",
        "fallbacks",
        "hit p50 (ms)",
        "hit p95 (ms)",
        "miss p50 (ms)",
        "miss p95 (ms)",
        "load penalty (ms)",
    ]);
    let points: Vec<(&CacheStats, &LoadResult)> = match cache.sweep.is_empty() {
        true => vec![(&cache.cache, &cache.result)],
        false => cache.sweep.iter().map(|p| (&p.cache, &p.result)).collect(),
    };
    for (stats, result) in points {
        let capacity = match stats.capacity {
            Some(c) => format!("{c} ({:.1} %)", c as f64 / cache.keys.keyspace.max(1) as f64 * 100.0),
            None => "unbounded".into(),
        };
        let (hit, miss) = (&stats.hit_latency, &stats.miss_latency);
        table.add_row(vec![
            Cell::new(capacity),
            Cell::new(format!("{:.1}", result.throughput_per_s)),
            Cell::new(format!("{:.2}", stats.hit_rate * 100.0)),
            Cell::new(stats.ideal_hit_rate.map_or("-".into(), |r| format!("{:.2}", r * 100.0))),
            Cell::new(stats.hits),
            Cell::new(stats.misses),
            Cell::new(stats.fallbacks),
            Cell::new(hit.ms_text(hit.summary.p50)),
            Cell::new(hit.ms_text(hit.summary.p95)),
            Cell::new(miss.ms_text(miss.summary.p50)),
            Cell::new(miss.ms_text(miss.summary.p95)),
            Cell::new(format!("{:.3}", stats.load_penalty_ms)),
        ]);
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    let theta = cache.keys.theta.map_or(String::new(), |t| format!(" θ={t}"));
    println!(
        "cache {} ({} {}, {}): {} keys, {}{theta}, {} % writes ({})",
        cache.name,
        cache.backend,
        cache.server_version,
        cache.eviction_policy,
        cache.keys.keyspace,
        cache.keys.kind,
        cache.write_percent,
        cache.write_policy
    );
    println!("{table}");
    let stats = &cache.cache;
    if !stats.cache_errors.is_empty() {
        let errors: Vec<String> = stats.cache_errors.iter().map(|(class, n)| format!("{class} {n}")).collect();
        println!("cache {}: cache failures: {}", cache.name, errors.join(", "));
    }
    if let Some(b) = &stats.backend {
        println!(
            "cache {}: the cache counted {} hits, {} misses, {} evictions; {} entries at the end{}",
            cache.name,
            b.hits,
            b.misses,
            b.evictions,
            b.entries,
            b.memory_bytes.map_or(String::new(), |m| format!(", {m} bytes of memory used"))
        );
    }
    if let Some(advice) = perfproof_shared::report::cache_advice(cache) {
        println!("{advice}");
    }
}

/// The ML workload's batch sizes (× load levels with a sweep): one row each, with the
/// speedup of batching.
fn print_batches(ml: &MlResult) {
    let level = |p: &perfproof_shared::report::BatchPoint| match p.result.load {
        perfproof_shared::report::LoadModel::Closed { users, .. } => format!("{users} users"),
        perfproof_shared::report::LoadModel::Open { rate_per_s, .. } => format!("{rate_per_s} req/s offered"),
    };
    let swept = ml.points.iter().any(|p| level(p) != level(&ml.points[0]));
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        if swept { "batch size, load" } else { "batch size" },
        "req/s",
        "samples/s",
        "p50 (ms)",
        "p95 (ms)",
        "per sample p50 (ms)",
        "speedup",
        "amortization",
        "errors",
    ]);
    let ratio = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
    for point in &ml.points {
        let l = &point.result.stats.latency;
        let s = &point.sample_latency;
        table.add_row(vec![
            Cell::new(if swept {
                format!("{}, {}", point.batch_size, level(point))
            } else {
                point.batch_size.to_string()
            }),
            Cell::new(format!("{:.1}", point.requests_per_s)),
            Cell::new(format!("{:.1}", point.samples_per_s)),
            Cell::new(l.ms_text(l.summary.p50)),
            Cell::new(l.ms_text(l.summary.p95)),
            Cell::new(s.ms_text(s.summary.p50)),
            Cell::new(ratio(point.speedup)),
            Cell::new(ratio(point.amortization)),
            Cell::new(point.result.stats.error_count()),
        ]);
    }
    for column in table.column_iter_mut() {
        column.set_cell_alignment(CellAlignment::Right);
    }
    println!(
        "ml {} (model {} via {}, {}): per batch size; the headline above is batch size {}",
        ml.name, ml.model.name, ml.backend, ml.target, ml.headline_batch_size
    );
    println!("{table}");
}

/// The per-workload (and, for HTTP scenarios, per-endpoint) summary table of one report.
pub fn summary_table(report: &Report) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "workload",
        "operations",
        "errors",
        "throughput (/s)",
        "p50 (ms)",
        "p90 (ms)",
        "p95 (ms)",
        "p99 (ms)",
        "max (ms)",
    ]);
    for workload in &report.workloads {
        let result = workload.result();
        table.add_row(stats_row(
            format!("{} {}", workload.kind(), workload.name()),
            &result.stats,
            Some(result.throughput_per_s),
        ));
        match workload {
            Workload::Http(http) if http.endpoints.len() > 1 => {
                for endpoint in &http.endpoints {
                    table.add_row(stats_row(format!("  {} {}", endpoint.method, endpoint.name), &endpoint.stats, None));
                }
            }
            Workload::Db(db) if db.queries.len() > 1 => {
                for query in &db.queries {
                    let name = if query.name == query.kind {
                        query.name.clone()
                    } else {
                        format!("{} {}", query.kind, query.name)
                    };
                    table.add_row(stats_row(format!("  {name}"), &query.stats, None));
                }
            }
            Workload::Cache(cache) if cache.writes.operations > 0 => {
                table.add_row(stats_row("  read".into(), &cache.reads, None));
                table.add_row(stats_row("  write".into(), &cache.writes, None));
            }
            Workload::Http(_) | Workload::Db(_) | Workload::Ml(_) | Workload::Cache(_) => {}
        }
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table
}

fn stats_row(name: String, stats: &OperationStats, throughput: Option<f64>) -> Vec<Cell> {
    let l = &stats.latency;
    let ms = |v: u64| l.ms_text(v);
    let s = &l.summary;
    vec![
        Cell::new(name),
        Cell::new(stats.operations),
        Cell::new(stats.error_count()),
        Cell::new(throughput.map_or(String::new(), |t| format!("{t:.1}"))),
        Cell::new(ms(s.p50)),
        Cell::new(ms(s.p90)),
        Cell::new(ms(s.p95)),
        Cell::new(ms(s.p99)),
        Cell::new(ms(s.max)),
    ]
}
