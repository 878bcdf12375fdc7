//! Capacity judgement: an SLO's fields checked by name, each tier's default, the
//! latency a targets file sets, a
//! probe passing, failing or staying unresolved by its intervals, and a probe
//! whose generator saturated never taken for the service's capacity; two
//! capacities compared by their brackets, and searches that differ said so.

mod common;

use perfproof_shared::capacity::{judge, CapacitySearch, Limit, ProbeOutcome, Slo};
use perfproof_shared::charts::load_curves;
use perfproof_shared::comparability::check;
use perfproof_shared::compare::{compare, CompareSettings, Verdict};
use perfproof_shared::report::{CacheResult, DbResult, HttpResult, LoadResult, MlResult, WorkloadKind};
use perfproof_shared::targets::{default_targets, parse_targets};
use perfproof_shared::Report;

use common::synth::{Queue, Rng, Service};

/// A probe's result: the sample run (5,003 requests in 10 s, 3 errors, latencies
/// from 0.8 to 4.8 ms), judged as offered at some rate.
fn probe() -> LoadResult {
    common::sample_report().workloads[0].result().clone()
}

fn http_slo() -> Slo {
    Slo::default_for(&HttpResult::INFO)
}

#[test]
fn each_tier_has_its_default_slo_and_bad_fields_are_named() {
    let defaults: Vec<(String, f64)> = [&HttpResult::INFO, &DbResult::INFO, &MlResult::INFO, &CacheResult::INFO]
        .map(Slo::default_for)
        .iter()
        .map(|slo| (slo.percentile.clone(), slo.latency_ms))
        .collect();
    let expected = [("p95", 200.0), ("p90", 50.0), ("p95", 500.0), ("p99", 10.0)].map(|(p, l)| (p.to_string(), l));
    assert_eq!(defaults, expected);
    assert!(http_slo().check().is_ok());
    type Spoil = fn(&mut Slo);
    let cases: [(Spoil, &str); 6] = [
        (|s| s.percentile = "p97".into(), "`percentile` is `p97`"),
        (|s| s.latency_ms = -5.0, "`latency_ms` is -5"),
        (|s| s.latency_ms = f64::NAN, "`latency_ms` is NaN"),
        (|s| s.max_error_percent = 100.0, "`max_error_percent` is 100"),
        (|s| s.min_achieved_percent = 0.0, "`min_achieved_percent` is 0"),
        (|s| s.min_achieved_percent = 101.0, "`min_achieved_percent` is 101"),
    ];
    for (spoil, said) in cases {
        let mut slo = http_slo();
        spoil(&mut slo);
        let error = slo.check().unwrap_err().to_string();
        assert!(error.contains(said), "{error}");
        // A judge given the bad SLO refuses it rather than guess.
        if said.contains("percentile") {
            assert!(judge(&slo, &probe(), 500.0).is_err());
        }
    }
    let mut dotted = http_slo();
    dotted.percentile = "p99.9".into();
    assert_eq!(dotted.quantile(), Ok(0.999));
}

#[test]
fn a_targets_file_sets_the_latency_a_search_holds() {
    let targets = parse_targets(
        r#"
[[target]]
metric = "http.*.latency.p99"
rule = "< 400 ms"

[[target]]
metric = "http.api.latency.p95"
rule = "<= 0.15 s"

[[target]]
metric = "http.*.latency.p50"
rule = "> 1 ms"

[[target]]
metric = "cache.*.read.latency.p99_9"
rule = "< 4 ms"

[[target]]
metric = "db.*.throughput_tps"
rule = "< 1000"
"#,
    )
    .unwrap();
    let from = |info, name| Slo::latency_from_targets(&targets, info, name);
    // The rule on the tier's own percentile (p95) wins over an earlier one on p99,
    // in milliseconds whatever unit it was written in; a `>` rule sets no bound.
    assert_eq!(from(&HttpResult::INFO, "api"), Some(("p95".into(), 150.0)));
    // Another HTTP workload matches only the pattern.
    assert_eq!(from(&HttpResult::INFO, "search"), Some(("p99".into(), 400.0)));
    // A percentile named in a key (`p99_9`) is the SLO's `p99.9`; a cache's SLO
    // holds its reads.
    assert_eq!(from(&CacheResult::INFO, "c"), Some(("p99.9".into(), 4.0)));
    // No latency rule, only a throughput: the kind's default stays.
    assert_eq!(from(&DbResult::INFO, "orders"), None);
    assert_eq!(Slo::latency_from_targets(&default_targets(), &MlResult::INFO, "m"), Some(("p95".into(), 500.0)));
}

