//! The same core checks, compiled to wasm32 and run by wasm-bindgen-test-runner
//! (under Node.js): what the browser computes must match the native build.
#![cfg(target_arch = "wasm32")]

mod common;

use perfproof_shared::report::Workload;
use perfproof_shared::{parse_report, ReportError};
use wasm_bindgen_test::wasm_bindgen_test;

const RUNNER_REPORT: &str = include_str!("../../tests/fixtures/http-demo-v1.json");

#[wasm_bindgen_test]
fn runner_report_parses_and_its_histogram_matches_its_summary() {
    let report = parse_report(RUNNER_REPORT).unwrap();
    let Workload::Http(http) = &report.workloads[0] else { panic!("expected an http workload") };
    let histogram = http.result.stats.latency.verify().unwrap();
    assert_eq!(histogram.len(), http.result.stats.latency.summary.count);
    assert_eq!(histogram.value_at_quantile(0.95), http.result.stats.latency.summary.p95);
}

#[wasm_bindgen_test]
fn report_round_trips_exactly() {
    let report = common::sample_report();
    assert_eq!(parse_report(&report.to_json()).unwrap(), report);
}

#[wasm_bindgen_test]
fn bad_field_is_named_with_its_line() {
    let bad = RUNNER_REPORT.replacen("\"complete\": true", "\"complete\": \"yes\"", 1);
    match parse_report(&bad).unwrap_err() {
        ReportError::Field { path, line, .. } => {
            assert_eq!(path, "run.complete");
            assert_eq!(line, 9);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[wasm_bindgen_test]
fn analysis_and_share_links_work_in_wasm() {
    use perfproof_shared::analysis::{analyze, AnalysisSettings};
    use perfproof_shared::share::{decode, encode, SharePayload, ViewSettings};
    let mut rng = common::synth::Rng::new(3);
    let samples = common::synth::latencies(&mut rng, 5_000, 20_000.0, 1.0);
    let faster: Vec<u64> = samples.iter().map(|s| s / 2).collect();
    let a = common::synth::report("a", "api", &samples, 10, 0, &mut rng);
    let b = common::synth::report("b", "api", &faster, 10, 0, &mut rng);
    let analysis = analyze(&a, &b, &AnalysisSettings::default()).unwrap();
    let p95 = analysis.comparison.get("http.api.latency.p95").unwrap();
    assert_eq!(p95.verdict, perfproof_shared::compare::Verdict::Improved);
    let payload = SharePayload { reports: vec![a, b], view: ViewSettings::default() };
    assert_eq!(decode(&encode(&payload)).unwrap(), payload);
}
