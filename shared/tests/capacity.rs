//! Capacity judgement: an SLO's fields checked by name, each tier's default, a
//! probe passing, failing or staying unresolved by its intervals, and a probe
//! whose generator saturated never taken for the service's capacity.

mod common;

use perfproof_shared::capacity::{judge, CapacitySearch, Limit, ProbeOutcome, Slo};
use perfproof_shared::report::{CacheResult, DbResult, HttpResult, LoadResult, MlResult, WorkloadKind};

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
        .map(|info| Slo::default_for(info))
        .iter()
        .map(|slo| (slo.percentile.clone(), slo.latency_ms))
        .collect();
    let expected = [("p95", 200.0), ("p90", 50.0), ("p95", 500.0), ("p99", 10.0)].map(|(p, l)| (p.to_string(), l));
    assert_eq!(defaults, expected);
    assert!(http_slo().check().is_ok());
    let cases: [(fn(&mut Slo), &str); 6] = [
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
