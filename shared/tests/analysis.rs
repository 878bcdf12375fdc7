//! The analysis engine at its boundary: reports in, verdicts, grades, costs,
//! merged reports and links out.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::synth::{histogram_of, latencies, report, windowed_report, Queue, Rng, Service, WindowSpec};
use perfproof_shared::analysis::{analyze, AnalysisSettings};
use perfproof_shared::compare::{compare, CompareError, CompareSettings, EvidenceKind, Side, Verdict};
use perfproof_shared::cost::CostStatus;
use perfproof_shared::export::{
    AnalysisDocument, AreaComparison, MetricsExport, COMPARISON_SCHEMA_ID, METRICS_EXPORT_SCHEMA_ID,
};
use perfproof_shared::merge::{merge, MergeError, MergeKind};
use perfproof_shared::metrics::{catalogue, MetricValue};
use perfproof_shared::report::{CacheResult, HttpResult, Workload, WorkloadKind};
use perfproof_shared::share::{decode, encode, ShareError, SharePayload, ViewSettings};
use perfproof_shared::targets::{parse_targets, Grade, Status};
use perfproof_shared::trend::{history, TrendSettings};
use perfproof_shared::{parse_report, Report, ReportError};

const LATENCY_KEYS: [&str; 4] =
    ["http.api.latency.p50", "http.api.latency.p90", "http.api.latency.p95", "http.api.latency.p99"];

/// A/A: 200 seeded trials of two reports from the same distribution (5 000
/// lognormal latencies each, 10 s of per-second throughput): no tested metric is
/// ever called improved or regressed in at least 95 % of them.
#[test]
fn a_a_trials_find_no_difference() {
    let mut clean = 0;
    for seed in 0..200u64 {
        let mut rng = Rng::new(1_000 + seed);
        let a = report("a", "api", &latencies(&mut rng, 5_000, 20_000.0, 1.0), 10, 0, &mut rng);
        let b = report("b", "api", &latencies(&mut rng, 5_000, 20_000.0, 1.0), 10, 0, &mut rng);
        let c = compare(&a, &b, CompareSettings::default()).unwrap();
        if c.count(Verdict::Improved) == 0 && c.count(Verdict::Regressed) == 0 {
            clean += 1;
        }
    }
    assert!(clean >= 190, "only {clean} of 200 A/A trials found no difference");
}

/// A/B: latencies 20 % lower in the optimized run are found improved at p50, p90,
/// p95 and p99 in at least 95 % of 200 seeded trials.
#[test]
fn a_b_trials_find_a_20_percent_latency_shift() {
    let mut found = 0;
    for seed in 0..200u64 {
        let mut rng = Rng::new(5_000 + seed);
        let a = report("a", "api", &latencies(&mut rng, 5_000, 20_000.0, 1.0), 10, 0, &mut rng);
        let b = report("b", "api", &latencies(&mut rng, 5_000, 20_000.0, 0.8), 10, 0, &mut rng);
        let c = compare(&a, &b, CompareSettings::default()).unwrap();
        if LATENCY_KEYS.iter().all(|k| c.get(k).unwrap().verdict == Verdict::Improved) {
            found += 1;
        }
    }
    assert!(found >= 190, "only {found} of 200 A/B trials found the shift");
}

#[test]
fn short_runs_have_insufficient_data_for_tail_percentiles() {
    let mut rng = Rng::new(7);
    let a = report("a", "api", &latencies(&mut rng, 300, 20_000.0, 1.0), 3, 0, &mut rng);
    let b = report("b", "api", &latencies(&mut rng, 300, 20_000.0, 0.5), 3, 0, &mut rng);
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    assert_eq!(c.get("http.api.latency.p99").unwrap().verdict, Verdict::InsufficientData);
    assert_eq!(c.get("http.api.latency.p99_9").unwrap().verdict, Verdict::InsufficientData);
    assert_eq!(c.get("http.api.latency.p50").unwrap().verdict, Verdict::Improved);
    assert_eq!(c.get("http.api.latency.mean").unwrap().verdict, Verdict::NotTested);
}

