//! The database workload's pool charts: transactions per second and pool
//! efficiency against pool size, baseline and optimized (each pool size's best
//! point over the load levels a sweep ran; a single run is one point).

use std::collections::BTreeMap;

use leptos::prelude::*;
use perfproof_shared::charts::{pool_curves, PoolCurve, PoolPoint};
use perfproof_shared::Report;

use super::{figure, LineChart, Row};

/// A pool-size tick: the whole numbers only.
fn size_tick(value: &f64) -> String {
    super::whole_tick(value)
}

fn chart(
    title: String,
    testid: &'static str,
    y_desc: &'static str,
    y_unit: &'static str,
    curves: [Option<&PoolCurve>; 2],
    value: fn(&PoolPoint) -> f64,
) -> AnyView {
    let line = |curve: Option<&PoolCurve>| -> Vec<(f64, f64)> {
        curve.map(|c| c.points.iter().map(|p| (f64::from(p.pool_size), value(p))).collect()).unwrap_or_default()
    };
    let mut sizes = BTreeMap::<u32, [Option<f64>; 2]>::new();
    for (run, curve) in curves.into_iter().enumerate() {
        for p in curve.into_iter().flat_map(|c| &c.points) {
            sizes.entry(p.pool_size).or_default()[run] = Some(value(p));
        }
    }
    let rows =
        sizes.into_iter().map(|(size, values)| Row { label: size.to_string(), x: f64::from(size), values }).collect();
    let lines = [line(curves[0]), line(curves[1])];
    let chart = LineChart { title, x_desc: "pool size (connections)", y_desc, y_unit, x_tick: size_tick, lines };
    figure(testid, chart, "pool size", 1, rows)
}

/// Throughput and efficiency against pool size, per database workload of the baseline.
pub fn pool_charts(baseline: &Report, optimized: &Report) -> AnyView {
    let after = pool_curves(optimized);
    pool_curves(baseline)
        .iter()
        .map(|b| {
            let a = after.iter().find(|a| a.name == b.name);
            view! {
                {chart(
                    format!("Transactions per second against pool size, {}", b.name),
                    "chart-pool-throughput",
                    "transactions (1/s)",
                    "tx/s",
                    [Some(b), a],
                    |p| p.throughput_per_s,
                )}
                {chart(
                    format!("Pool efficiency against pool size, {}", b.name),
                    "chart-pool-efficiency",
                    "efficiency: hold / (wait + hold) (%)",
                    "%",
                    [Some(b), a],
                    |p| p.efficiency_pct,
                )}
            }
        })
        .collect_view()
        .into_any()
}
