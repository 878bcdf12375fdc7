//! The cache workload's capacity charts, against capacity as a share of the
//! keyspace: the hit rate of baseline and optimized with the ideal hit rate
//! (the best any eviction policy could reach at that capacity on that key
//! distribution, as the report states it) as a third series, grey rings at the
//! capacities measured (no line: between them it is not known) and a table
//! column of its own; and the hit and miss latency p95 of both runs (hits
//! dashed, misses solid). A workload none of whose runs has a capacity (Redis,
//! bounded by memory) has no such charts.

use leptos::prelude::*;
use perfproof_shared::charts::curves;
use perfproof_shared::report::{CacheCurve, CacheResult, CapacityPoint};
use perfproof_shared::Report;

use super::{size_chart, tick, Series, SizeChart, Stroke, INK};

/// The points of a run's curve that have a capacity, by capacity in percent of the keyspace.
fn sized(curve: Option<&CacheCurve>) -> Vec<&CapacityPoint> {
    curve.map(|c| c.points.iter().filter(|p| p.capacity_pct.is_some()).collect()).unwrap_or_default()
}

fn line(points: &[&CapacityPoint], value: fn(&CapacityPoint) -> Option<f64>) -> Vec<(f64, f64)> {
    points.iter().filter_map(|p| p.capacity_pct.zip(value(p))).collect()
}

/// The ideal hit rate at every capacity either run measured: the baseline's, or
/// the optimized run's where the baseline has no point at that capacity. The
/// ideal depends on the key distribution only, which comparable runs share
/// (`shared::comparability` warns when they do not).
fn ideal(runs: &[Vec<&CapacityPoint>; 2]) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = Vec::new();
    for (x, y) in runs.iter().flat_map(|run| line(run, |p| p.ideal_hit_rate_pct)) {
        if !points.iter().any(|p| p.0 == x) {
            points.push((x, y));
        }
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

/// Hit rate (with the ideal) and hit and miss latency against capacity, per
/// cache workload of the baseline that either run measured with a capacity.
pub fn cache_charts(baseline: &Report, optimized: &Report) -> AnyView {
    let after = curves::<CacheResult>(optimized);
    curves::<CacheResult>(baseline)
        .iter()
        .filter_map(|b| {
            let runs = [sized(Some(b)), sized(after.iter().find(|a| a.name == b.name))];
            if runs.iter().all(Vec::is_empty) {
                return None;
            }
            let chart = |title: &str, testid, y_desc, y_unit, decimals| SizeChart {
                title: format!("{title} against capacity, {}", b.name),
                testid,
                x_desc: "capacity (% of the keyspace)",
                x_header: "capacity (% of keys)",
                y_desc,
                y_unit,
                x_tick: tick,
                decimals,
            };
            let mut hit_rate: Vec<Series> = runs
                .iter()
                .enumerate()
                .map(|(run, p)| Series::of_run(run, line(p, |p| Some(p.hit_rate_pct))))
                .collect();
            let ideal = ideal(&runs);
            if !ideal.is_empty() {
                hit_rate.push(Series { run: "ideal", part: None, colour: INK, stroke: Stroke::Rings, points: ideal });
            }
            let latency = runs
                .iter()
                .enumerate()
                .flat_map(|(run, p)| {
                    let hit = Series {
                        part: Some("hit"),
                        stroke: Stroke::Dashed,
                        ..Series::of_run(run, line(p, |p| Some(p.hit_p95_ms)))
                    };
                    let miss = Series { part: Some("miss"), ..Series::of_run(run, line(p, |p| Some(p.miss_p95_ms))) };
                    [hit, miss]
                })
                .collect();
            Some(view! {
                {size_chart(chart("Hit rate", "chart-cache-hit-rate", "hit rate: hits / reads (%)", "%", 1), hit_rate)}
                {size_chart(
                    chart("Hit and miss latency p95", "chart-cache-latency", "latency p95 (ms)", "ms", 3),
                    latency,
                )}
            })
        })
        .collect_view()
        .into_any()
}
