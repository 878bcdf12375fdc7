//! Merging shards and trials: shards must overlap in time, merged reports get a run
//! id of their own, windows and trials keep their place.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use perfproof_shared::merge::{merge, MergeError, MergeKind};
use perfproof_shared::report::Workload;

#[test]
fn shards_that_do_not_overlap_in_time_are_refused_unless_trials() {
    let a = common::sample_report();
    let mut b = common::sample_report();
    b.run.run_id = uuid::Uuid::from_u128(43);
    b.run.started_at = a.run.ended_at + chrono::Duration::seconds(5);
    b.run.ended_at = b.run.started_at + chrono::Duration::seconds(10);
    let err = merge(&[a.clone(), b.clone()], MergeKind::Shards).unwrap_err();
    assert_eq!(err, MergeError::NoOverlap { index: 1 });
    assert!(err.to_string().contains("--trials"), "{err}");
    let trials = merge(&[a, b], MergeKind::Trials).unwrap();
    let Workload::Http(http) = &trials.workloads[0] else { panic!("expected an http workload") };
    assert_eq!(http.result.trials.len(), 2);
    assert_eq!(http.result.duration_s, 20.0);
}

#[test]
fn a_merged_report_has_a_run_id_of_its_own() {
    let a = common::sample_report();
    let merged = merge(&[a.clone(), a.clone()], MergeKind::Shards).unwrap();
    assert!(!merged.run.run_id.is_nil());
    assert_ne!(merged.run.run_id, a.run.run_id);
    // Deterministic: the same inputs give the same id; another kind of merge another one.
    assert_eq!(merge(&[a.clone(), a.clone()], MergeKind::Shards).unwrap().run.run_id, merged.run.run_id);
    assert_ne!(merge(&[a.clone(), a], MergeKind::Trials).unwrap().run.run_id, merged.run.run_id);
}

fn with_windows(run_id: u128, per_window: &[u64]) -> perfproof_shared::Report {
    use perfproof_shared::report::Window;
    let mut report = common::sample_report();
    report.run.run_id = uuid::Uuid::from_u128(run_id);
    let Workload::Http(http) = &mut report.workloads[0] else { panic!("expected an http workload") };
    http.result.window_s = 5.0;
    http.result.windows = per_window
        .iter()
        .enumerate()
        .map(|(i, &value)| {
            let h = common::synth::histogram_of(&[value, value * 2]);
            Window {
                trial: 0,
                index: i as u32,
                duration_s: 5.0,
                operations: 2,
                errors: 0,
                latency: perfproof_shared::Latency::from_histogram(&h, perfproof_shared::TimeUnit::Microseconds)
                    .unwrap(),
                parts: Default::default(),
                proportions: Default::default(),
            }
        })
        .collect();
    report
}

#[test]
fn windows_add_up_by_trial_and_index() {
    let (a, b) = (with_windows(1, &[100, 200]), with_windows(2, &[300, 400]));
    let shards = merge(&[a.clone(), b.clone()], MergeKind::Shards).unwrap();
    let Workload::Http(http) = &shards.workloads[0] else { panic!("expected an http workload") };
    let w = &http.result.windows;
    assert_eq!(w.len(), 2);
    assert_eq!((w[0].trial, w[0].index, w[0].operations), (0, 0, 4));
    assert_eq!((w[0].latency.summary.min, w[0].latency.summary.count), (100, 4));

    let trials = merge(&[a, b], MergeKind::Trials).unwrap();
    let Workload::Http(http) = &trials.workloads[0] else { panic!("expected an http workload") };
    let keys: Vec<(u32, u32)> = http.result.windows.iter().map(|w| (w.trial, w.index)).collect();
    assert_eq!(keys, [(0, 0), (0, 1), (1, 0), (1, 1)]);
    assert_eq!(http.result.trials.len(), 2);
    // The merged report is itself a valid report.
    perfproof_shared::parse_report(&trials.to_json()).unwrap();
}

