//! Synthetic reports drawn from known distributions, with a seeded generator, for
//! the statistical tests (A/A, A/B, merge, coverage).

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use perfproof_shared::latency::new_histogram;
use perfproof_shared::report::{LoadResult, OperationStats, TimelinePoint, Window, Workload, HTTP_BYTES_RECEIVED};
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
    let Workload::Http(http) = &mut report.workloads[0] else { panic!("expected an http workload") };
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

/// One time window of a synthetic run.
pub struct WindowSpec {
    pub duration_s: f64,
    /// Latencies of its successful requests, in microseconds.
    pub samples: Vec<u64>,
    pub errors: u64,
}

/// A report whose one HTTP workload is made of `windows` (in time order, each
/// `window_s` long but maybe the last): whole-run figures, windows and a timeline
/// (each window's successes spread evenly over its whole seconds) all agree.
pub fn windowed_report(label: &str, windows: &[WindowSpec], window_s: f64, rng: &mut Rng) -> Report {
    let mut report = super::sample_report();
    report.run.label = label.into();
    report.run.run_id = uuid::Uuid::from_u128(rng.next_u64() as u128);
    let Workload::Http(http) = &mut report.workloads[0] else { panic!("expected an http workload") };
    let mut whole = new_histogram();
    let mut result_windows = Vec::with_capacity(windows.len());
    let mut timeline = Vec::new();
    let (mut successes, mut errors, mut duration) = (0u64, 0u64, 0.0);
    for (index, spec) in windows.iter().enumerate() {
        let histogram = histogram_of(&spec.samples);
        whole.add(&histogram).unwrap();
        let ok = spec.samples.len() as u64;
        result_windows.push(Window {
            trial: 0,
            index: index as u32,
            duration_s: spec.duration_s,
            operations: ok + spec.errors,
            errors: spec.errors,
            latency: Latency::from_histogram(&histogram, TimeUnit::Microseconds).unwrap(),
            parts: Default::default(),
            proportions: Default::default(),
        });
        let seconds = spec.duration_s.round().max(1.0) as u64;
        for s in 0..seconds {
            let share = |total: u64| total * (s + 1) / seconds - total * s / seconds;
            timeline.push(TimelinePoint {
                second: timeline.len() as u32,
                operations: share(ok) + share(spec.errors),
                errors: share(spec.errors),
                p50_us: 0,
                p95_us: 0,
                p99_us: 0,
            });
        }
        successes += ok;
        errors += spec.errors;
        duration += spec.duration_s;
    }
    let stats = OperationStats {
        operations: successes + errors,
        successes,
        errors: if errors > 0 { BTreeMap::from([("timeout".to_string(), errors)]) } else { BTreeMap::new() },
        codes: BTreeMap::from([("200".to_string(), successes)]),
        counters: BTreeMap::from([(HTTP_BYTES_RECEIVED.to_string(), successes * 512)]),
        latency: Latency::from_histogram(&whole, TimeUnit::Microseconds).unwrap(),
    };
    http.endpoints[0].stats = stats.clone();
    http.result = LoadResult {
        duration_s: duration,
        throughput_per_s: successes as f64 / duration,
        stats,
        timeline,
        windows: result_windows,
        window_s,
        ..http.result.clone()
    };
    report
}

/// Service time distribution of the queue.
#[derive(Debug, Clone, Copy)]
pub enum Service {
    Exponential,
    /// Lognormal with σ = 0.5 (same mean).
    Lognormal,
}

/// The two endpoints of [`Queue::run_two_endpoints`].
pub const ENDPOINTS: [&str; 2] = ["common", "rare"];

/// A single-server FIFO queue (M/M/1 or M/G/1): Poisson arrivals at utilisation
/// `rho` of a server whose mean service time is `service_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Queue {
    pub rho: f64,
    pub service_ms: f64,
    pub service: Service,
    /// Measured requests (after a warm-up of 2 000 that are not recorded).
    pub requests: usize,
}

impl Queue {
    /// Arrival rate per millisecond.
    fn arrival_rate(&self) -> f64 {
        self.rho / self.service_ms
    }

    /// The same arrivals served `factor` times as fast (e.g. 0.8: 20 % shorter service).
    pub fn served_in(self, factor: f64) -> Queue {
        Queue { rho: self.rho * factor, service_ms: self.service_ms * factor, ..self }
    }

    /// One run: each request's sojourn time (wait + service) recorded in the window
    /// of its completion; about 30 windows of whole seconds, the last one holding
    /// the completions after the last arrival's window (often short).
    pub fn run(&self, label: &str, rng: &mut Rng) -> Report {
        let (windows, window_s, _) = self.simulate(rng, true, 0.0);
        windowed_report(label, &windows, window_s, rng)
    }

