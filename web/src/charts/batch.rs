//! The ML workload's batch charts: samples per second and per-request p95
//! latency against batch size, baseline and optimized.

use leptos::prelude::*;
use perfproof_shared::charts::curves;
use perfproof_shared::report::{BatchCurve, BatchSizePoint, MlResult};
use perfproof_shared::Report;

use super::{runs, size_chart, whole_tick, SizeChart};

fn line(curve: Option<&BatchCurve>, value: fn(&BatchSizePoint) -> f64) -> Vec<(f64, f64)> {
    curve.map(|c| c.points.iter().map(|p| (f64::from(p.batch_size), value(p))).collect()).unwrap_or_default()
}

/// Throughput and latency against batch size, per ML workload of the baseline.
pub fn batch_charts(baseline: &Report, optimized: &Report) -> AnyView {
    let after = curves::<MlResult>(optimized);
    curves::<MlResult>(baseline)
        .iter()
        .map(|b| {
            let a = after.iter().find(|a| a.name == b.name);
            let chart = |title: &str, testid, y_desc, y_unit| SizeChart {
                title: format!("{title} against batch size, {}", b.name),
                testid,
                x_desc: "batch size (samples per request)",
                x_header: "batch size",
                y_desc,
                y_unit,
                x_tick: whole_tick,
                decimals: 1,
            };
            let samples = |p: &BatchSizePoint| p.samples_per_s;
            let p95 = |p: &BatchSizePoint| p.p95_ms;
            view! {
                {size_chart(
                    chart("Samples per second", "chart-batch-throughput", "samples (1/s)", "samples/s"),
                    runs([line(Some(b), samples), line(a, samples)]),
                )}
                {size_chart(
                    chart("Request latency p95", "chart-batch-latency", "p95 per request (ms)", "ms"),
                    runs([line(Some(b), p95), line(a, p95)]),
                )}
            }
        })
        .collect_view()
        .into_any()
}
