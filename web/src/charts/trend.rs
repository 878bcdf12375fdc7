//! A metric's trend over a history of runs: its value at each run against the
//! time since the first run, the slope per day and its interval in the title,
//! all from `perfproof_shared::trend` (the page draws the points; it fits nothing).

use leptos::prelude::*;
use perfproof_shared::trend::Trend;

use super::{figure, tick, LineChart, Row, Series, Stroke, OPTIMIZED};

/// The time axis for a history spanning `span_s` seconds: its label and the
/// seconds of its unit (seconds, hours or days, whichever reads best).
fn time_axis(span_s: f64) -> (&'static str, f64) {
    if span_s >= 2.0 * 86_400.0 {
        ("time since the first run (days)", 86_400.0)
    } else if span_s >= 2.0 * 3_600.0 {
        ("time since the first run (h)", 3_600.0)
    } else {
        ("time since the first run (s)", 1.0)
    }
}

/// The slope per day with its interval, as `perfproof history` writes it, or
/// why there is none.
pub fn slope_text(trend: &Trend) -> String {
    trend.slope_per_day.map_or("n/a (needs 3 runs)".into(), |(s, ci)| {
        format!("{s:+.3} [{:+.3}, {:+.3}] {}/day", ci.low, ci.high, trend.unit)
    })
}

/// One trend's chart: a point per run, with the table of the runs' values.
pub fn trend_chart(trend: &Trend) -> AnyView {
    let (x_desc, unit_s) = time_axis(trend.points.last().map_or(0.0, |p| p.t_s));
    let x = |t_s: f64| t_s / unit_s;
    let rows =
        trend.points.iter().map(|p| Row { label: p.label.clone(), x: x(p.t_s), values: vec![Some(p.value)] }).collect();
    let points = trend.points.iter().map(|p| (x(p.t_s), p.value)).collect();
    let worsening = if trend.worsening { ", worsening" } else { "" };
    let chart = LineChart {
        title: format!("{}: slope {}{worsening}", trend.key, slope_text(trend)),
        x_desc,
        y_desc: format!("{} ({})", trend.key.rsplit('.').next().unwrap_or_default(), trend.unit),
        y_unit: trend.unit.clone(),
        x_tick: tick,
        series: vec![Series { run: "measured", part: None, colour: OPTIMIZED, stroke: Stroke::Solid, points }],
    };
    figure("chart-trend", chart, "run", 3, rows)
}
