//! Report boundary tests: round trip, and every kind of bad input gives an error naming where.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use perfproof_shared::report::{json_schema, Workload};
use perfproof_shared::{parse_report, ReportError, SCHEMA_ID};

#[test]
fn report_round_trips_exactly() {
    let report = common::sample_report();
    let text = report.to_json();
    let back = parse_report(&text).unwrap();
    assert_eq!(back, report);
    assert_eq!(back.to_json(), text);
}

#[test]
fn wrong_type_names_field_path_and_line() {
    let text = common::sample_report().to_json();
    let bad = text.replacen("\"users\": 8", "\"users\": \"eight\"", 1);
    assert_ne!(bad, text);
    let expected_line = bad.lines().position(|l| l.contains("\"eight\"")).unwrap() + 1;
    match parse_report(&bad).unwrap_err() {
        ReportError::Field { path, line, .. } => {
            assert_eq!(path, "workloads[0].http.result.load.closed.users");
            assert_eq!(line, expected_line);
        }
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn truncated_json_is_a_syntax_error_with_position() {
    let text = common::sample_report().to_json();
    let cut = &text[..text.len() / 2];
    assert!(matches!(parse_report(cut), Err(ReportError::Syntax { line, .. }) if line > 1));
}

#[test]
fn unknown_schema_version_is_named() {
    let text = common::sample_report().to_json().replace(SCHEMA_ID, "perfproof.report/v9");
    let err = parse_report(&text).unwrap_err();
    assert_eq!(err, ReportError::UnsupportedVersion { found: "perfproof.report/v9".into() });
    assert!(err.to_string().contains("perfproof.report/v9"));
}

#[test]
fn other_json_is_not_a_report() {
    assert!(matches!(parse_report("{\"hello\": 1}"), Err(ReportError::NotAReport(_))));
    assert!(matches!(parse_report("[1, 2]"), Err(ReportError::NotAReport(_))));
}

#[test]
fn corrupt_histogram_names_the_latency_field() {
    let mut report = common::sample_report();
    let Workload::Http(http) = &mut report.workloads[0] else { panic!("expected an http workload") };
    http.result.stats.latency.histogram = "AAAA".into();
    let err = parse_report(&report.to_json()).unwrap_err();
    assert_eq!(err.path(), Some("workloads[0].http.result.stats.latency"));
}

#[test]
fn schema_names_its_version_and_workload_kinds() {
    let schema = json_schema().to_string();
    assert!(schema.contains("\"Report\""));
    assert!(schema.contains("\"http\""));
}

#[test]
fn runner_made_fixture_parses_and_round_trips() {
    let text = include_str!("../../tests/fixtures/http-demo-v1.json");
    let report = parse_report(text).unwrap();
    assert_eq!(report.run.label, "fixture");
    assert_eq!(parse_report(&report.to_json()).unwrap(), report);
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let report = common::sample_report();
    assert_eq!(parse_report(&format!("\u{feff}{}", report.to_json())).unwrap(), report);
}

#[test]
fn an_unknown_workload_kind_is_named_as_such() {
    let text = common::sample_report().to_json().replacen("\"http\": {", "\"gpu\": {", 1);
    let line = text.lines().position(|l| l.contains("\"gpu\"")).unwrap() + 1;
    let err = parse_report(&text).unwrap_err();
    match &err {
        ReportError::UnknownWorkload { kind, path, line: at, .. } => {
            assert_eq!((kind.as_str(), path.as_str(), *at), ("gpu", "workloads[0]", line));
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("`gpu`") && message.contains("`http`"), "{message}");
}

#[test]
fn the_same_workload_twice_is_rejected() {
    let mut report = common::sample_report();
    report.workloads.push(report.workloads[0].clone());
    let err = parse_report(&report.to_json()).unwrap_err();
    assert_eq!(err.path(), Some("workloads[1]"));
    assert!(err.to_string().contains("http workload `api` appears twice"), "{err}");
    // A second workload of the same kind under another name is fine.
    let Workload::Http(http) = &mut report.workloads[1] else { panic!("expected an http workload") };
    http.name = "admin".into();
    assert_eq!(parse_report(&report.to_json()).unwrap(), report);
}