#[test]
fn factors_and_categories_follow_the_direction() {
    let mut rng = Rng::new(11);
    let a = report("a", "api", &latencies(&mut rng, 5_000, 20_000.0, 1.0), 10, 0, &mut rng);
    let b = report("b", "api", &latencies(&mut rng, 5_000, 20_000.0, 0.4), 10, 0, &mut rng);
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    let p50 = c.get("http.api.latency.p50").unwrap();
    let factor = p50.factor.unwrap();
    assert!((2.3..2.7).contains(&factor), "{factor}");
    assert_eq!(p50.category.unwrap().label(), "excellent");
}

#[test]
fn error_rates_are_compared_as_proportions() {
    let mut rng = Rng::new(13);
    let samples = latencies(&mut rng, 5_000, 20_000.0, 1.0);
    let a = report("a", "api", &samples, 10, 500, &mut rng);
    let b = report("b", "api", &samples, 10, 5, &mut rng);
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    let rate = c.get("http.api.error_rate").unwrap();
    assert_eq!(rate.verdict, Verdict::Improved);
    assert!(rate.optimized < 0.2 && rate.baseline > 9.0);
    let c = compare(&b, &a, CompareSettings::default()).unwrap();
    assert_eq!(c.get("http.api.error_rate").unwrap().verdict, Verdict::Regressed);
}

#[test]
fn analysis_grades_targets_and_prices_the_change() {
    let mut rng = Rng::new(17);
    let a = report("baseline", "api", &latencies(&mut rng, 20_000, 250_000.0, 1.0), 10, 0, &mut rng);
    let b = report("optimized", "api", &latencies(&mut rng, 40_000, 100_000.0, 1.0), 10, 0, &mut rng);
    // Enough traffic that capacity decides the instance count: 500 M requests/day.
    let mut settings = AnalysisSettings::default();
    settings.cost.traffic.requests_per_day = 500_000_000.0;
    let analysis = analyze(&a, &b, &settings).unwrap();
    // p95 of the optimized run is about 100 ms × e^(0.5 × 1.645) ≈ 228 ms: missed.
    let p95 = analysis.targets.results.iter().find(|r| r.metric == "http.api.latency.p95").unwrap();
    assert_eq!(p95.status, Status::Missed);
    let cost = analysis.cost.as_ref().unwrap();
    assert!(cost.optimized.total_30_days_usd < cost.baseline.total_30_days_usd);
    assert!(cost.optimized.instances_day_1 < cost.baseline.instances_day_1);
    assert!(cost.reduction_pct > 0.0);
    let roi = &cost.roi;
    assert!(roi.payback_days.unwrap() > 0.0);
    assert_eq!(analysis.targets.measured, 2);
    assert_eq!(analysis.targets.grade, Some(Grade::of(analysis.targets.percent_met.unwrap())));
}

/// `compare --json` and the per-area files carry their schema id beside the fields,
/// and read back as what was written.
#[test]
fn analysis_documents_name_their_schema_and_round_trip() {
    let mut rng = Rng::new(29);
    let a = report("baseline", "api", &latencies(&mut rng, 2_000, 250_000.0, 1.0), 5, 0, &mut rng);
    let b = report("optimized", "api", &latencies(&mut rng, 4_000, 100_000.0, 1.0), 5, 3, &mut rng);
    let analysis = analyze(&a, &b, &AnalysisSettings::default()).unwrap();

    let document = AnalysisDocument::new(&analysis);
    let json = serde_json::to_value(&document).unwrap();
    assert_eq!(json["schema"], "perfproof.analysis/v1");
    assert_eq!(json["comparison"]["baseline_label"], "baseline");
    assert!(json["targets"]["results"].is_array() && json["cost"]["reduction_pct"].is_number());
    let back: AnalysisDocument = serde_json::from_value(json).unwrap();
    assert_eq!(back, document);

    let api = AreaComparison::new(&analysis.comparison, &HttpResult::INFO, analysis.cost.as_ref());
    let json = serde_json::to_value(&api).unwrap();
    assert_eq!(json["schema"], COMPARISON_SCHEMA_ID);
    assert_eq!(api.metrics.len(), analysis.comparison.metrics.len());
    assert!(AreaComparison::new(&analysis.comparison, &CacheResult::INFO, None).metrics.is_empty());
    assert_eq!(serde_json::from_value::<AreaComparison>(json).unwrap(), api);
}

