//! The database workload's pool charts: transactions per second and pool
//! efficiency against pool size, baseline and optimized (each pool size's best
//! point over the load levels a sweep ran; a single run is one point).

use leptos::prelude::*;
use perfproof_shared::charts::curves;
use perfproof_shared::report::{DbResult, PoolCurve, PoolPoint};
use perfproof_shared::Report;

use super::{runs, size_chart, whole_tick, SizeChart};

fn line(curve: Option<&PoolCurve>, value: fn(&PoolPoint) -> f64) -> Vec<(f64, f64)> {
    curve.map(|c| c.points.iter().map(|p| (f64::from(p.pool_size), value(p))).collect()).unwrap_or_default()
}

/// Throughput and efficiency against pool size, per database workload of the baseline.
pub fn pool_charts(baseline: &Report, optimized: &Report) -> AnyView {
    let after = curves::<DbResult>(optimized);
    curves::<DbResult>(baseline)
        .iter()
        .map(|b| {
            let a = after.iter().find(|a| a.name == b.name);
            let chart = |title: &str, testid, y_desc, y_unit| SizeChart {
                title: format!("{title} against pool size, {}", b.name),
                testid,
                x_desc: "pool size (connections)",
                x_header: "pool size",
                y_desc,
                y_unit,
                x_tick: whole_tick,
                decimals: 1,
            };
            let throughput = |p: &PoolPoint| p.throughput_per_s;
            let efficiency = |p: &PoolPoint| p.efficiency_pct;
            view! {
                {size_chart(
                    chart("Transactions per second", "chart-pool-throughput", "transactions (1/s)", "tx/s"),
                    runs([line(Some(b), throughput), line(a, throughput)]),
                )}
                {size_chart(
                    chart("Pool efficiency", "chart-pool-efficiency", "efficiency: hold / (wait + hold) (%)", "%"),
                    runs([line(Some(b), efficiency), line(a, efficiency)]),
                )}
            }
        })
        .collect_view()
        .into_any()
}
