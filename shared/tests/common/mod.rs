//! Builders of sample values for shared's tests.
#![allow(dead_code)]

pub mod synth;

use std::collections::BTreeMap;

use perfproof_shared::latency::new_histogram;
use perfproof_shared::report::{
    EndpointResult, GeneratorStats, Host, HttpResult, LoadModel, LoadResult, OperationStats, RunMeta, TimelinePoint,
    Workload, HTTP_BYTES_RECEIVED,
};
use perfproof_shared::{Latency, Report, TimeUnit, SCHEMA_ID};

pub fn sample_report() -> Report {
    let mut histogram = new_histogram();
    for i in 0..5_000u64 {
        histogram.record(800 + (i * 7919) % 4_000).unwrap();
    }
    let stats = OperationStats {
        operations: 5_003,
        successes: 5_000,
        errors: BTreeMap::from([("http5xx".into(), 3)]),
        codes: BTreeMap::from([("200".into(), 5_000), ("503".into(), 3)]),
        counters: BTreeMap::from([(HTTP_BYTES_RECEIVED.into(), 1_234_567)]),
        latency: Latency::from_histogram(&histogram, TimeUnit::Microseconds).unwrap(),
    };
    let started_at = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z").unwrap().to_utc();
    Report {
        schema: SCHEMA_ID.into(),
        run: RunMeta {
            tool_version: "0.1.0".into(),
            run_id: uuid::Uuid::from_u128(42),
            label: "baseline".into(),
            started_at,
            ended_at: started_at + chrono::Duration::seconds(10),
            complete: true,
            host: Host { os: "linux".into(), arch: "x86_64".into(), cpus: 2, memory_bytes: 1 << 34 },
            shard: None,
            merged_shards: None,
        },
        workloads: vec![Workload::Http(HttpResult {
            name: "api".into(),
            target: "http://127.0.0.1:8080/".into(),
            http_version: "auto".into(),
            endpoints: vec![EndpointResult {
                name: "default".into(),
                method: "GET".into(),
                url: "http://127.0.0.1:8080/".into(),
                weight: 1,
                stats: stats.clone(),
            }],
            result: LoadResult {
                load: LoadModel::Closed { users: 8, think_time_ms: 0.0, stages: vec![] },
                warmup_s: 1.0,
                duration_s: 10.0,
                complete: true,
                throughput_per_s: 500.0,
                stats,
                timeline: vec![TimelinePoint {
                    second: 0,
                    operations: 500,
                    errors: 0,
                    p50_us: 2000,
                    p95_us: 4000,
                    p99_us: 4500,
                }],
                schedule: None,
                windows: vec![],
                window_s: 1.0,
                trials: vec![],
                generator: GeneratorStats {
                    cpu_percent_mean: 40.0,
                    cpu_percent_max: 55.0,
                    cores: 2,
                    threads: 2,
                    target_in_process: false,
                },
                capacity: None,
                warnings: vec![],
            },
        })],
        failures: vec![],
    }
}

/// Gives `report`'s workload `index` a capacity search whose bracket is `[pass,
/// fail]`, under its kind's default SLO: six probes, each the workload's own result
/// judged as offered at `pass`.
pub fn with_capacity(report: &mut Report, index: usize, pass: f64, fail: Option<f64>) {
    use perfproof_shared::capacity::{judge, CapacitySearch, Limit, SearchEnd, Slo};
    let workload = &mut report.workloads[index];
    let slo = Slo::default_for(workload.info());
    let probe = judge(&slo, workload.result(), pass).unwrap();
    workload.result_mut().capacity = Some(CapacitySearch {
        slo,
        resolution: 0.05,
        probes: vec![probe; 6],
        capacity_per_s: Some(pass),
        lowest_fail_per_s: fail,
        end: fail.map_or(SearchEnd::Budget, |_| SearchEnd::Resolved { limit: Limit::Latency }),
        complete: fail.is_some(),
    });
}

/// A committed sample report (`static/samples/<name>.json`: the demo's four tiers,
/// closed model, no capacity search).
pub fn static_sample(name: &str) -> Report {
    let path = format!("{}/../static/samples/{name}.json", env!("CARGO_MANIFEST_DIR"));
    perfproof_shared::parse_report(&std::fs::read_to_string(path).unwrap()).unwrap()
}