/// A `cost.reduction_pct` target of 10–20 % grades the cost line: status and label
/// follow that range and agree with the target's row in the targets table.
#[test]
fn the_cost_status_follows_the_cost_reduction_target() {
    let mut rng = Rng::new(17);
    let a = report("baseline", "api", &latencies(&mut rng, 20_000, 250_000.0, 1.0), 10, 0, &mut rng);
    let b = report("optimized", "api", &latencies(&mut rng, 40_000, 100_000.0, 1.0), 10, 0, &mut rng);
    let targets = parse_targets(
        "[[target]]\nname = \"Cost reduction\"\nmetric = \"cost.reduction_pct\"\nrule = \"between 10 20 %\"\n",
    )
    .unwrap();
    // One instance either way: no saving. Twice the capacity at 200 M requests/day:
    // about 12 %. Instances alone (no database or request charges): about 50 %.
    let below = |s: &mut AnalysisSettings| s.cost.traffic.requests_per_day = 50_000_000.0;
    let meets = |s: &mut AnalysisSettings| s.cost.traffic.requests_per_day = 200_000_000.0;
    let exceeds = |s: &mut AnalysisSettings| {
        s.cost.traffic.requests_per_day = 200_000_000.0;
        s.cost.pricing.database_hourly_usd = 0.0;
        s.cost.pricing.per_million_requests_usd = 0.0;
    };
    let cases: [(fn(&mut AnalysisSettings), _, _, _); 3] = [
        (below, CostStatus::BelowTarget, Status::Missed, "below the 10–20 % target"),
        (meets, CostStatus::MeetsTarget, Status::Met, "meets the 10–20 % target"),
        (exceeds, CostStatus::ExceedsTarget, Status::Exceeded, "exceeds the 10–20 % target"),
    ];
    for (setup, status, target_status, label) in cases {
        let mut settings = AnalysisSettings { targets: targets.clone(), ..AnalysisSettings::default() };
        setup(&mut settings);
        let analysis = analyze(&a, &b, &settings).unwrap();
        let cost = analysis.cost.as_ref().unwrap();
        let row = analysis.targets.results.iter().find(|r| r.metric == "cost.reduction_pct").unwrap();
        assert_eq!((cost.status, row.status), (status, target_status), "reduction {:.1} %", cost.reduction_pct);
        assert_eq!(cost.status_label(), label);
    }

    // Without a cost target, the default targets' range grades it.
    let settings = AnalysisSettings { targets: parse_targets("").unwrap(), ..AnalysisSettings::default() };
    let cost = analyze(&a, &b, &settings).unwrap().cost.unwrap();
    assert_eq!(cost.status_label(), "below the 25–35 % target");
}

/// Two reports with endpoints `default` and `second`; in the second report
/// `default` is renamed `other`, so each has per-endpoint metrics the other lacks.
fn reports_with_a_renamed_endpoint(seed: u64) -> (Report, Report) {
    let mut rng = Rng::new(seed);
    // Per-endpoint metrics exist from two endpoints on: give each report a second one.
    let two_endpoints = |mut report: Report| {
        let Workload::Http(http) = &mut report.workloads[0] else { panic!("expected an http workload") };
        let second = perfproof_shared::report::EndpointResult { name: "second".into(), ..http.endpoints[0].clone() };
        http.endpoints.push(second);
        report
    };
    let a = two_endpoints(report("a", "api", &latencies(&mut rng, 1_000, 20_000.0, 1.0), 5, 0, &mut rng));
    let mut b = two_endpoints(report("b", "api", &latencies(&mut rng, 1_000, 20_000.0, 1.0), 5, 0, &mut rng));
    assert_eq!(compare(&a, &b, CompareSettings::default()).unwrap().unmatched_text(), None);
    let Workload::Http(http) = &mut b.workloads[0] else { panic!("expected an http workload") };
    http.endpoints[0].name = "other".into();
    (a, b)
}

