//! The timeline: each workload's operations per second, baseline and optimized on
//! one time axis (seconds since the start of measurement).

use leptos::prelude::*;
use perfproof_shared::charts::{timeline, TimelineSeries};
use perfproof_shared::Report;

use super::{figure, rows_by_x, runs, whole_tick, LineChart};

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
            let series = runs([line(Some(b)), line(a)]);
            let rows = rows_by_x(&series, whole_tick);
            let chart = LineChart {
                title: format!("Operations per second, {}", b.name),
                x_desc: "time since the start of measurement (s)",
                y_desc: "operations (1/s)".into(),
                y_unit: "1/s".into(),
                x_tick: whole_tick,
                series,
            };
            figure("chart-timeline", chart, "second", 0, rows)
        })
        .collect_view()
        .into_any()
}
