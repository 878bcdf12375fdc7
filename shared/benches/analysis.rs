//! Criterion benchmarks of the analysis engine: comparing two full reports whose
//! histograms hold 10^7 samples, comparing two reports of 5 trials and 60 windows
//! each (the sectioned intervals), and merging 100 shards.

#[path = "../tests/common/mod.rs"]
mod common;

use common::synth::{latencies, report, windowed_report, Rng, WindowSpec};
use criterion::{criterion_group, criterion_main, Criterion};
use perfproof_shared::analysis::{analyze, AnalysisSettings};
use perfproof_shared::merge::{merge, MergeKind};

fn bench(c: &mut Criterion) {
    let mut rng = Rng::new(42);
    // 10^7 samples: 10^6 drawn values recorded ten times over (same histogram shape).
    let mut samples = latencies(&mut rng, 1_000_000, 20_000.0, 1.0);
    let copy = samples.clone();
    for _ in 0..9 {
        samples.extend_from_slice(&copy);
    }
    let baseline = report("baseline", "api", &samples, 60, 10, &mut rng);
    let optimized_samples: Vec<u64> = samples.iter().map(|s| s * 4 / 5).collect();
    let optimized = report("optimized", "api", &optimized_samples, 60, 3, &mut rng);
    let settings = AnalysisSettings::default();
    c.bench_function("analyze two reports of 10^7 samples", |b| {
        b.iter(|| analyze(&baseline, &optimized, &settings).unwrap())
    });

    // 5 trials of 12 windows of 2 000 requests: 60 windows, 120 000 requests per report.
    let trials = |label: &str, scale: f64, rng: &mut Rng| {
        let runs: Vec<_> = (0..5)
            .map(|_| {
                let windows: Vec<WindowSpec> = (0..12)
                    .map(|_| WindowSpec { duration_s: 5.0, samples: latencies(rng, 2_000, 20_000.0, scale), errors: 2 })
                    .collect();
                windowed_report(label, &windows, 5.0, rng)
            })
            .collect();
        merge(&runs, MergeKind::Trials).unwrap()
    };
    let baseline = trials("baseline", 1.0, &mut rng);
    let optimized = trials("optimized", 0.8, &mut rng);
    c.bench_function("analyze two reports of 5 trials and 60 windows", |b| {
        b.iter(|| analyze(&baseline, &optimized, &settings).unwrap())
    });

    let shards: Vec<_> = (0..100)
        .map(|i| report(&format!("shard{i}"), "api", &latencies(&mut rng, 10_000, 20_000.0, 1.0), 10, 0, &mut rng))
        .collect();
    c.bench_function("merge 100 shards", |b| b.iter(|| merge(&shards, MergeKind::Shards).unwrap()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
