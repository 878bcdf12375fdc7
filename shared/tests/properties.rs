//! Property tests: the share codec round-trips, the order-statistic interval covers
//! the true quantile at about its nominal rate, grades follow their boundaries.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::synth::{histogram_of, Rng};
use perfproof_shared::share::{decode, encode, SharePayload, ViewSettings};
use perfproof_shared::stats::quantile_interval;
use perfproof_shared::targets::Grade;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn share_codec_round_trips(label in "[a-zA-Z0-9 _.-]{0,40}", threshold in proptest::option::of(0.0f64..50.0),
                               baseline in proptest::option::of(0usize..1)) {
        let mut report = common::sample_report();
        report.run.label = label;
        let payload = SharePayload {
            reports: vec![report],
            view: ViewSettings { baseline, optimized: baseline, threshold_pct: threshold, ..ViewSettings::default() },
        };
        prop_assert_eq!(decode(&encode(&payload)).unwrap(), payload);
    }

    #[test]
    fn damaged_links_are_errors_not_panics(text in ".{0,200}") {
        let _ = decode(&text);
        let _ = decode(&format!("pp1.{text}"));
    }

    #[test]
    fn grades_follow_their_boundaries(pct in 0.0f64..=100.0) {
        let grade = Grade::of(pct);
        let expected = match pct {
            p if p >= 100.0 => Grade::APlus,
            p if p >= 90.0 => Grade::A,
            p if p >= 80.0 => Grade::BPlus,
            p if p >= 70.0 => Grade::B,
            p if p >= 60.0 => Grade::C,
            _ => Grade::D,
        };
        prop_assert_eq!(grade, expected);
    }
}

#[test]
fn grade_boundaries_are_exact() {
    assert_eq!(Grade::of(100.0), Grade::APlus);
    assert_eq!(Grade::of(99.99), Grade::A);
    assert_eq!(Grade::of(90.0), Grade::A);
    assert_eq!(Grade::of(89.99), Grade::BPlus);
    assert_eq!(Grade::of(80.0), Grade::BPlus);
    assert_eq!(Grade::of(70.0), Grade::B);
    assert_eq!(Grade::of(60.0), Grade::C);
    assert_eq!(Grade::of(59.99), Grade::D);
}

/// Coverage on synthetic data: for uniform values on 1..=1 000 000 (true median
/// 500 000, true p90 900 000), 95 % intervals from 2 000 samples cover the truth in
/// 90–99.5 % of 400 seeded samples (nominal 95 %, plus histogram resolution).
#[test]
fn quantile_intervals_cover_at_about_the_nominal_rate() {
    for (q, truth) in [(0.5, 500_000.0), (0.9, 900_000.0)] {
        let mut covered = 0;
        for seed in 0..400u64 {
            let mut rng = Rng::new(seed * 7 + 1);
            let samples: Vec<u64> = (0..2_000).map(|_| 1 + (rng.uniform() * 1_000_000.0) as u64).collect();
            let ci = quantile_interval(&histogram_of(&samples), q, 0.95).unwrap();
            if ci.low <= truth && truth <= ci.high {
                covered += 1;
            }
        }
        assert!((360..=398).contains(&covered), "q={q}: covered {covered} of 400");
    }
}
