//! `perfproof compare`, `metrics`, `merge` and `demo` end to end: real reports of
//! the embedded demo service in, tables, JSON, Markdown, JUnit and exit codes out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use perfproof_shared::export::{AnalysisDocument, ANALYSIS_SCHEMA_ID};
use perfproof_shared::parse_report;
use perfproof_shared::report::Workload;

fn perfproof() -> Command {
    Command::new(env!("CARGO_BIN_EXE_perfproof"))
}

fn ok(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A baseline and an optimized report of the demo service (HTTP only: the demo
/// test below covers every workload), made once per test run.
fn reports() -> &'static (tempfile::TempDir, PathBuf, PathBuf) {
    static REPORTS: OnceLock<(tempfile::TempDir, PathBuf, PathBuf)> = OnceLock::new();
    REPORTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for profile in ["baseline", "optimized"] {
            let path = dir.path().join(format!("{profile}.json"));
            let out = perfproof()
                .args([
                    "run",
                    "-q",
                    "--workloads",
                    "http",
                    "-d",
                    "2s",
                    "-w",
                    "300ms",
                    "-c",
                    "8",
                    "--demo-profile",
                    profile,
                    "-l",
                    profile,
                    "-o",
                ])
                .arg(&path)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            paths.push(path);
        }
        let optimized = paths.pop().unwrap();
        let baseline = paths.pop().unwrap();
        (dir, baseline, optimized)
    })
}

fn targets_file(dir: &Path, rule: &str) -> PathBuf {
    let path = dir.join(format!("targets-{}.toml", rule.len()));
    std::fs::write(&path, format!("[[target]]\nname = \"p95\"\nmetric = \"http.*.latency.p95\"\nrule = \"{rule}\"\n"))
        .unwrap();
    path
}

#[test]
fn compare_finds_the_optimized_profile_faster_and_exits_by_verdict() {
    let (dir, baseline, optimized) = reports();
    let lenient = targets_file(dir.path(), "< 10 s");
    let out = perfproof().arg("compare").args([baseline, optimized]).arg("-t").arg(&lenient).output().unwrap();
    let stdout = ok(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("http.demo.latency.p95") && stdout.contains("improved"), "{stdout}");
    // A first look: the headlines and what needs a look; the improved p50 waits for --all.
    assert!(!stdout.contains("http.demo.latency.p50") && stdout.contains("--all shows every metric"), "{stdout}");
    let all =
        perfproof().arg("compare").args([baseline, optimized]).arg("--all").arg("-t").arg(&lenient).output().unwrap();
    assert!(ok(&all).contains("http.demo.latency.p50") && !ok(&all).contains("--all shows"), "{}", ok(&all));
    assert!(stdout.contains("grade A+"), "{stdout}");

    // Reversed, the same change is a regression: exit 4.
    let out = perfproof().arg("compare").args([optimized, baseline]).arg("-t").arg(&lenient).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", ok(&out));

    // An impossible target is missed: exit 3; with the regression too: exit 5.
    let strict = targets_file(dir.path(), "< 1 us");
    let out = perfproof().arg("compare").args([baseline, optimized]).arg("-t").arg(&strict).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", ok(&out));
    let out = perfproof().arg("compare").args([optimized, baseline]).arg("-t").arg(&strict).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", ok(&out));
}

#[test]
fn compare_speaks_json_markdown_and_junit() {
    let (dir, baseline, optimized) = reports();
    let out = perfproof().arg("compare").args([baseline, optimized, &PathBuf::from("--json")]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema"], "perfproof.analysis/v1");
    let p50 =
        json["comparison"]["metrics"].as_array().unwrap().iter().find(|m| m["key"] == "http.demo.latency.p50").unwrap();
    assert_eq!(p50["verdict"], "improved");
    assert!(json["cost"]["roi"]["annual_saving_usd"].is_number());
    // The whole document reads back as shared's type.
    let document: AnalysisDocument = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(document.schema, ANALYSIS_SCHEMA_ID);

    let junit = dir.path().join("junit.xml");
    let out = perfproof()
        .arg("compare")
        .args([baseline, optimized])
        .arg("--markdown")
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let md = ok(&out);
    assert!(md.starts_with("## perfproof: baseline → optimized"), "{md}");
    assert!(md.contains("| `http.demo.latency.p95` |"), "{md}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"perfproof\"") && xml.contains("http.demo.latency.p95"), "{xml}");
}

