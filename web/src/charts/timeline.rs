//! The timeline: each workload's operations per second, baseline and optimized on
//! one time axis (seconds since the start of measurement).

use std::collections::BTreeMap;

use leptos::prelude::*;
use perfproof_shared::charts::{timeline, TimelineSeries};
use perfproof_shared::Report;

use super::{figure, whole_tick, LineChart, Row};

fn line(series: Option<&TimelineSeries>) -> Vec<(f64, f64)> {
    series.map(|s| s.points.iter().map(|p| (f64::from(p.second), p.operations_per_s)).collect()).unwrap_or_default()
}

/// One timeline chart per workload of the baseline (with the optimized run's
/// workload of the same name).
pub fn timeline_charts(baseline: &Report, optimized: &Report) -> AnyView {
    let after = timeline(optimized);
    timeline(baseline)
        .iter()
        .map(|b| {
            let a = after.iter().find(|a| a.name == b.name);
            let mut seconds = BTreeMap::<u32, [Option<f64>; 2]>::new();
            for (run, series) in [Some(b), a].into_iter().enumerate() {
                for p in series.into_iter().flat_map(|s| &s.points) {
                    seconds.entry(p.second).or_default()[run] = Some(p.operations_per_s);
                }
            }
            let rows = seconds
                .into_iter()
                .map(|(second, values)| Row { label: second.to_string(), x: f64::from(second), values })
                .collect();
            let chart = LineChart {
                title: format!("Operations per second, {}", b.name),
                x_desc: "time since the start of measurement (s)",
                y_desc: "operations (1/s)",
                y_unit: "1/s",
                x_tick: whole_tick,
                lines: [line(Some(b)), line(a)],
            };
            figure("chart-timeline", chart, "second", 0, rows)
        })
        .collect_view()
        .into_any()
}