/// Metrics only one report has are not compared, and are listed by side.
#[test]
fn metrics_of_one_report_only_are_listed_by_side() {
    let (a, b) = reports_with_a_renamed_endpoint(23);
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    let keys = |side| c.only_in(side).iter().map(|m| m.key.as_str()).collect::<Vec<_>>();
    let (only_a, only_b) = (keys(Side::Baseline), keys(Side::Optimized));
    assert!(only_a.contains(&"http.api.endpoint.default.latency.p95"), "{only_a:?}");
    assert!(only_a.iter().all(|k| k.starts_with("http.api.endpoint.default.")), "{only_a:?}");
    assert!(only_b.contains(&"http.api.endpoint.other.latency.p95"), "{only_b:?}");
    assert!(only_b.iter().all(|k| k.starts_with("http.api.endpoint.other.")), "{only_b:?}");
    assert!(c.get("http.api.endpoint.default.latency.p95").is_none());
    let text = c.unmatched_text().unwrap();
    assert!(text.starts_with("only in baseline: http.api.endpoint.default."), "{text}");
    assert!(text.contains("; only in optimized: http.api.endpoint.other."), "{text}");
}

/// The metrics export holds each run's whole catalogue, compared or not.
#[test]
fn the_metrics_export_holds_every_metric_of_both_runs() {
    let (a, b) = reports_with_a_renamed_endpoint(31);
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    let export = MetricsExport::new(&c, None);
    assert_eq!(export.schema, METRICS_EXPORT_SCHEMA_ID);
    assert_eq!((export.baseline_label.as_str(), export.optimized_label.as_str()), ("a", "b"));
    let sorted = |mut values: Vec<MetricValue>| {
        values.sort_by(|x, y| x.key.cmp(&y.key));
        values
    };
    for (side, run) in [(Side::Baseline, &a), (Side::Optimized, &b)] {
        let exported = export.metrics.iter().filter(|m| m.run == side).map(|m| m.metric.clone()).collect();
        let expected = catalogue(run).unwrap().iter().map(MetricValue::from).collect();
        assert_eq!(sorted(exported), sorted(expected), "{side:?}");
    }
    let json = serde_json::to_value(&export).unwrap();
    assert_eq!(json["schema"], "perfproof.metrics-export/v1");
    let row = &json["metrics"][0];
    assert_eq!(row["run"], "baseline");
    assert!(row["key"].is_string() && row["value"].is_number() && row["unit"].is_string());
    assert!(row["direction"].is_string());
    assert_eq!(serde_json::from_value::<MetricsExport>(json).unwrap(), export);
}

#[test]
fn reports_of_different_workloads_cannot_be_compared() {
    let mut rng = Rng::new(19);
    let a = report("a", "api", &latencies(&mut rng, 100, 20_000.0, 1.0), 2, 0, &mut rng);
    let b = report("b", "checkout", &latencies(&mut rng, 100, 20_000.0, 1.0), 2, 0, &mut rng);
    let err = compare(&a, &b, CompareSettings::default()).unwrap_err();
    assert!(matches!(err, CompareError::NothingInCommon { .. }));
    let text = err.to_string();
    assert!(text.contains("http.api") && text.contains("http.checkout"), "{text}");
    let err = merge(&[a, b], MergeKind::Shards).unwrap_err();
    assert!(matches!(err, MergeError::Mismatch { index: 1, .. }), "{err}");
    assert!(err.to_string().contains("checkout"));
}