/// The cost issue's example, as a user ran it: both demo profiles in the open
/// model at 100 requests/s, the mode the README recommends for latency, without a
/// capacity search. Their throughput is the 100/s offered, not what an instance
/// serves, so no cost is projected: the cost target is not measured (not missed),
/// and the faster service grades as its baseline does, never below it.
#[test]
fn an_open_model_comparison_without_a_search_prices_nothing_and_grades_no_lower() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for profile in ["baseline", "optimized"] {
        let path = dir.path().join(format!("{profile}.json"));
        let out = perfproof()
            .args(["run", "-q", "--workloads", "http", "--rate", "100", "-d", "3s", "-w", "500ms"])
            .args(["--demo-profile", profile, "-l", profile, "-o"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        paths.push(path);
    }
    let out = perfproof().arg("compare").args(&paths).arg("--json").output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["cost"].is_null(), "{}", json["cost"]);
    let why = json["cost_error"].as_str().unwrap();
    assert!(why.contains("no capacity measured") && why.contains("--capacity"), "{why}");
    let results = json["targets"]["results"].as_array().unwrap();
    let cost = results.iter().find(|r| r["metric"] == "cost.reduction_pct").unwrap();
    assert_eq!(cost["status"], "not_measured");
    let rank = |grade: &serde_json::Value| ["A+", "A", "B+", "B", "C", "D"].iter().position(|g| grade == g);
    let (optimized, baseline) = (rank(&json["targets"]["grade"]), rank(&json["baseline_targets"]["grade"]));
    assert!(optimized.is_some() && optimized <= baseline, "{} vs {}", json["targets"], json["baseline_targets"]);
    assert_eq!(json["targets"]["measured"], json["baseline_targets"]["measured"]);
    let text = ok(&perfproof().arg("compare").args(&paths).output().unwrap());
    assert!(
        text.contains("cost: not computed (optimized: no capacity measured")
            || text.contains("cost: not computed (baseline: no capacity measured"),
        "{text}"
    );
}

/// A cost file with an unknown tier or a negative price stops `compare` with the
/// file and the field named (exit 1, an error), before any comparison.
#[test]
fn bad_cost_files_are_refused_naming_the_field() {
    let (dir, baseline, optimized) = reports();
    for (name, file, said) in [
        ("unknown-tier", "[pricing]\nqueue_hourly_usd = 1.0\n", "unknown field `queue_hourly_usd`"),
        (
            "negative",
            "[pricing]\ninference_hourly_usd = -1.0\n",
            "`pricing.inference_hourly_usd` must be a number ≥ 0, not -1",
        ),
        ("fan-out", "[fan_out]\ninferences = -2\n", "`fan_out.inferences` must be a number ≥ 0, not -2"),
    ] {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, file).unwrap();
        let out = perfproof().arg("compare").args([baseline, optimized]).arg("--cost").arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(&format!("{name}.toml: cost inputs")) && stderr.contains(said), "{name}: {stderr}");
    }
}

#[test]
fn compare_mode_writes_per_area_files_and_a_summary() {
    let (dir, baseline, optimized) = reports();
    let results = dir.path().join("results");
    let out =
        perfproof().arg("compare").args([baseline, optimized]).arg("--results-dir").arg(&results).output().unwrap();
    assert!(out.status.code().is_some());
    let summary = std::fs::read_to_string(results.join("validation_summary.txt")).unwrap();
    assert!(summary.contains("api_performance") && summary.contains("recommendations:"), "{summary}");
    assert!(summary.contains("database_optimization: not measured"));
    let api: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("comparison_api_performance.json")).unwrap())
            .unwrap();
    assert_eq!(api["schema"], "perfproof.comparison/v1");
    assert_eq!(api["area"], "api_performance");
    assert_eq!((&api["baseline_label"], &api["optimized_label"]), (&"baseline".into(), &"optimized".into()));
    assert!(api["metrics"].as_array().unwrap().iter().any(|m| m["key"] == "http.demo.latency.p95"));
}