#[test]
fn a_probe_passes_fails_or_stays_unresolved_by_its_intervals() {
    let result = probe();
    let passed = judge(&http_slo(), &result, 500.0).unwrap();
    assert_eq!((passed.outcome, passed.limit), (ProbeOutcome::Pass, None), "{}", passed.reason);
    assert_eq!(passed.evidence, "histogram (independence assumed)");
    assert!((passed.achieved_per_s - 500.3).abs() < 1e-9);

    let behind = judge(&http_slo(), &result, 600.0).unwrap();
    assert_eq!((behind.outcome, behind.limit), (ProbeOutcome::Fail, Some(Limit::NotKeepingUp)));
    assert!(behind.reason.contains("completed 500.3 of 600.0 offered per second"), "{}", behind.reason);

    let [low, high] = passed.percentile_interval_ms.unwrap();
    let mut slo = http_slo();
    slo.latency_ms = low * 0.9;
    let slow = judge(&slo, &result, 500.0).unwrap();
    assert_eq!((slow.outcome, slow.limit), (ProbeOutcome::Fail, Some(Limit::Latency)), "{}", slow.reason);
    slo.latency_ms = (low + high) / 2.0;
    let close = judge(&slo, &result, 500.0).unwrap();
    assert_eq!((close.outcome, close.limit), (ProbeOutcome::Unresolved, Some(Limit::Latency)), "{}", close.reason);
    assert!(close.reason.contains("too close to"), "{}", close.reason);

    // 3 errors in 5,003 (0.06 %): over a bound of 0.01 % with confidence.
    let mut slo = http_slo();
    slo.max_error_percent = 0.01;
    let failing = judge(&slo, &result, 500.0).unwrap();
    assert_eq!((failing.outcome, failing.limit), (ProbeOutcome::Fail, Some(Limit::Errors)), "{}", failing.reason);

    // Operations the probe abandoned when its grace ran out, though it completed
    // its rate: a queue the target had not worked off.
    let mut left = result.clone();
    left.schedule = Some(perfproof_shared::report::Schedule {
        target_rate_per_s: 500.0,
        achieved_rate_per_s: 500.3,
        late_operations: 0,
        late_threshold_ms: 10.0,
        uncorrected_latency: result.stats.latency.clone(),
        lag: result.stats.latency.clone(),
        abandoned: 12,
    });
    let abandoned = judge(&http_slo(), &left, 500.0).unwrap();
    assert_eq!((abandoned.outcome, abandoned.limit), (ProbeOutcome::Fail, Some(Limit::NotKeepingUp)));
    assert!(abandoned.reason.contains("12 operations still unanswered"), "{}", abandoned.reason);
}

#[test]
fn a_probe_whose_generator_saturated_is_never_the_capacity() {
    let mut saturated = probe();
    saturated.generator.cpu_percent_mean = 190.0;
    let at_200 = judge(&http_slo(), &saturated, 500.0).unwrap();
    assert_eq!((at_200.outcome, at_200.limit), (ProbeOutcome::Unresolved, Some(Limit::Generator)));
    assert!(at_200.reason.contains("the load generator used 95.0 %"), "{}", at_200.reason);
    let mut at_100 = judge(&http_slo(), &probe(), 500.0).unwrap();
    at_100.offered_per_s = 100.0;
    assert_eq!(CapacitySearch::bracket(&[at_100.clone(), at_200.clone()]), (Some(100.0), None));
    // An embedded target's CPU counts in the runner's own: no saturation can be told.
    saturated.generator.target_in_process = true;
    assert_eq!(judge(&http_slo(), &saturated, 500.0).unwrap().outcome, ProbeOutcome::Pass);
}

/// The sample report with a capacity search whose bracket is `[pass, fail]`.
fn searched(pass: f64, fail: Option<f64>) -> Report {
    let mut report = common::sample_report();
    common::with_capacity(&mut report, 0, pass, fail);
    report
}