    /// As [`Queue::run`], but its arrivals evenly spaced, as the runner's open model
    /// offers them, rather than Poisson.
    pub fn run_on_schedule(&self, label: &str, rng: &mut Rng) -> Report {
        let (windows, window_s, _) = self.simulate(rng, false, 0.0);
        windowed_report(label, &windows, window_s, rng)
    }

    /// As [`Queue::run`], each request going to one of two endpoints of the same
    /// server, `rare` (a share `rare_share` of the requests, drawn at random) or
    /// `common`: their latencies share the queue's autocorrelation. Each window
    /// keeps each endpoint's latency, as the runner's windows do.
    pub fn run_two_endpoints(&self, label: &str, rng: &mut Rng, rare_share: f64) -> Report {
        let (windows, window_s, rare) = self.simulate(rng, true, rare_share);
        let mut report = windowed_report(label, &windows, window_s, rng);
        let Workload::Http(http) = &mut report.workloads[0] else { panic!("expected an http workload") };
        let template = http.endpoints[0].clone();
        let mut wholes = [new_histogram(), new_histogram()];
        for ((window, spec), rare) in http.result.windows.iter_mut().zip(&windows).zip(&rare) {
            let mut split = [Vec::new(), Vec::new()];
            for (&sample, &is_rare) in spec.samples.iter().zip(rare) {
                split[usize::from(is_rare)].push(sample);
            }
            for (i, name) in ENDPOINTS.iter().enumerate() {
                let h = histogram_of(&split[i]);
                wholes[i].add(&h).unwrap();
                window
                    .parts
                    .insert(format!("endpoint.{name}"), Latency::from_histogram(&h, TimeUnit::Microseconds).unwrap());
            }
        }
        http.endpoints = ENDPOINTS
            .iter()
            .zip(&wholes)
            .map(|(name, h)| {
                let mut endpoint = template.clone();
                endpoint.name = name.to_string();
                let n = h.len();
                endpoint.stats = OperationStats {
                    operations: n,
                    successes: n,
                    errors: BTreeMap::new(),
                    codes: BTreeMap::from([("200".to_string(), n)]),
                    counters: BTreeMap::from([(HTTP_BYTES_RECEIVED.to_string(), n * 512)]),
                    latency: Latency::from_histogram(h, TimeUnit::Microseconds).unwrap(),
                };
                endpoint
            })
            .collect();
        report
    }

    /// The queue's windows and their length, and for each window's samples
    /// whether it went to the rare endpoint (a share `rare_share` of them).
    fn simulate(&self, rng: &mut Rng, poisson: bool, rare_share: f64) -> (Vec<WindowSpec>, f64, Vec<Vec<bool>>) {
        const WARM_UP: usize = 2_000;
        let rate = self.arrival_rate();
        let service = |rng: &mut Rng| match self.service {
            Service::Exponential => -self.service_ms * rng.uniform().ln(),
            // E[exp(σZ)] = exp(σ²/2): scaled so that the mean is service_ms.
            Service::Lognormal => self.service_ms * (0.5 * rng.normal() - 0.125).exp(),
        };
        let (mut arrival, mut free_at) = (0.0f64, 0.0f64);
        let mut done: Vec<(f64, f64, bool)> = Vec::with_capacity(self.requests);
        let mut start = 0.0;
        for i in 0..WARM_UP + self.requests {
            arrival += if poisson { -rng.uniform().ln() } else { 1.0 } / rate;
            let begin = arrival.max(free_at);
            free_at = begin + service(rng);
            if i == WARM_UP {
                start = arrival;
            }
            if i >= WARM_UP {
                let rare = rare_share > 0.0 && rng.uniform() < rare_share;
                done.push((free_at, free_at - arrival, rare));
            }
        }
        let arrivals_ms = arrival - start;
        let window_s = (arrivals_ms / 1_000.0 / 30.0).floor().max(1.0);
        let window_ms = window_s * 1_000.0;
        let end_ms = done.iter().map(|d| d.0).fold(0.0, f64::max) - start;
        let count = (end_ms / window_ms).floor() as usize + 1;
        let mut windows: Vec<WindowSpec> = (0..count)
            .map(|k| WindowSpec {
                duration_s: (end_ms - k as f64 * window_ms).min(window_ms) / 1_000.0,
                samples: Vec::new(),
                errors: 0,
            })
            .collect();
        let mut rare = vec![Vec::new(); count];
        for (completed, sojourn, is_rare) in done {
            let k = (((completed - start) / window_ms).floor() as usize).min(count - 1);
            windows[k].samples.push((sojourn * 1_000.0).round() as u64);
            rare[k].push(is_rare);
        }
        (windows, window_s, rare)
    }
}
