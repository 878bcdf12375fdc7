//! The latency spectrum: each workload's whole-run percentiles, baseline against
//! optimized, on a log "nines" axis (p0 … p99.99), as HdrHistogram plots them.

use leptos::prelude::*;
use perfproof_shared::charts::{spectrum, Spectrum};
use perfproof_shared::Report;

use super::{figure, runs, LineChart, Row};

/// A nines tick as its percentile: 0 → "p0", 2 → "p99", 3 → "p99.9".
fn percentile_tick(nines: &f64) -> String {
    let percentile = ((1.0 - 10f64.powf(-nines)) * 10_000.0).round() / 100.0;
    format!("p{percentile}")
}

fn line(spectrum: Option<&Spectrum>) -> Vec<(f64, f64)> {
    spectrum.map(|s| s.points.iter().map(|p| (p.nines, p.ms)).collect()).unwrap_or_default()
}

/// One spectrum chart per workload of the baseline (with the optimized run's
/// workload of the same name), or why they could not be read.
pub fn spectrum_charts(baseline: &Report, optimized: &Report) -> AnyView {
    let (before, after) = match (spectrum(baseline), spectrum(optimized)) {
        (Ok(before), Ok(after)) => (before, after),
        (Err(e), _) | (_, Err(e)) => {
            return view! { <p class="message error">{format!("No latency spectrum: {e}")}</p> }.into_any()
        }
    };
    before
        .iter()
        .map(|b| {
            let a = after.iter().find(|a| a.name == b.name);
            let rows = b
                .points
                .iter()
                .enumerate()
                .map(|(i, point)| Row {
                    label: format!("p{}", point.percentile()),
                    x: point.percentile(),
                    values: vec![Some(point.ms), a.and_then(|a| a.points.get(i)).map(|p| p.ms)],
                })
                .collect();
            let chart = LineChart {
                title: format!("Latency spectrum, {}", b.name),
                x_desc: "percentile (log scale of nines)",
                y_desc: "latency (ms)".into(),
                y_unit: "ms".into(),
                x_tick: percentile_tick,
                series: runs([line(Some(b)), line(a)]),
            };
            figure("chart-spectrum", chart, "percentile", 3, rows)
        })
        .collect_view()
        .into_any()
}