#[test]
fn capacities_are_judged_by_their_brackets() {
    let cases = [
        ((394.0, Some(411.0)), (788.0, Some(823.0)), Verdict::Improved),
        ((788.0, Some(823.0)), (394.0, Some(411.0)), Verdict::Regressed),
        // Brackets that overlap by more than the threshold allows either way.
        ((394.0, Some(411.0)), (400.0, Some(418.0)), Verdict::Inconclusive),
        // Both within ±5 % of each other, whatever the capacities inside them.
        ((394.0, Some(411.0)), (394.0, Some(411.0)), Verdict::NoChange),
        // A bracket open above: the candidate's highest pass alone can still improve...
        ((394.0, Some(411.0)), (900.0, None), Verdict::Improved),
        // ...but a baseline open above cannot be beaten.
        ((394.0, None), (788.0, Some(823.0)), Verdict::Inconclusive),
    ];
    for ((pa, fa), (pb, fb), expected) in cases {
        let c = compare(&searched(pa, fa), &searched(pb, fb), CompareSettings::default()).unwrap();
        let m = c.get("http.api.capacity").unwrap();
        assert_eq!(m.verdict, expected, "[{pa}, {fa:?}] → [{pb}, {fb:?}]: {:?}", m.interval);
        assert_eq!(m.evidence.unwrap().text(), "capacity brackets of 6 probes");
        assert_eq!((m.baseline, m.optimized, m.unit.as_str()), (pa, pb, "req/s"));
    }
}

#[test]
fn searches_under_different_slos_are_said_to_differ() {
    let (a, mut b) = (searched(394.0, Some(411.0)), searched(788.0, Some(823.0)));
    let search = b.workloads[0].result_mut().capacity.as_mut().unwrap();
    search.slo.latency_ms = 100.0;
    search.resolution = 0.1;
    let said: Vec<String> = check(&a, &b).into_iter().map(|w| w.message).collect();
    assert!(said.iter().any(|m| m.contains("capacity searched under p95 < 200.0 ms")), "{said:?}");
    assert!(said.iter().any(|m| m.contains("resolution of 5.0 %, then 10.0 %")), "{said:?}");
    let said: Vec<String> = check(&a, &common::sample_report()).into_iter().map(|w| w.message).collect();
    assert!(said.iter().any(|m| m == "only the baseline run searched its capacity"), "{said:?}");
}

/// The latency–load chart's numbers: one point per rate probed, in increasing
/// rate, a rate probed twice showing its last (judged) probe, each percentile the
/// probe's histogram's; a workload without a search has no curve.
#[test]
fn the_load_curve_is_each_rate_probed_with_its_percentiles() {
    let mut report = searched(400.0, Some(420.0));
    let search = report.workloads[0].result_mut().capacity.as_mut().unwrap();
    for (probe, rate) in search.probes.iter_mut().zip([200.0, 400.0, 800.0, 566.0, 476.0, 476.0]) {
        probe.offered_per_s = rate;
    }
    search.probes[5].outcome = ProbeOutcome::Fail;
    let curves = load_curves(&report).unwrap();
    assert_eq!(curves.len(), 1);
    let curve = &curves[0];
    assert_eq!((curve.name.as_str(), curve.unit), (format!("http {}", report.workloads[0].name()).as_str(), "req/s"));
    let rates: Vec<f64> = curve.points.iter().map(|p| p.offered_per_s).collect();
    assert_eq!(rates, [200.0, 400.0, 476.0, 566.0, 800.0]);
    assert_eq!(curve.points[2].outcome, ProbeOutcome::Fail);
    let summary = &probe().stats.latency.summary;
    for point in &curve.points {
        assert_eq!((point.p50_ms, point.p99_ms), (summary.p50 as f64 / 1e3, summary.p99 as f64 / 1e3));
        assert!(point.p50_ms <= point.p95_ms && point.p95_ms <= point.p99_ms);
    }
    assert_eq!(curve.search.capacity_per_s, Some(400.0));
    assert!(load_curves(&common::sample_report()).unwrap().is_empty());
}