/// Merging N shards equals the report of all their samples at once.
#[test]
fn merged_shards_equal_all_samples_at_once() {
    let mut rng = Rng::new(23);
    let all = latencies(&mut rng, 40_000, 15_000.0, 1.0);
    let shards: Vec<_> = all
        .chunks(10_000)
        .enumerate()
        .map(|(i, s)| report(&format!("s{i}"), "api", s, 10, i as u64, &mut rng))
        .collect();
    let merged = merge(&shards, MergeKind::Shards).unwrap();
    let Workload::Http(http) = &merged.workloads[0] else { panic!("expected an http workload") };
    let whole = histogram_of(&all);
    assert_eq!(http.result.stats.latency.decode().unwrap(), whole);
    let s = &http.result.stats.latency.summary;
    assert_eq!(s.count, 40_000);
    assert_eq!(
        (s.p50, s.p99, s.p99_9, s.max),
        (whole.value_at_quantile(0.5), whole.value_at_quantile(0.99), whole.value_at_quantile(0.999), whole.max())
    );
    assert_eq!(http.result.stats.operations, 40_000 + 6);
    assert_eq!(http.result.stats.error_count(), 6);
    assert_eq!(http.endpoints[0].stats.latency.summary.count, 40_000);
    let shard_rps: f64 = shards.iter().map(|r| r.workloads[0].result().throughput_per_s).sum();
    assert!((http.result.throughput_per_s - shard_rps).abs() < 1e-9);
    // The merged report is itself a valid report.
    assert_eq!(parse_report(&merged.to_json()).unwrap(), merged);

    let trials = merge(&shards, MergeKind::Trials).unwrap();
    let Workload::Http(t) = &trials.workloads[0] else { panic!("expected an http workload") };
    assert_eq!(t.result.duration_s, 40.0);
    assert_eq!(t.result.timeline.len(), 40);
    assert!((t.result.throughput_per_s - 1_000.0).abs() < 1e-9);
}

#[test]
fn malformed_reports_name_the_field_and_never_panic() {
    let mut rng = Rng::new(29);
    let good = report("a", "api", &latencies(&mut rng, 100, 20_000.0, 1.0), 2, 0, &mut rng).to_json();
    let line_of = |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;

    let negative = good.replacen("\"operations\": 100", "\"operations\": -100", 1);
    match parse_report(&negative).unwrap_err() {
        ReportError::Field { path, line, .. } => {
            assert_eq!(path, "workloads[0].http.endpoints[0].stats.operations");
            assert_eq!(line, line_of(&negative, "-100"));
        }
        other => panic!("{other:?}"),
    }
    let nan = good.replacen("\"duration_s\": 2.0", "\"duration_s\": NaN", 1);
    assert!(matches!(parse_report(&nan), Err(ReportError::Syntax { line, .. }) if line == line_of(&nan, "NaN")));
    let wrong_type = good.replacen("\"complete\": true", "\"complete\": 1", 1);
    assert_eq!(parse_report(&wrong_type).unwrap_err().path(), Some("run.complete"));
    for cut in [1, good.len() / 3, good.len() - 2] {
        assert!(parse_report(&good[..cut]).is_err());
    }
    let unknown = good.replace("perfproof.report/v1", "perfproof.report/v2");
    assert!(parse_report(&unknown).unwrap_err().to_string().contains("perfproof.report/v2"));
}

