//! Distributed runs on one machine: N shard processes (`--shards N` with
//! `JOB_COMPLETION_INDEX`, as a Kubernetes Indexed Job sets it) against one
//! in-process server, then `merge`: counts and histograms add up exactly, the open
//! model's rates add up to the requested one, and a missing shard, a duplicated one
//! or shards of two run groups are clear errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use perfproof_shared::latency::new_histogram;
use perfproof_shared::parse_report;
use perfproof_shared::report::Workload;

fn perfproof() -> Command {
    Command::new(env!("CARGO_BIN_EXE_perfproof"))
}

fn merge(dir: &Path, shards: &[&PathBuf], extra: &[&str]) -> std::process::Output {
    perfproof().args(["merge", "-o"]).arg(dir.join("merged.json")).args(shards).args(extra).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_merge_exactly_and_bad_sets_are_named() {
    let served = Arc::new(AtomicU64::new(0));
    let counter = served.clone();
    let base = common::serve(Router::new().route(
        "/",
        get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { "ok" }
        }),
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let start_at = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let paths: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("shard-{i}.json"))).collect();
    let children: Vec<_> = paths
        .iter()
        .enumerate()
        .map(|(i, path)| {
            perfproof()
                .args(["run", "-q", "--url", &format!("{base}/"), "--shards", "3", "--run-group", "g1", "--start-at"])
                .args([&start_at, "-r", "300", "-d", "2s", "-o"])
                .arg(path)
                .env("JOB_COMPLETION_INDEX", i.to_string())
                .spawn()
                .unwrap()
        })
        .collect();
    let statuses = tokio::task::spawn_blocking(move || {
        children.into_iter().map(|mut c| c.wait().unwrap().success()).collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert_eq!(statuses, [true, true, true]);

    let all: Vec<&PathBuf> = paths.iter().collect();
    // The folder stands for its reports (as the Kubernetes merge job calls it).
    let out = merge(dir.path(), &[&dir.path().to_path_buf()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let merged = parse_report(&std::fs::read_to_string(dir.path().join("merged.json")).unwrap()).unwrap();
    let shards: Vec<_> = paths.iter().map(|p| parse_report(&std::fs::read_to_string(p).unwrap()).unwrap()).collect();
    let Workload::Http(http) = &merged.workloads[0] else { panic!("expected an http workload") };
    let result = &http.result;
    assert_eq!(result.stats.operations, served.load(Ordering::SeqCst), "merged count = the server's count");
    let schedule = result.schedule.as_ref().unwrap();
    assert!((schedule.target_rate_per_s - 300.0).abs() < 1.0, "{}", schedule.target_rate_per_s);
    assert!((schedule.achieved_rate_per_s - 300.0).abs() < 15.0, "{}", schedule.achieved_rate_per_s);
    let mut sum = new_histogram();
    for shard in &shards {
        let Workload::Http(h) = &shard.workloads[0] else { panic!("expected an http workload") };
        sum.add(h.result.stats.latency.decode().unwrap()).unwrap();
        let meta = shard.run.shard.as_ref().unwrap();
        assert_eq!((meta.group.as_str(), meta.count), ("g1", 3));
        assert!(meta.start_lag_ms.unwrap() < 1000.0, "{:?}", meta.start_lag_ms);
    }
    assert_eq!(result.stats.latency.decode().unwrap(), sum, "merged histogram = the sum of the shards'");
    let held = merged.run.merged_shards.as_ref().unwrap();
    assert_eq!((held.present.clone(), held.missing.clone()), (vec![0, 1, 2], vec![]));

    // A missing shard: an error, or with --allow-missing a report that says so.
    let out = merge(dir.path(), &all[..2], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shards [2] of 3 are missing"));
    let out = merge(dir.path(), &all[..2], &["--allow-missing"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let partial = parse_report(&std::fs::read_to_string(dir.path().join("merged.json")).unwrap()).unwrap();
    assert_eq!(partial.run.merged_shards.unwrap().missing, [2]);

    // A duplicated shard.
    let out = merge(dir.path(), &[all[0], all[1], all[2], all[0]], &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("both shard 0"), "{}", String::from_utf8_lossy(&out.stderr));

    // Shards of two run groups.
    let other = dir.path().join("other.json");
    std::fs::write(&other, std::fs::read_to_string(&paths[2]).unwrap().replace("\"g1\"", "\"g2\"")).unwrap();
    let out = merge(dir.path(), &[all[0], all[1], &other], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("run group `g2`") && stderr.contains("`g1`"), "{stderr}");
}

#[test]
fn shards_split_users_and_need_an_index() {
    let out =
        perfproof().args(["run", "--shards", "3", "-d", "1s"]).env_remove("JOB_COMPLETION_INDEX").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JOB_COMPLETION_INDEX is not set"));
    let out = perfproof().args(["run", "--shard", "3/3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an index must be below the count");
    let out = perfproof().args(["run", "--shard", "2/4", "-c", "2", "--run-group", "g"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shard 2 would have none"));
}

/// The scenario the Kubernetes manifests ship resolves, and shards its load.
#[test]
fn the_kubernetes_scenario_resolves_into_ten_shards() {
    let manifest = include_str!("../../deploy/kubernetes/configmap.yaml");
    let scenario: String = manifest
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("scenario.toml: |"))
        .skip(1)
        .map(|l| format!("{}\n", l.strip_prefix("    ").unwrap_or(l)))
        .collect();
    let file = perfproof::config::parse_scenario(&scenario).unwrap();
    let flags = perfproof::config::Flags {
        shard: Some(perfproof::config::ShardFlags { index: 3, count: 10, group: Some("g".into()), start_at: None }),
        ..perfproof::config::Flags::default()
    };
    let settings = perfproof::config::resolve(file, &flags).unwrap();
    let load = match &settings.workloads[0] {
        perfproof::workloads::WorkloadPlan::Http(plan) => &plan.load,
        other => panic!("expected an http workload, not {}", other.kind()),
    };
    assert_eq!(load.model, perfproof::load::Model::Open { rate: 2000.0, max_in_flight: 1000 });
}