/// A probe needs enough operations to show its error bound held: 761 for 1 %
/// (twice the 380.3 past which no errors put Wilson's upper end under it), none can
/// for a bound of 0, and there any error fails the probe while none holds it.
#[test]
fn the_error_bound_sets_the_operations_a_probe_needs() {
    let mut slo = http_slo();
    assert_eq!(slo.operations_for_errors(), Some(761));
    let wilson = |n| perfproof_shared::stats::wilson(0, n, perfproof_shared::capacity::PROBE_CONFIDENCE).unwrap();
    assert!(wilson(381).high < 0.01 && wilson(380).high > 0.01);
    slo.max_error_percent = 0.0;
    assert_eq!(slo.operations_for_errors(), None);
    let sample = probe();
    assert!(sample.stats.operations > sample.stats.successes);
    let offered = sample.throughput_per_s;
    let judged = judge(&slo, &sample, offered).unwrap();
    assert_eq!((judged.outcome, judged.limit), (ProbeOutcome::Fail, Some(Limit::Errors)), "{}", judged.reason);
    let mut clean = sample.clone();
    clean.stats.successes = clean.stats.operations;
    assert_ne!(judge(&slo, &clean, offered).unwrap().limit, Some(Limit::Errors));
}

/// A target that falls behind: a queue (arrivals on a schedule, as the open model
/// offers them; lognormal service of 1 ms) offered 3 % more than it serves
/// completes some 97 % of the offered rate over a probe of about 6 s, more than the
/// SLO's 95 %; its backlog grows all the same, its latency rising some 30 ms a
/// second (between 11 and 40 over these seeds: the service time's random walk), so
/// it fails for not keeping up, whether or not its p95 has crossed 200 ms yet. At
/// 95 % the same queue holds. 20 seeds each.
#[test]
fn a_probe_whose_backlog_grows_fails_for_not_keeping_up() {
    for seed in 0..20 {
        let mut rng = Rng::new(seed);
        let mut run = |rho| {
            let queue = Queue { rho, service_ms: 1.0, service: Service::Lognormal, requests: 6_000 };
            let result = queue.run_on_schedule("probe", &mut rng).workloads[0].result().clone();
            judge(&http_slo(), &result, rho * 1_000.0).unwrap()
        };
        let over = run(1.03);
        assert_eq!((over.outcome, over.limit), (ProbeOutcome::Fail, Some(Limit::NotKeepingUp)), "{}", over.reason);
        assert!(over.reason.starts_with("fell behind by"), "{}", over.reason);
        assert!(over.achieved_per_s > 1_030.0 * 0.95, "{}", over.achieved_per_s);
        let under = run(0.95);
        assert_eq!(under.outcome, ProbeOutcome::Pass, "{}", under.reason);
    }
}

/// A cache's SLO holds its reads' latency, which each window keeps (its writes go
/// to the database): a probe whose reads hold the bound passes though its writes
/// would break it; a probe whose windows keep no reads is judged on every
/// operation, and says so.
#[test]
fn a_cache_probe_is_judged_on_its_reads() {
    use common::synth::{histogram_of, latencies, windowed_report, WindowSpec};
    use perfproof_shared::{Latency, TimeUnit};
    let mut rng = Rng::new(7);
    let specs: Vec<WindowSpec> = (0..10)
        .map(|_| WindowSpec { duration_s: 1.0, samples: latencies(&mut rng, 500, 2_000.0, 1.0), errors: 0 })
        .collect();
    let mut result = windowed_report("probe", &specs, 1.0, &mut rng).workloads[0].result().clone();
    let mut slo = Slo::default_for(&CacheResult::INFO);
    assert_eq!(slo.part.as_deref(), Some("read"));
    assert!(slo.text().starts_with("read p99 < 10.00 ms"), "{}", slo.text());
    // Every operation's p99 is some 6.4 ms; the reads', a quarter of it.
    slo.latency_ms = 4.0;
    let everything = judge(&slo, &result, 500.0).unwrap();
    assert_eq!(
        (everything.outcome, everything.limit),
        (ProbeOutcome::Fail, Some(Limit::Latency)),
        "{}",
        everything.reason
    );
    assert!(everything.evidence.contains("every operation's"), "{}", everything.evidence);
    for (window, spec) in result.windows.iter_mut().zip(&specs) {
        let reads: Vec<u64> = spec.samples.iter().map(|s| s / 4).collect();
        window
            .parts
            .insert("read".into(), Latency::from_histogram(&histogram_of(&reads), TimeUnit::Microseconds).unwrap());
    }
    let reads = judge(&slo, &result, 500.0).unwrap();
    assert_eq!((reads.outcome, reads.evidence.as_str()), (ProbeOutcome::Pass, "10 windows"), "{}", reads.reason);
    assert_eq!(reads.latency.summary.count, 5_000);
    assert!(reads.latency.summary.p99 < result.stats.latency.summary.p99 / 3, "{:?}", reads.latency.summary);
}