/// A targets file that moves the cost-reduction range moves the cost line, the
/// JSON status and the recommendation with it.
#[test]
fn the_cost_line_and_recommendations_name_the_targets_range() {
    let (dir, baseline, optimized) = reports();
    let targets = dir.path().join("cost-targets.toml");
    std::fs::write(
        &targets,
        "[[target]]\nname = \"Cost reduction\"\nmetric = \"cost.reduction_pct\"\nrule = \"between 10 20 %\"\n",
    )
    .unwrap();
    // So little traffic that one instance serves it before and after: no saving.
    let cost = dir.path().join("little-traffic.toml");
    std::fs::write(&cost, "[traffic]\nrequests_per_day = 1000\n").unwrap();
    let results = dir.path().join("cost-results");
    let compare = |extra: &[&std::ffi::OsStr]| {
        perfproof()
            .arg("compare")
            .args([baseline, optimized])
            .arg("-t")
            .arg(&targets)
            .arg("--cost")
            .arg(&cost)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = compare(&["--results-dir".as_ref(), results.as_os_str()]);
    let stdout = ok(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("below the 10–20 % target"), "{stdout}");
    assert!(!stdout.contains("25–35"), "{stdout}");
    let summary = std::fs::read_to_string(results.join("validation_summary.txt")).unwrap();
    let recommendation = summary.lines().find(|l| l.starts_with("- cost reduction")).unwrap();
    assert!(recommendation.contains("is below the 10–20 % target"), "{summary}");

    let out = compare(&["--json".as_ref()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["cost"]["status"], "below_target");
    assert_eq!(json["cost"]["target"]["rule"], "between 10 20 %");
}

/// The optimized report with its `search` endpoint renamed `lookup`: each side
/// has metrics the other lacks.
fn renamed_endpoint(dir: &Path, optimized: &Path) -> PathBuf {
    let path = dir.join("optimized-renamed.json");
    let text = std::fs::read_to_string(optimized).unwrap().replace("\"name\": \"search\"", "\"name\": \"lookup\"");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn metrics_of_one_report_only_are_shown_by_side() {
    let (dir, baseline, optimized) = reports();
    let renamed = renamed_endpoint(dir.path(), optimized);
    for format in [None, Some("--markdown")] {
        let out = perfproof().arg("compare").args([baseline, &renamed]).args(format).output().unwrap();
        let stdout = ok(&out);
        let line = stdout.lines().find(|l| l.starts_with("Not compared, ") || l.starts_with("not compared, "));
        let line = line.unwrap_or_else(|| panic!("no unmatched line in {stdout}"));
        let (baseline_only, optimized_only) = line.split_once("; ").unwrap();
        assert!(baseline_only.contains("only in baseline: http.demo.endpoint.search.latency.p50"), "{line}");
        assert!(!baseline_only.contains("lookup"), "{line}");
        assert!(optimized_only.starts_with("only in optimized: http.demo.endpoint.lookup."), "{line}");
        assert!(!optimized_only.contains("search"), "{line}");
    }
    let out = perfproof().arg("compare").args([baseline, optimized]).output().unwrap();
    assert!(!ok(&out).contains("only in"), "{}", ok(&out));
}

/// `metrics_export.json` holds every metric of both runs, as `perfproof metrics`
/// lists them, the ones only one run has included.
#[test]
fn compare_mode_exports_every_metric_of_both_runs() {
    let (dir, baseline, optimized) = reports();
    let renamed = renamed_endpoint(dir.path(), optimized);
    let results = dir.path().join("export-results");
    let out =
        perfproof().arg("compare").args([baseline, &renamed]).arg("--results-dir").arg(&results).output().unwrap();
    assert!(out.status.code().is_some(), "{}", String::from_utf8_lossy(&out.stderr));
    let export: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("metrics_export.json")).unwrap()).unwrap();
    assert_eq!(export["schema"], "perfproof.metrics-export/v1");
    assert_eq!((&export["baseline_label"], &export["optimized_label"]), (&"baseline".into(), &"optimized".into()));
    let by_key = |mut rows: Vec<serde_json::Value>| {
        rows.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
        rows
    };
    for (run, path) in [("baseline", baseline), ("optimized", &renamed)] {
        let exported = export["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["run"] == run)
            .map(|m| {
                let mut m = m.clone();
                m.as_object_mut().unwrap().remove("run");
                m
            })
            .collect();
        let listed = perfproof().args(["metrics", "--json"]).arg(path).output().unwrap();
        let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
        let exported = by_key(exported);
        assert_eq!(exported, by_key(listed["metrics"].as_array().unwrap().clone()), "{run}");
        let only_here = if run == "baseline" { "search" } else { "lookup" };
        assert!(exported.iter().any(|m| m["key"] == format!("http.demo.endpoint.{only_here}.latency.p95")), "{run}");
    }
}

#[test]
fn example_targets_and_cost_files_are_read() {
    let (_, baseline, optimized) = reports();
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let out = perfproof()
        .arg("compare")
        .args([baseline, optimized])
        .arg("-t")
        .arg(format!("{examples}/targets.toml"))
        .arg("--cost")
        .arg(format!("{examples}/cost.toml"))
        .arg("--json")
        .output()
        .unwrap();
    // The demo ran: it exits 0 whatever its verdicts, and says what regressed.
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> =
        json["targets"]["results"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"API error rate") && names.contains(&"API p95 latency"), "{names:?}");
    assert_eq!(json["cost"]["inputs"]["engineering_cost_usd"], 15000.0);
}

#[test]
fn bad_reports_are_named_with_file_field_and_line() {
    let (dir, baseline, _) = reports();
    let text = std::fs::read_to_string(baseline).unwrap().replacen("\"complete\": true", "\"complete\": \"yes\"", 1);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, text).unwrap();
    let out = perfproof().arg("compare").args([&bad, baseline]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.json") && stderr.contains("run.complete") && stderr.contains("line 9"), "{stderr}");
}

#[test]
fn metrics_lists_the_catalogue() {
    let (_, baseline, _) = reports();
    let out = perfproof().args(["metrics", "--json"]).arg(baseline).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = json["metrics"].as_array().unwrap().iter().map(|m| m["key"].as_str().unwrap()).collect();
    // The run alone is graded too (cost reduction needs two runs: not measured).
    assert_eq!(json["targets"]["measured"], 1);
    for key in [
        "http.demo.latency.p95",
        "http.demo.throughput_rps",
        "http.demo.error_rate",
        "http.demo.endpoint.search.latency.p99",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
}

#[test]
fn merge_adds_two_runs_exactly() {
    let (dir, baseline, _) = reports();
    let merged = dir.path().join("merged.json");
    let out = perfproof().arg("merge").args([baseline, baseline]).arg("-o").arg(&merged).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let one = parse_report(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    let two = parse_report(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    let (Workload::Http(a), Workload::Http(b)) = (&one.workloads[0], &two.workloads[0]) else {
        panic!("expected http workloads")
    };
    assert_eq!(b.result.stats.operations, 2 * a.result.stats.operations);
    assert_eq!(b.result.stats.latency.summary.p95, a.result.stats.latency.summary.p95);
    assert_eq!(b.result.stats.latency.summary.count, 2 * a.result.stats.latency.summary.count);
}

#[test]
fn demo_runs_both_profiles_searches_their_capacities_and_compares_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = perfproof()
        .args(["demo", "-d", "1500ms", "-w", "300ms", "-c", "8", "--results-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = ok(&out);
    assert!(matches!(out.status.code(), Some(0 | 3 | 4 | 5)), "{}", String::from_utf8_lossy(&out.stderr));
    for name in [
        "baseline.json",
        "optimized.json",
        "validation_summary.txt",
        "comparison_api_performance.json",
        "comparison_database_optimization.json",
        "metrics_export.json",
    ] {
        assert!(dir.path().join(name).exists(), "{name} missing");
    }
    // The database tier: the optimized profile's right-sized pool waits less for connections.
    let efficiency = stdout.lines().find(|l| l.contains("db.demo.pool.efficiency")).unwrap();
    assert!(efficiency.contains('%'), "{efficiency}");
    let before_after: Vec<f64> =
        efficiency.split('┆').skip(1).take(2).map(|cell| cell.trim().trim_end_matches(" %").parse().unwrap()).collect();
    assert!(before_after[1] > before_after[0], "{efficiency}");
    let p95 = stdout.lines().find(|l| l.contains("http.demo.latency.p95")).unwrap();
    assert!(p95.contains("improved"), "{p95}");
    // Every tier's capacity was searched in both profiles, and is judged from the brackets.
    for key in ["http.demo.capacity", "db.demo.capacity", "ml.digits.capacity", "cache.demo.capacity"] {
        let line = stdout.lines().find(|l| l.contains(key)).unwrap_or_else(|| panic!("no {key} in {stdout}"));
        assert!(line.contains("capacity brackets of"), "{line}");
    }
    let outcome = stdout.lines().find(|l| l.starts_with("demo: ")).unwrap();
    assert!(outcome.contains("regressed") && outcome.contains("demo` exits 0"), "{outcome}");
    assert!(stdout.contains("grade"));
}

#[test]
fn history_alerts_when_the_newest_run_is_worse() {
    let (dir, baseline, optimized) = reports();
    let out = perfproof().arg("history").args([optimized, baseline]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", ok(&out));
    assert!(ok(&out).contains("http.demo.latency.p95"));

    // The slow baseline, run again later: the newest run is worse than the rolling baseline.
    let mut later: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    later["run"]["started_at"] = "2099-01-01T00:00:00Z".into();
    later["run"]["label"] = "later".into();
    let later_path = dir.path().join("later.json");
    std::fs::write(&later_path, later.to_string()).unwrap();
    let out = perfproof().arg("history").args([baseline, optimized, &later_path]).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(6));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let alerts = json["alerts"].as_array().unwrap();
    assert!(alerts.iter().any(|a| a["key"] == "http.demo.latency.p50" && a["run"] == "later"), "{alerts:?}");
}
