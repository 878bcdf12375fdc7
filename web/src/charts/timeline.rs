//! The timelines: for each workload, baseline and optimized on one time axis
//! (seconds since the start of measurement), in three charts over the same
//! seconds: operations per second, errors per second, and the p50, p95 and p99
//! latency of each second. The per-second values are `perfproof_shared::charts::timeline`'s.

use leptos::prelude::*;
use perfproof_shared::charts::{timeline, SecondPoint, TimelineSeries};
use perfproof_shared::Report;

use super::{figure, rows_by_x, runs, whole_tick, LineChart, Series, Stroke, RUNS};

/// One value of each second of `series` (none when the run lacks the workload).
fn line(series: Option<&TimelineSeries>, value: Value) -> Vec<(f64, f64)> {
    series.map(|s| s.points.iter().map(|p| (f64::from(p.second), value(p))).collect()).unwrap_or_default()
}

/// One value of a second.
type Value = fn(&SecondPoint) -> f64;

/// The percentiles of the latency chart: name, value, stroke.
const PERCENTILES: [(&str, Value, Stroke); 3] = [
    ("p50", |p| p.p50_ms, Stroke::Dotted),
    ("p95", |p| p.p95_ms, Stroke::Solid),
    ("p99", |p| p.p99_ms, Stroke::Dashed),
];

/// A timeline chart of one workload and its table.
fn chart(
    testid: &'static str,
    title: String,
    y_desc: &str,
    y_unit: &str,
    decimals: usize,
    series: Vec<Series>,
) -> AnyView {
    let rows = rows_by_x(&series, whole_tick);
    let chart = LineChart {
        title,
        x_desc: "time since the start of measurement (s)",
        y_desc: y_desc.into(),
        y_unit: y_unit.into(),
        x_tick: whole_tick,
        series,
    };
    figure(testid, chart, "second", decimals, rows)
}

/// The timeline charts of each workload of the baseline (with the optimized
/// run's workload of the same name).
pub fn timeline_charts(baseline: &Report, optimized: &Report) -> AnyView {
    let after = timeline(optimized);
    timeline(baseline)
        .iter()
        .map(|b| {
            let a = after.iter().find(|a| a.name == b.name);
            let both = |value: Value| runs([line(Some(b), value), line(a, value)]);
            let latency = RUNS
                .iter()
                .zip([Some(b), a])
                .flat_map(|(&(run, colour), side)| {
                    PERCENTILES.iter().map(move |&(part, value, stroke)| Series {
                        run,
                        part: Some(part),
                        colour,
                        stroke,
                        points: line(side, value),
                    })
                })
                .collect();
            view! {
                <div class="timeline" data-testid="timeline" data-workload=b.name.clone()>
                    {chart("chart-timeline", format!("Operations per second, {}", b.name), "operations (1/s)", "1/s", 0, both(|p| p.operations_per_s))}
                    {chart("chart-timeline-errors", format!("Errors per second, {}", b.name), "errors (1/s)", "1/s", 0, both(|p| p.errors as f64))}
                    {chart("chart-timeline-latency", format!("Latency of each second, p50, p95 and p99, {}", b.name), "latency (ms)", "ms", 3, latency)}
                </div>
            }
        })
        .collect_view()
        .into_any()
}
