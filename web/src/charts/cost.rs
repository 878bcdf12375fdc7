//! The cost projection: the daily cost of baseline and optimized over 30 days.

use leptos::prelude::*;
use perfproof_shared::charts::{cost_projection, DailyCost};
use perfproof_shared::cost::CostComparison;

use super::{figure, rows_by_x, runs, whole_tick, LineChart};

/// The daily cost chart of a cost comparison.
pub fn cost_chart(cost: &CostComparison) -> AnyView {
    let days = cost_projection(cost);
    let line = |usd: fn(&DailyCost) -> f64| days.iter().map(|d| (f64::from(d.day), usd(d))).collect::<Vec<_>>();
    let series = runs([line(|d| d.baseline_usd), line(|d| d.optimized_usd)]);
    let rows = rows_by_x(&series, whole_tick);
    let chart = LineChart {
        title: "Projected daily cost over 30 days".into(),
        x_desc: "day",
        y_desc: "cost per day (USD)".into(),
        y_unit: "USD".into(),
        x_tick: whole_tick,
        series,
    };
    figure("chart-cost", chart, "day", 2, rows)
}