#[test]
fn share_links_round_trip_and_reject_damage() {
    let mut rng = Rng::new(31);
    let a = report("a", "api", &latencies(&mut rng, 2_000, 20_000.0, 1.0), 5, 0, &mut rng);
    let b = report("b", "api", &latencies(&mut rng, 2_000, 20_000.0, 0.8), 5, 0, &mut rng);
    let payload = SharePayload {
        reports: vec![a, b],
        view: ViewSettings {
            baseline: Some(0),
            optimized: Some(1),
            threshold_pct: Some(5.0),
            names: vec!["a.json".into(), "b.json".into()],
            ..ViewSettings::default()
        },
    };
    let link = encode(&payload);
    assert!(link.starts_with("pp2."));
    assert!(link.len() < payload.reports[0].to_json().len(), "a link is smaller than one report");
    assert_eq!(decode(&format!("#{link}")).unwrap(), payload);

    assert_eq!(decode("hello"), Err(ShareError::NotALink));
    assert!(matches!(decode("pp9.abc"), Err(ShareError::UnknownVersion(v)) if v == "pp9."));
    assert!(matches!(decode("pp1.***"), Err(ShareError::Malformed(_))));
    assert!(matches!(decode("pp2.***"), Err(ShareError::Malformed(_))));
    assert!(matches!(decode("pp1.AAAA"), Err(ShareError::Malformed(_))));
    let mut truncated = link.clone();
    truncated.truncate(link.len() / 2);
    assert!(decode(&truncated).is_err());
    // A bomb: 64 MiB of zeros deflates to a few kB but must not be inflated.
    let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; 64 << 20], 9);
    let bomb = format!("pp2.{}", base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bomb));
    assert_eq!(decode(&bomb), Err(ShareError::TooLarge));
    let bad_index =
        encode(&SharePayload { view: ViewSettings { optimized: Some(7), ..ViewSettings::default() }, ..payload });
    assert_eq!(decode(&bad_index), Err(ShareError::BadIndex { index: 7, count: 2 }));
}

#[test]
fn trends_find_a_worsening_series_and_alert_on_regressions() {
    let mut rng = Rng::new(37);
    let mut runs = Vec::new();
    for day in 0..8i64 {
        // Latency creeps up 5 % a day; the last run jumps 40 %.
        let scale = 1.05f64.powi(day as i32) * if day == 7 { 1.4 } else { 1.0 };
        let mut r = report(&format!("day{day}"), "api", &latencies(&mut rng, 3_000, 60_000.0, scale), 5, 0, &mut rng);
        r.run.started_at += chrono::Duration::days(day);
        runs.push(r);
    }
    runs.reverse(); // any order
    let h = history(&runs, &perfproof_shared::targets::default_targets(), TrendSettings::default()).unwrap();
    let p50 = h.trends.iter().find(|t| t.key == "http.api.latency.p50").unwrap();
    assert_eq!(p50.points.len(), 8);
    assert_eq!(p50.points[0].label, "day0");
    assert!(p50.worsening, "{:?}", p50.slope_per_day);
    assert!(h.alerts.iter().any(|a| a.key == "http.api.latency.p50" && a.run == "day7"), "{:?}", h.alerts);
    // p95 (about 2.3 × the median) crosses 200 ms with the jump: a target alert.
    assert!(h.alerts.iter().any(|a| a.message.contains("now misses")), "{:?}", h.alerts);
}

/// Windows of `seconds` seconds each holding `per_window` successes (lognormal
/// latencies around 20 ms) and `errors` failures.
fn steady(rng: &mut Rng, count: usize, seconds: f64, per_window: usize, errors: u64) -> Vec<WindowSpec> {
    (0..count)
        .map(|_| WindowSpec { duration_s: seconds, samples: latencies(rng, per_window, 20_000.0, 1.0), errors })
        .collect()
}

