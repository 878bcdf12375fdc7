//! Trends over a history of runs: per-metric series in time order, the
//! least-squares slope with its confidence interval, and alerts when a target
//! starts failing or a run regresses against the rolling baseline (the median of
//! the previous runs).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::metrics::{catalogue, CatalogueError, Direction};
use crate::stats::{slope_interval, Interval};
use crate::targets::{evaluate, Status, Target};
use crate::Report;

/// One point of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Point {
    pub label: String,
    /// Seconds since the first run of the history.
    pub t_s: f64,
    pub value: f64,
}

/// A metric over the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Trend {
    pub key: String,
    pub unit: String,
    pub direction: Direction,
    pub points: Vec<Point>,
    /// Change per day, with its confidence interval; `None` with fewer than 3 runs.
    pub slope_per_day: Option<(f64, Interval)>,
    /// The slope's interval excludes 0 in the worse direction.
    pub worsening: bool,
}

/// Something a team should look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Alert {
    pub key: String,
    pub run: String,
    pub message: String,
}

/// Trends and alerts of a history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct History {
    pub trends: Vec<Trend>,
    pub alerts: Vec<Alert>,
}

/// Settings of the alerting.
#[derive(Debug, Clone, Copy)]
pub struct TrendSettings {
    pub confidence: f64,
    /// How many previous runs form the rolling baseline.
    pub window: usize,
    /// Relative worsening against the rolling baseline that raises an alert.
    pub threshold: f64,
}

impl Default for TrendSettings {
    fn default() -> Self {
        TrendSettings { confidence: 0.95, window: 5, threshold: 0.10 }
    }
}

/// Builds the trends of `reports` (any order: sorted by start time) and their alerts.
pub fn history(reports: &[Report], targets: &[Target], settings: TrendSettings) -> Result<History, CatalogueError> {
    let mut runs: Vec<&Report> = reports.iter().collect();
    runs.sort_by_key(|r| r.run.started_at);
    let Some(first) = runs.first() else { return Ok(History { trends: vec![], alerts: vec![] }) };
    let t0 = first.run.started_at;
    let mut trends: Vec<Trend> = Vec::new();
    let mut alerts = Vec::new();
    let mut previous_status: BTreeMap<String, Status> = BTreeMap::new();
    for run in &runs {
        let metrics = catalogue(run)?;
        let t_s = (run.run.started_at - t0).num_milliseconds() as f64 / 1000.0;
        for m in &metrics {
            let point = Point { label: run.run.label.clone(), t_s, value: m.value };
            match trends.iter_mut().find(|t| t.key == m.key) {
                Some(t) => t.points.push(point),
                None => trends.push(Trend {
                    key: m.key.clone(),
                    unit: m.unit.into(),
                    direction: m.direction,
                    points: vec![point],
                    slope_per_day: None,
                    worsening: false,
                }),
            }
        }
        let values: Vec<_> = metrics.iter().map(crate::metrics::MetricValue::from).collect();
        for result in evaluate(targets, &values).results {
            let was = previous_status.insert(result.metric.clone(), result.status);
            if result.status == Status::Missed && matches!(was, Some(Status::Met | Status::Exceeded)) {
                alerts.push(Alert {
                    key: result.metric.clone(),
                    run: run.run.label.clone(),
                    message: format!("{} now misses its target {} ({})", result.name, result.rule, result.metric),
                });
            }
        }
    }
    for trend in &mut trends {
        let points: Vec<(f64, f64)> = trend.points.iter().map(|p| (p.t_s / 86_400.0, p.value)).collect();
        trend.slope_per_day = slope_interval(&points, settings.confidence);
        trend.worsening = trend.slope_per_day.is_some_and(|(_, ci)| match trend.direction {
            Direction::LowerIsBetter => ci.low > 0.0,
            Direction::HigherIsBetter => ci.high < 0.0,
        });
        if let Some((last, earlier)) = trend.points.split_last() {
            let window: Vec<f64> = earlier.iter().rev().take(settings.window).map(|p| p.value).collect();
            if let Some(baseline) = median(window) {
                let worse = match trend.direction {
                    Direction::LowerIsBetter => last.value > baseline * (1.0 + settings.threshold),
                    Direction::HigherIsBetter => last.value < baseline * (1.0 - settings.threshold),
                };
                if worse && baseline > 0.0 {
                    alerts.push(Alert {
                        key: trend.key.clone(),
                        run: last.label.clone(),
                        message: format!(
                            "{} is {} against a rolling baseline of {} ({})",
                            trend.key,
                            crate::format::value(last.value, &trend.unit),
                            crate::format::value(baseline, &trend.unit),
                            crate::format::change_percent((last.value / baseline - 1.0) * 100.0)
                        ),
                    });
                }
            }
        }
    }
    Ok(History { trends, alerts })
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2.0 } else { values[mid] })
}
