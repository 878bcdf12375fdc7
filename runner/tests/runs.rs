//! Runs of several workloads from one scenario file, end to end through the binary:
//! one report that compare, merge and metrics read; a workload that cannot start
//! leaves the others' results; a stop during the second workload keeps the first;
//! a stop in the middle of a trial keeps the trials measured.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use perfproof_shared::parse_report;
use perfproof_shared::report::Workload;

fn perfproof() -> Command {
    Command::new(env!("CARGO_BIN_EXE_perfproof"))
}

fn write_scenario(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(scenario: &Path, output: &Path, extra: &[&str]) -> Output {
    perfproof().args(["run", "-q", "-f"]).arg(scenario).arg("-o").arg(output).args(extra).output().unwrap()
}

fn names(report: &perfproof_shared::Report) -> Vec<String> {
    report.workloads.iter().map(|w| w.name().to_string()).collect()
}

/// Two HTTP workloads against the embedded service, one short report.
const TWO: &str = "[[http]]\nname = \"shop\"\n[http.load]\nusers = 2\nduration = \"700ms\"\n\n\
                   [[http]]\nname = \"admin\"\n[http.load]\nusers = 2\nduration = \"700ms\"\n";

#[test]
fn two_workloads_make_one_report_that_compare_merge_and_metrics_read() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), TWO);
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for path in [&a, &b] {
        let out = run(&scenario, path, &[]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let report = parse_report(&std::fs::read_to_string(&a).unwrap()).unwrap();
    assert_eq!(names(&report), ["shop", "admin"]);
    assert!(report.failures.is_empty() && report.run.complete);
    assert!(report.workloads.iter().all(|w| w.result().complete && w.result().stats.successes > 0));

    let out = perfproof().args(["metrics", "--json"]).arg(&a).output().unwrap();
    let metrics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = metrics["metrics"].as_array().unwrap().iter().map(|m| m["key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"http.shop.latency.p95") && keys.contains(&"http.admin.latency.p95"), "{keys:?}");

    let out = perfproof().arg("compare").args([&a, &b]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("http.shop.latency.p95") && table.contains("http.admin.latency.p95"), "{table}");

    let merged = dir.path().join("merged.json");
    let out = perfproof().args(["merge", "--trials", "-o"]).arg(&merged).args([&a, &b]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let merged = parse_report(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    let other = parse_report(&std::fs::read_to_string(&b).unwrap()).unwrap();
    for (i, w) in merged.workloads.iter().enumerate() {
        let total = report.workloads[i].result().stats.operations + other.workloads[i].result().stats.operations;
        assert_eq!(w.result().stats.operations, total, "{}", w.name());
    }
}

#[test]
fn workloads_picks_kinds_and_names_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), TWO);
    let out = run(&scenario, &dir.path().join("r.json"), &["--workloads", "gpu"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`gpu`") && stderr.contains("http, db"), "{stderr}");
}

#[test]
fn two_workloads_of_one_name_are_refused_before_any_load() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "[[http]]\nname = \"x\"\n[[http]]\nname = \"x\"\n");
    let out = run(&scenario, &dir.path().join("r.json"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("two http workloads are named `x`"));
    assert!(!dir.path().join("r.json").exists());
}

#[test]
fn a_workload_that_cannot_start_leaves_the_others_results() {
    let dir = tempfile::tempdir().unwrap();
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let scenario = write_scenario(
        dir.path(),
        &format!(
            "[[http]]\nname = \"down\"\nbase_url = \"http://127.0.0.1:{down}\"\n\n\
             [[http]]\nname = \"up\"\n[http.load]\nusers = 2\nduration = \"500ms\"\n"
        ),
    );
    let path = dir.path().join("r.json");
    let out = run(&scenario, &path, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report = parse_report(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(names(&report), ["up"]);
    assert!(report.workloads[0].result().stats.successes > 0);
    assert_eq!(report.failures.len(), 1);
    let failure = &report.failures[0];
    assert_eq!((failure.kind.as_str(), failure.name.as_str()), ("http", "down"));
    assert!(failure.error.contains(&format!("127.0.0.1:{down}")), "{}", failure.error);
    assert!(String::from_utf8_lossy(&out.stdout).contains("http down: did not run"));
}

/// Runs `scenario` and sends SIGTERM `after` once a line of its stderr contains
/// `marker`; the exit code, stderr and the report written.
#[cfg(unix)]
fn stop_after(
    dir: &Path,
    scenario: &Path,
    marker: &'static str,
    after: std::time::Duration,
) -> (Option<i32>, String, perfproof_shared::Report) {
    let path = dir.join("r.json");
    let mut command = perfproof();
    command.args(["run", "-q", "-f"]).arg(scenario).arg("-o").arg(&path).stdout(std::process::Stdio::null());
    let (status, stderr) = common::run_watching(command, marker, move |pid| {
        std::thread::sleep(after);
        common::terminate(pid);
    });
    let report = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("no report ({e}): {stderr}"));
    (status.code(), stderr, parse_report(&report).unwrap())
}

#[cfg(unix)]
#[test]
fn sigterm_during_the_second_workload_keeps_the_first_complete() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(
        dir.path(),
        "[[http]]\nname = \"first\"\n[http.load]\nusers = 2\nduration = \"500ms\"\n\n\
         [[http]]\nname = \"second\"\n[http.load]\nusers = 2\nduration = \"60s\"\n\n\
         [[http]]\nname = \"third\"\n",
    );
    // Wait until the second workload has started (it would run for a minute), then stop.
    let (code, stderr, report) =
        stop_after(dir.path(), &scenario, "http `second`", std::time::Duration::from_millis(700));
    assert_eq!(code, Some(130), "{stderr}");
    assert!(!report.run.complete);
    assert_eq!(names(&report), ["first", "second"]);
    let (first, second) = (report.workloads[0].result(), report.workloads[1].result());
    assert!(first.complete && first.stats.successes > 0);
    assert!(!second.complete && second.stats.successes > 0 && second.duration_s < 30.0);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].name, "third");
    assert!(report.failures[0].error.contains("interrupted"));
    let Workload::Http(http) = &report.workloads[1] else { panic!("expected an http workload") };
    assert_eq!(http.name, "second");
}

/// A stop in the middle of the second of three trials keeps the first whole and
/// the second as far as it got; the verdicts on the report say they rest on two trials.
#[cfg(unix)]
#[test]
fn sigterm_in_the_middle_of_a_trial_keeps_the_trials_measured() {
    use perfproof_shared::compare::{compare, CompareSettings};
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(
        dir.path(),
        "trials = 3\n[[http]]\nname = \"shop\"\n[http.load]\nusers = 2\nduration = \"30s\"\n",
    );
    let (code, stderr, report) =
        stop_after(dir.path(), &scenario, "(trial 2 of 3)", std::time::Duration::from_millis(700));
    assert_eq!(code, Some(130), "{stderr}");
    let result = report.workloads[0].result();
    assert!(!report.run.complete && !result.complete);
    assert_eq!(result.trials.len(), 2, "{stderr}");
    assert!(result.trials[0].complete && !result.trials[1].complete);
    assert!(result.trials.iter().all(|t| t.successes > 0));
    let c = compare(&report, &report, CompareSettings::default()).unwrap();
    for key in ["http.shop.latency.p50", "http.shop.throughput_rps", "http.shop.error_rate"] {
        assert_eq!(c.get(key).unwrap().evidence.unwrap().text(), "2 trials", "{key}");
    }
}