/// A 30-second outage in a 60-second run (every request of those seconds timed
/// out) is a throughput regression, from windows and from a bare timeline alike.
#[test]
fn an_outage_is_a_throughput_regression() {
    let mut rng = Rng::new(41);
    let baseline = windowed_report("baseline", &steady(&mut rng, 30, 2.0, 400, 0), 2.0, &mut rng);
    let mut windows = steady(&mut rng, 15, 2.0, 400, 0);
    windows.extend(steady(&mut rng, 15, 2.0, 0, 400));
    let outage = windowed_report("outage", &windows, 2.0, &mut rng);
    let c = compare(&baseline, &outage, CompareSettings::default()).unwrap();
    let throughput = c.get("http.api.throughput_rps").unwrap();
    assert_eq!(throughput.verdict, Verdict::Regressed, "{throughput:?}");
    assert_eq!(throughput.evidence.unwrap().kind, EvidenceKind::Windows);
    assert_eq!(c.get("http.api.error_rate").unwrap().verdict, Verdict::Regressed);
    for key in LATENCY_KEYS {
        assert_ne!(c.get(key).unwrap().verdict, Verdict::InsufficientData, "{key}");
    }

    // Without windows, the zero seconds of the timeline are evidence too, not log(0).
    let strip = |mut report: Report| {
        let Workload::Http(http) = &mut report.workloads[0] else { panic!("expected an http workload") };
        http.result.windows.clear();
        report
    };
    let c = compare(&strip(baseline), &strip(outage), CompareSettings::default()).unwrap();
    let throughput = c.get("http.api.throughput_rps").unwrap();
    assert_eq!(throughput.verdict, Verdict::Regressed, "{throughput:?}");
    assert_eq!(throughput.evidence.unwrap().kind, EvidenceKind::Seconds);
}

/// The error-rate threshold scales with the baseline rate (τ relative), with a
/// floor of 0.1 percentage point.
#[test]
fn error_rate_thresholds_scale_with_the_baseline() {
    let mut rng = Rng::new(43);
    let samples = latencies(&mut rng, 100_000, 20_000.0, 1.0);
    let run = |label: &str, errors: usize, rng: &mut Rng| {
        report(label, "api", &samples[..100_000 - errors], 10, errors as u64, rng)
    };
    let verdict = |a: &Report, b: &Report| compare(a, b, CompareSettings::default()).unwrap();
    // 0 → 900 errors in 100 000.
    let c = verdict(&run("a", 0, &mut rng), &run("b", 900, &mut rng));
    let rate = c.get("http.api.error_rate").unwrap();
    assert_eq!(rate.verdict, Verdict::Regressed, "{rate:?}");
    assert_eq!(rate.evidence.unwrap().text(), "100,000 operations (too few trials or windows: independence assumed)");
    // 1 % → 0.05 %.
    let c = verdict(&run("a", 1_000, &mut rng), &run("b", 50, &mut rng));
    assert_eq!(c.get("http.api.error_rate").unwrap().verdict, Verdict::Improved);
    // The floor is a setting: at 1 pp, 0 → 0.9 % is no longer a practical change.
    let settings = CompareSettings { proportion_floor_pp: 1.0, ..CompareSettings::default() };
    let c = compare(&run("a", 0, &mut rng), &run("b", 900, &mut rng), settings).unwrap();
    assert_eq!(c.get("http.api.error_rate").unwrap().verdict, Verdict::NoChange);
}

/// The throughput interval is on the scale of the change shown (optimized /
/// baseline − 1): −4.9 % is inside ±5 % and +5.2 % outside, and the category
/// follows the verdict.
#[test]
fn throughput_changes_and_intervals_share_one_scale() {
    let mut rng = Rng::new(47);
    let run = |label: &str, per_window: usize, rng: &mut Rng| {
        let windows = steady(rng, 30, 1.0, per_window, 0);
        windowed_report(label, &windows, 1.0, rng)
    };
    let baseline = run("baseline", 1_000, &mut rng);
    let c = compare(&baseline, &run("slower", 951, &mut rng), CompareSettings::default()).unwrap();
    let slower = c.get("http.api.throughput_rps").unwrap();
    assert_eq!(slower.change_text(), "-4.9 %");
    assert_eq!(slower.verdict, Verdict::NoChange, "{slower:?}");
    assert_eq!(slower.category, None, "no 'regression' category beside 'no change'");
    let c = compare(&baseline, &run("faster", 1_052, &mut rng), CompareSettings::default()).unwrap();
    let faster = c.get("http.api.throughput_rps").unwrap();
    assert_eq!(faster.change_text(), "+5.2 %");
    assert_eq!(faster.verdict, Verdict::Improved, "{faster:?}");
    assert_eq!(faster.category.unwrap().label(), "moderate");
}

