//! Comparability, said out loud: two runs that did not offer the same load, the same
//! run twice, or a saturated generator carry warnings; a like-for-like pair has none.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use perfproof_shared::analysis::{analyze, AnalysisSettings};
use perfproof_shared::comparability;
use perfproof_shared::report::{LoadModel, Workload};

fn with_load(users: u32, duration_s: f64, run_id: u128) -> perfproof_shared::Report {
    let mut report = common::sample_report();
    report.run.run_id = uuid::Uuid::from_u128(run_id);
    let Workload::Http(http) = &mut report.workloads[0] else { panic!("expected an http workload") };
    http.result.load = LoadModel::Closed { users, think_time_ms: 0.0, stages: vec![] };
    http.result.duration_s = duration_s;
    report
}

fn warnings(a: &perfproof_shared::Report, b: &perfproof_shared::Report) -> Vec<String> {
    analyze(a, b, &AnalysisSettings::default()).unwrap().comparability.iter().map(|w| w.to_string()).collect()
}

#[test]
fn like_for_like_runs_have_no_warning() {
    assert_eq!(warnings(&with_load(16, 8.0, 1), &with_load(16, 8.5, 2)), Vec::<String>::new());
}

#[test]
fn a_different_load_and_duration_are_named() {
    // The new user's mistake: the baseline at 16 users for 8 s, the optimized at 2 users for 3 s.
    let found = warnings(&with_load(16, 8.0, 1), &with_load(2, 3.0, 2));
    assert!(found.iter().any(|w| w.contains("http api") && w.contains("16 users, then 2")), "{found:?}");
    assert!(found.iter().any(|w| w.contains("8.00 s, then 3.00 s")), "{found:?}");
}

#[test]
fn the_same_run_on_both_sides_is_named() {
    let report = with_load(16, 8.0, 7);
    let found = warnings(&report, &report);
    assert!(found.iter().any(|w| w.contains("same run")), "{found:?}");
}

#[test]
fn a_saturated_generator_and_other_machines_are_named() {
    let a = with_load(16, 8.0, 1);
    let mut b = with_load(16, 8.0, 2);
    b.run.host.cpus = 16;
    let Workload::Http(http) = &mut b.workloads[0] else { panic!("expected an http workload") };
    http.result.generator.cpu_percent_mean = 190.0; // of 2 cores, target elsewhere
    let found = warnings(&a, &b);
    assert!(found.iter().any(|w| w.contains("optimized run the generator used 95.0 %")), "{found:?}");
    assert!(found.iter().any(|w| w.contains("different machines")), "{found:?}");
}

#[test]
fn workloads_on_one_side_only_are_named() {
    let a = with_load(16, 8.0, 1);
    let mut b = with_load(16, 8.0, 2);
    let Workload::Http(http) = &mut b.workloads[0] else { panic!("expected an http workload") };
    http.name = "other".into();
    // (An analysis of runs with nothing in common is an error of its own.)
    let found: Vec<String> = comparability::check(&a, &b).iter().map(|w| w.to_string()).collect();
    assert!(found.contains(&"http api: only in the baseline run".to_string()), "{found:?}");
    assert!(found.contains(&"http other: only in the optimized run".to_string()), "{found:?}");
}
