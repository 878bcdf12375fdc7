//! Calibration of the verdicts on autocorrelated data: a single-server FIFO queue
//! (Poisson arrivals, exponential service) whose requests' sojourn times are
//! recorded into time windows by completion time, 50 000 requests per side.
//! A/A: no metric is called improved or regressed in more than 5 % of 200 seeded
//! trials and the interval covers zero in at least 93 %; A/B: 20 % shorter service
//! is found at p50, p90 and p95 in at least 90 %.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::synth::{Queue, Rng, Service};
use perfproof_shared::compare::{compare, CompareSettings, EvidenceKind, Verdict};

const KEYS: [&str; 5] = [
    "http.api.latency.p50",
    "http.api.latency.p90",
    "http.api.latency.p95",
    "http.api.latency.p99",
    "http.api.throughput_rps",
];
const TRIALS: u64 = 200;

/// Most false calls and fewest intervals covering zero allowed in 200 A/A trials,
/// for every metric: 5 % and 93 %.
const MOST_FALSE_CALLS: u32 = 10;
const LEAST_COVERED: u32 = 186;

fn queue(rho: f64) -> Queue {
    Queue { rho, service_ms: 10.0, service: Service::Exponential, requests: 50_000 }
}

#[test]
fn a_a_on_queued_data_holds_its_error_rates() {
    for rho in [0.5, 0.8, 0.9] {
        let (mut false_calls, mut covered) = ([0u32; 5], [0u32; 5]);
        for seed in 0..TRIALS {
            let mut rng = Rng::new(seed * 1_000 + (rho * 100.0) as u64);
            let a = queue(rho).run("a", &mut rng);
            let b = queue(rho).run("b", &mut rng);
            let c = compare(&a, &b, CompareSettings::default()).unwrap();
            for (k, key) in KEYS.iter().enumerate() {
                let m = c.get(key).unwrap();
                assert_eq!(m.evidence.unwrap().kind, EvidenceKind::Windows, "{key}");
                if matches!(m.verdict, Verdict::Improved | Verdict::Regressed) {
                    false_calls[k] += 1;
                }
                if m.interval.is_some_and(|i| i.low <= 0.0 && 0.0 <= i.high) {
                    covered[k] += 1;
                }
            }
        }
        for (k, key) in KEYS.iter().enumerate() {
            eprintln!("A/A ρ={rho} {key}: {} false calls, zero covered {} of {TRIALS}", false_calls[k], covered[k]);
        }
        for (k, key) in KEYS.iter().enumerate() {
            assert!(false_calls[k] <= MOST_FALSE_CALLS, "ρ={rho} {key}: {} false calls of {TRIALS}", false_calls[k]);
            assert!(covered[k] >= LEAST_COVERED, "ρ={rho} {key}: zero covered in {} of {TRIALS}", covered[k]);
        }
    }
}

#[test]
fn a_b_on_queued_data_finds_a_20_percent_shorter_service() {
    for rho in [0.5, 0.8, 0.9] {
        let mut found = [0u32; 3];
        for seed in 0..TRIALS {
            let mut rng = Rng::new(seed * 1_000 + 7 + (rho * 100.0) as u64);
            let a = queue(rho).run("a", &mut rng);
            let b = queue(rho).served_in(0.8).run("b", &mut rng);
            let c = compare(&a, &b, CompareSettings::default()).unwrap();
            for (k, key) in KEYS[..3].iter().enumerate() {
                if c.get(key).unwrap().verdict == Verdict::Improved {
                    found[k] += 1;
                }
            }
        }
        for (k, key) in KEYS[..3].iter().enumerate() {
            eprintln!("A/B ρ={rho} {key}: improved in {} of {TRIALS}", found[k]);
            assert!(found[k] >= 180, "ρ={rho} {key}: improved in only {} of {TRIALS}", found[k]);
        }
    }
}