/// Trials keep their parts' figures (endpoints, queries, a cache's hits and
/// reads, proportions; an inference sweep's batch sizes merge point by point), so every tested metric of every kind rests on the spread
/// between trials, and the report still validates and reads back.
#[test]
fn every_tested_metric_of_merged_trials_rests_on_the_trials() {
    use perfproof_shared::compare::{compare, CompareSettings, EvidenceKind, Verdict};
    let (base, opt) = (common::static_sample("baseline"), common::static_sample("optimized"));
    let a = merge(&[base.clone(), opt.clone(), base.clone()], MergeKind::Trials).unwrap();
    let b = merge(&[opt.clone(), base, opt], MergeKind::Trials).unwrap();
    let a = perfproof_shared::parse_report(&a.to_json()).unwrap();
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for m in &c.metrics {
        if matches!(m.verdict, Verdict::NotTested | Verdict::InsufficientData) {
            continue;
        }
        assert_eq!(m.evidence.unwrap().kind, EvidenceKind::Trials, "{}", m.key);
        assert_eq!(m.evidence.unwrap().text(), "9 trials", "{}", m.key);
        kinds.insert(m.key.split('.').next().unwrap().to_string());
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    // A sweep point's figures add up over its trials.
    let point = |r: &perfproof_shared::Report| match &r.workloads[2] {
        Workload::Ml(ml) => ml.points[1].result.clone(),
        _ => panic!("expected the inference workload third"),
    };
    let (base, opt) = (common::static_sample("baseline"), common::static_sample("optimized"));
    let merged = point(&a);
    assert_eq!(merged.stats.operations, 2 * point(&base).stats.operations + point(&opt).stats.operations);
    assert_eq!(merged.trials.len(), 9);
    assert_eq!(merged.windows.len(), 2 * point(&base).windows.len() + point(&opt).windows.len());
    // Sub-metrics and proportions are among them.
    for key in [
        "cache.demo.hit.latency.p50",
        "cache.demo.hit_rate",
        "db.demo.error_rate",
        "http.demo.endpoint.item-42.latency.p90",
        "ml.digits.b8.latency.p95",
    ] {
        let m = c.get(key).unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(m.evidence.unwrap().kind, EvidenceKind::Trials, "{key}");
    }
}

/// A single run's windows keep their parts' figures too: a run of one stretch
/// then judges its sub-metrics and proportions from batches of windows, not as
/// independent samples, and shards add them window by window.
#[test]
fn a_single_runs_parts_rest_on_its_windows() {
    use perfproof_shared::compare::{compare, CompareSettings, EvidenceKind};
    use perfproof_shared::metrics::trial_parts;
    // The committed samples as single runs of 6 whole windows (their trials' last
    // windows are slivers, folded into the one before); each window here holds the
    // whole run's parts, a stand-in for the runner's own per-window figures.
    let single = |name: &str, with_parts: bool| {
        let mut report = common::static_sample(name);
        for workload in &mut report.workloads {
            let (parts, proportions) = trial_parts(workload).unwrap();
            let result = workload.result_mut();
            result.trials.clear();
            for window in &mut result.windows {
                window.duration_s = result.window_s;
                if with_parts {
                    (window.parts, window.proportions) = (parts.clone(), proportions.clone());
                }
            }
        }
        perfproof_shared::parse_report(&report.to_json()).unwrap()
    };
    let keys = ["cache.demo.hit.latency.p50", "cache.demo.read.latency.p95", "cache.demo.hit_rate"];
    let older = compare(&single("baseline", false), &single("optimized", false), CompareSettings::default()).unwrap();
    for key in keys {
        let kind = older.get(key).unwrap().evidence.unwrap().kind;
        assert!(matches!(kind, EvidenceKind::Histogram | EvidenceKind::Proportion), "{key}: {kind:?}");
    }
    let (a, b) = (single("baseline", true), single("optimized", true));
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    for key in keys.into_iter().chain(["http.demo.endpoint.item-42.latency.p50", "db.demo.pool.direct_ratio"]) {
        let evidence = c.get(key).unwrap_or_else(|| panic!("{key} missing")).evidence.unwrap();
        assert_eq!((evidence.kind, evidence.text()), (EvidenceKind::Windows, "6 batches of windows".into()), "{key}");
    }
    // Shards add each window's parts (the cache's: an inference sweep has no shards).
    let mut a = a;
    a.workloads.retain(|w| w.kind() == "cache");
    let mut b = a.clone();
    b.run.run_id = uuid::Uuid::from_u128(7);
    let shards = merge(&[a.clone(), b], MergeKind::Shards).unwrap();
    let hits = |r: &perfproof_shared::Report| {
        let window = &r.workloads[0].result().windows[0];
        (window.parts["hit"].summary.count, window.proportions["hit_rate"])
    };
    let (count, [hits_1, reads_1]) = hits(&a);
    assert_eq!(hits(&shards), (2 * count, [2 * hits_1, 2 * reads_1]));
}
