//! Synthetic reports drawn from known distributions, with a seeded generator, for
//! the statistical tests (A/A, A/B, merge, coverage).

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use perfproof_shared::latency::new_histogram;
use perfproof_shared::report::{LoadResult, OperationStats, TimelinePoint, Workload, HTTP_BYTES_RECEIVED};
use perfproof_shared::{Latency, Report, TimeUnit};

/// SplitMix64: small, fast, seeded, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// `n` latencies in microseconds, lognormal with median `median_us` and σ = 0.5, times `scale`.
pub fn latencies(rng: &mut Rng, n: usize, median_us: f64, scale: f64) -> Vec<u64> {
    (0..n).map(|_| ((median_us.ln() + 0.5 * rng.normal()).exp() * scale).round().max(1.0) as u64).collect()
}

pub fn histogram_of(samples: &[u64]) -> Histogram<u64> {
    let mut h = new_histogram();
    for &s in samples {
        h.record(s).unwrap();
    }
    h
}

/// A report whose one HTTP workload holds `samples`, spread over `seconds`
/// seconds, with `errors` failed requests.
pub fn report(label: &str, name: &str, samples: &[u64], seconds: u32, errors: u64, rng: &mut Rng) -> Report {
    let mut report = super::sample_report();
    report.run.label = label.into();
    report.run.run_id = uuid::Uuid::from_u128(rng.next_u64() as u128);
    let Workload::Http(http) = &mut report.workloads[0];
    let latency = Latency::from_histogram(&histogram_of(samples), TimeUnit::Microseconds).unwrap();
    let successes = samples.len() as u64;
    let stats = OperationStats {
        operations: successes + errors,
        successes,
        errors: if errors > 0 { BTreeMap::from([("http5xx".to_string(), errors)]) } else { BTreeMap::new() },
        codes: BTreeMap::from([("200".to_string(), successes)]),
        counters: BTreeMap::from([(HTTP_BYTES_RECEIVED.to_string(), successes * 512)]),
        latency,
    };
    // Per-second counts: the total split evenly, with ±5 % noise that sums to zero.
    let per_second = successes as f64 / seconds as f64;
    let mut timeline: Vec<TimelinePoint> = (0..seconds)
        .map(|second| TimelinePoint {
            second,
            operations: (per_second * (1.0 + 0.05 * rng.normal())).max(0.0).round() as u64,
            errors: 0,
            p50_us: 0,
            p95_us: 0,
            p99_us: 0,
        })
        .collect();
    if let Some(last) = timeline.last_mut() {
        last.errors = errors.min(last.operations);
    }
    http.name = name.into();
    http.endpoints = vec![perfproof_shared::report::EndpointResult {
        name: "default".into(),
        method: "GET".into(),
        url: "http://127.0.0.1:8080/".into(),
        weight: 1,
        stats: stats.clone(),
    }];
    http.result =
        LoadResult { duration_s: seconds as f64, throughput_per_s: per_second, stats, timeline, ..http.result.clone() };
    report
}