/// A p50 of 0 µs (below the histogram's resolution) is a value, not missing data.
#[test]
fn a_zero_percentile_is_data() {
    let mut rng = Rng::new(53);
    let mostly_zero = |rng: &mut Rng| {
        let mut samples = latencies(rng, 2_000, 1_000.0, 1.0);
        samples.extend(std::iter::repeat_n(0, 3_000));
        samples
    };
    let a = report("a", "api", &mostly_zero(&mut rng), 10, 0, &mut rng);
    let b = report("b", "api", &mostly_zero(&mut rng), 10, 0, &mut rng);
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    let p50 = c.get("http.api.latency.p50").unwrap();
    assert_eq!((p50.baseline, p50.optimized), (0.0, 0.0));
    assert_eq!(p50.verdict, Verdict::NoChange, "{p50:?}");
}

/// The annual saving is the 30-day projection's daily saving over 365 days.
#[test]
fn the_annual_saving_covers_365_days() {
    let mut rng = Rng::new(17);
    let a = report("baseline", "api", &latencies(&mut rng, 20_000, 250_000.0, 1.0), 10, 0, &mut rng);
    let b = report("optimized", "api", &latencies(&mut rng, 40_000, 100_000.0, 1.0), 10, 0, &mut rng);
    let mut settings = AnalysisSettings::default();
    settings.cost.traffic.requests_per_day = 500_000_000.0;
    let roi = analyze(&a, &b, &settings).unwrap().cost.unwrap().roi;
    assert!(roi.monthly_saving_usd > 0.0);
    assert!((roi.annual_saving_usd - roi.monthly_saving_usd / 30.0 * 365.0).abs() < 1e-6, "{roi:?}");
}

/// Each verdict names its evidence: trials when both runs were repeated, batches
/// of windows for one run per side, histograms (and per-second rates) for reports
/// without windows.
#[test]
fn verdicts_name_their_evidence() {
    let mut rng = Rng::new(59);
    let queue = Queue { rho: 0.7, service_ms: 10.0, service: Service::Exponential, requests: 10_000 };
    let trials = |label: &str, queue: Queue, rng: &mut Rng| {
        let runs: Vec<Report> = (0..5).map(|_| queue.run(label, rng)).collect();
        merge(&runs, MergeKind::Trials).unwrap()
    };
    let (a, b) = (trials("a", queue, &mut rng), trials("b", queue.served_in(0.8), &mut rng));
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    for key in ["http.api.latency.p50", "http.api.throughput_rps"] {
        let m = c.get(key).unwrap();
        assert_eq!(m.evidence.unwrap().text(), "5 trials", "{key}");
    }
    assert_eq!(c.get("http.api.latency.p50").unwrap().verdict, Verdict::Improved);

    let (a, b) = (queue.run("a", &mut rng), queue.run("b", &mut rng));
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    assert_eq!(c.get("http.api.latency.p50").unwrap().evidence.unwrap().text(), "10 batches of windows");
    // A tail percentile's batches are pooled until each holds about 100 values beyond it.
    assert_eq!(c.get("http.api.latency.p99").unwrap().evidence.unwrap().text(), "5 batches of windows");
    assert_eq!(c.get("http.api.latency.mean").unwrap().evidence, None);

    let a = report("a", "api", &latencies(&mut rng, 1_000, 20_000.0, 1.0), 5, 0, &mut rng);
    let b = report("b", "api", &latencies(&mut rng, 1_000, 20_000.0, 1.0), 5, 0, &mut rng);
    let c = compare(&a, &b, CompareSettings::default()).unwrap();
    let p50 = c.get("http.api.latency.p50").unwrap().evidence.unwrap();
    assert_eq!(p50.kind, EvidenceKind::Histogram);
    assert_eq!(p50.text(), "histograms of 1,000 (too few windows: independence assumed)");
    assert_eq!(c.get("http.api.throughput_rps").unwrap().evidence.unwrap().kind, EvidenceKind::Seconds);
}
