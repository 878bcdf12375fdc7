//! A workload's latency against the load its capacity search offered: p50
//! (solid), p95 (dashed) and p99 (dotted) of every probe of both runs against the
//! offered rate, the SLO's bound as a grey dashed line across them, and each run's
//! capacity bracket as rings on that line, at its highest pass and lowest fail.
//! Under the chart, one line per run gives its capacity, bracket, SLO and why its
//! search ended. A workload neither run searched has no such chart.

use leptos::prelude::*;
use perfproof_shared::charts::{load_curves, LoadCurve, LoadPoint};
use perfproof_shared::format::group_thousands;
use perfproof_shared::Report;

use super::{size_chart, Series, SizeChart, Stroke, INK, RUNS};

/// A rate as the CLI writes it, with thousands grouped: whole from 100 up
/// (`15,516`), with one decimal below (`52.9`).
fn rate(value: &f64) -> String {
    group_thousands(*value, if value.abs() >= 100.0 { 0 } else { 1 })
}

/// A run's line of one percentile, by offered rate.
fn line(curve: &LoadCurve, value: fn(&LoadPoint) -> f64) -> Vec<(f64, f64)> {
    curve.points.iter().map(|p| (p.offered_per_s, value(p))).collect()
}

/// The series of one workload: each run's three percentiles and bracket, then the
/// SLO's bound (the baseline's SLO; comparability names searches under different ones).
fn series(runs: &[Option<&LoadCurve>; 2]) -> Vec<Series> {
    let mut series = Vec::new();
    for (run, curve) in runs.iter().enumerate() {
        let Some(curve) = curve else { continue };
        let percentile =
            |part, stroke, value| Series { part: Some(part), stroke, ..Series::of_run(run, line(curve, value)) };
        series.push(percentile("p50", Stroke::Solid, |p| p.p50_ms));
        series.push(percentile("p95", Stroke::Dashed, |p| p.p95_ms));
        series.push(percentile("p99", Stroke::Dotted, |p| p.p99_ms));
        let bound = curve.search.slo.latency_ms;
        let bracket = [curve.search.capacity_per_s, curve.search.lowest_fail_per_s];
        let rings: Vec<(f64, f64)> = bracket.into_iter().flatten().map(|rate| (rate, bound)).collect();
        if !rings.is_empty() {
            series.push(Series { part: Some("bracket"), stroke: Stroke::Rings, ..Series::of_run(run, rings) });
        }
    }
    let rates = runs.iter().flatten().flat_map(|c| c.points.iter().map(|p| p.offered_per_s));
    let (low, high) = rates.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), r| (l.min(r), h.max(r)));
    if let Some(slo) = runs.iter().flatten().next().map(|c| &c.search.slo).filter(|_| low.is_finite()) {
        let points = vec![(low, slo.latency_ms), (high, slo.latency_ms)];
        series.push(Series { run: "SLO", part: None, colour: INK, stroke: Stroke::Dashed, points });
    }
    series
}

/// One line per run that searched: its capacity with its bracket, the SLO it
/// held, and why the search ended.
fn found(runs: &[Option<&LoadCurve>; 2]) -> impl IntoView {
    runs.iter()
        .zip(RUNS)
        .filter_map(|(curve, (run, _))| {
            let c = (*curve)?;
            let search = &c.search;
            let text = format!(
                "{run}: capacity {} under {}; {}",
                search.found_text(c.unit),
                search.slo.text(),
                search.end.text()
            );
            Some(view! { <p class="meta" data-testid="capacity-found" data-run=run>{text}</p> })
        })
        .collect_view()
}

/// Latency against offered load, per workload that either run searched (the
/// baseline's first, then the optimized run's own).
pub fn capacity_charts(baseline: &Report, optimized: &Report) -> AnyView {
    let (before, after) = match (load_curves(baseline), load_curves(optimized)) {
        (Ok(before), Ok(after)) => (before, after),
        (Err(e), _) | (_, Err(e)) => {
            return view! { <p class="message error">{format!("No latency–load chart: {e}")}</p> }.into_any()
        }
    };
    let mut names: Vec<&str> = before.iter().map(|c| c.name.as_str()).collect();
    names.extend(after.iter().map(|c| c.name.as_str()).filter(|n| !before.iter().any(|b| b.name == *n)));
    names
        .into_iter()
        .map(|name| {
            let runs = [before.iter().find(|c| c.name == name), after.iter().find(|c| c.name == name)];
            let chart = SizeChart {
                title: format!("Latency against offered load, {name}"),
                testid: "chart-capacity",
                x_desc: "offered rate (1/s)",
                x_header: "offered (1/s)",
                y_desc: "latency (ms)",
                y_unit: "ms",
                x_tick: rate,
                decimals: 2,
            };
            view! {
                <div class="capacity" data-testid="capacity-search" data-workload=name.to_string()>
                    {size_chart(chart, series(&runs))}
                    {found(&runs)}
                </div>
            }
        })
        .collect_view()
        .into_any()
}
