//! The cost projection: the daily cost of baseline and optimized over 30 days.

use leptos::prelude::*;
use perfproof_shared::charts::{cost_projection, DailyCost};
use perfproof_shared::cost::CostComparison;

use super::{figure, whole_tick, LineChart, Row};

/// The daily cost chart of a cost comparison.
pub fn cost_chart(cost: &CostComparison) -> AnyView {
    let days = cost_projection(cost);
    let line = |usd: fn(&DailyCost) -> f64| days.iter().map(|d| (f64::from(d.day), usd(d))).collect::<Vec<_>>();
    let chart = LineChart {
        title: "Projected daily cost over 30 days".into(),
        x_desc: "day",
        y_desc: "cost per day (USD)",
        y_unit: "USD",
        x_tick: whole_tick,
        lines: [line(|d| d.baseline_usd), line(|d| d.optimized_usd)],
    };
    let rows = days
        .iter()
        .map(|d| Row {
            label: d.day.to_string(),
            x: f64::from(d.day),
            values: [Some(d.baseline_usd), Some(d.optimized_usd)],
        })
        .collect();
    figure("chart-cost", chart, "day", 2, rows)
}
