//! Continuous monitoring's analysis: which conditions a cycle raises against its
//! baseline and the targets, the alert state machine that turns K consecutive
//! cycles of a condition into one alert (and K healthy ones into its recovery),
//! and the window export (`metrics_export.json`): every metric over the cycles of
//! a window with its aggregates and trend.
//!
//! Values in, values out: `perfproof monitor` measures, writes and sends; this
//! module decides.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::compare::{Comparison, Verdict};
use crate::metrics::{Direction, MetricValue};
use crate::stats::{slope_interval, Interval};
use crate::targets::{Evaluation, Status};

/// Schema id of [`WindowExport`] (`metrics_export.json` of `perfproof monitor`).
pub const WINDOW_EXPORT_SCHEMA: &str = "perfproof.monitor-export/v1";

/// Something wrong with one cycle: a workload regressed against the baseline, or a
/// target missed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Condition {
    /// `regression:<kind>.<name>` or `target:<target name>`.
    pub key: String,
    /// What is wrong, in words, with the values.
    pub message: String,
}

/// The conditions of one cycle: its regressions against the baseline (the cycle
/// compared as the optimized side; none before there is a baseline) and the
/// targets it misses.
pub fn conditions(comparison: Option<&Comparison>, targets: &Evaluation) -> Vec<Condition> {
    let mut by_workload: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let regressed = comparison.into_iter().flat_map(|c| &c.metrics).filter(|m| m.verdict == Verdict::Regressed);
    for m in regressed {
        let Some(workload) = watched_workload(&m.key) else { continue };
        by_workload.entry(workload.to_string()).or_default().push(format!(
            "{} {} against {} ({})",
            m.key,
            crate::format::value(m.optimized, &m.unit),
            crate::format::value(m.baseline, &m.unit),
            m.change_text()
        ));
    }
    let mut out: Vec<Condition> = by_workload
        .into_iter()
        .map(|(workload, lines)| Condition {
            key: format!("regression:{workload}"),
            message: format!("{workload} regressed against the baseline: {}", lines.join("; ")),
        })
        .collect();
    for t in targets.results.iter().filter(|t| t.status == Status::Missed) {
        out.push(Condition {
            key: format!("target:{}", t.name),
            message: format!(
                "{} misses its target {}: {} is {}",
                t.name,
                t.rule,
                t.metric,
                t.value.map_or("not measured".into(), |v| crate::format::value(v, &t.unit))
            ),
        });
    }
    out
}

/// `<kind>.<name>` of a watched key (`http.api.latency.p95` → `http.api`).
fn watched_workload(key: &str) -> Option<&str> {
    let mut parts = key.splitn(3, '.');
    let (kind, name, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let watched = crate::report::kind_info(kind)?.is_watched(rest);
    watched.then(|| &key[..kind.len() + 1 + name.len()])
}

/// What happened to an alert this cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// The condition held for K consecutive cycles.
    Firing,
    /// A firing alert's condition was absent for K consecutive cycles.
    Resolved,
}

/// An alert firing or resolving, as printed, logged and sent to the webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AlertEvent {
    pub key: String,
    pub state: AlertState,
    /// The cycle that fired or resolved it (1 is the first).
    pub cycle: u64,
    pub at: DateTime<Utc>,
    /// Cycles in a row the condition held (firing) or was absent (resolved).
    pub consecutive: u32,
    /// The condition's message (firing), or its last one (resolved).
    pub message: String,
}

#[derive(Debug, Clone, Default)]
struct Track {
    /// Cycles in a row the condition held (not firing) or was absent (firing).
    streak: u32,
    firing: bool,
    message: String,
}

/// Turns each cycle's conditions into alerts: one fires when its condition holds
/// for `consecutive` cycles in a row, and resolves when it is absent for as many;
/// a condition that comes and goes in shorter runs raises nothing.
#[derive(Debug, Clone)]
pub struct AlertTracker {
    consecutive: u32,
    tracks: BTreeMap<String, Track>,
}

impl AlertTracker {
    pub fn new(consecutive: u32) -> Self {
        AlertTracker { consecutive: consecutive.max(1), tracks: BTreeMap::new() }
    }

    /// Takes one cycle's conditions; returns the alerts that fired or resolved.
    pub fn update(&mut self, cycle: u64, at: DateTime<Utc>, conditions: &[Condition]) -> Vec<AlertEvent> {
        let k = self.consecutive;
        let mut events = Vec::new();
        for condition in conditions {
            let track = self.tracks.entry(condition.key.clone()).or_default();
            track.message.clone_from(&condition.message);
            if track.firing {
                track.streak = 0;
                continue;
            }
            track.streak += 1;
            if track.streak >= k {
                track.firing = true;
                track.streak = 0;
                events.push(AlertEvent {
                    key: condition.key.clone(),
                    state: AlertState::Firing,
                    cycle,
                    at,
                    consecutive: k,
                    message: condition.message.clone(),
                });
            }
        }
        let present = |key: &str| conditions.iter().any(|c| c.key == key);
        self.tracks.retain(|key, track| {
            if present(key) {
                return true;
            }
            if !track.firing {
                // A run shorter than K: forgotten.
                return false;
            }
            track.streak += 1;
            if track.streak < k {
                return true;
            }
            events.push(AlertEvent {
                key: key.clone(),
                state: AlertState::Resolved,
                cycle,
                at,
                consecutive: k,
                message: track.message.clone(),
            });
            false
        });
        events
    }

    /// The keys of the alerts firing now.
    pub fn firing(&self) -> Vec<&str> {
        self.tracks.iter().filter(|(_, t)| t.firing).map(|(k, _)| k.as_str()).collect()
    }
}

/// One cycle's metrics, for the window export.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleMetrics {
    pub at: DateTime<Utc>,
    pub metrics: Vec<MetricValue>,
}

/// Every metric over a window of cycles (`metrics_export.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WindowExport {
    /// [`WINDOW_EXPORT_SCHEMA`].
    pub schema: String,
    /// Start of the window's first cycle and of its last.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub cycles: usize,
    pub metrics: Vec<MetricAggregate>,
}

/// One metric's values over the window's cycles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricAggregate {
    pub key: String,
    pub unit: String,
    pub direction: Direction,
    /// Cycles that measured it.
    pub count: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Percentiles of the cycles' values (nearest rank): a p95 row's `p50` is the
    /// median cycle's p95, not a latency percentile of the window's requests.
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// Change per hour over the window (least squares), with its 95 % interval;
    /// absent with fewer than 3 cycles.
    pub slope_per_hour: Option<f64>,
    pub slope_interval: Option<Interval>,
    /// The slope's interval excludes 0 in the worse direction.
    pub worsening: bool,
}

/// Aggregates and trend of every metric over `cycles`.
pub fn window_export(cycles: &[CycleMetrics]) -> WindowExport {
    let from = cycles.iter().map(|c| c.at).min();
    // Each key's (hours since the window's start, value) points, and its first sighting.
    type Series<'a> = (Vec<(f64, f64)>, &'a MetricValue);
    let mut series: BTreeMap<&str, Series> = BTreeMap::new();
    for cycle in cycles {
        let hours = from.map_or(0.0, |f| (cycle.at - f).num_milliseconds() as f64 / 3_600_000.0);
        for m in &cycle.metrics {
            series.entry(m.key.as_str()).or_insert_with(|| (Vec::new(), m)).0.push((hours, m.value));
        }
    }
    let metrics = series
        .into_iter()
        .map(|(key, (points, first))| {
            let mut values: Vec<f64> = points.iter().map(|p| p.1).collect();
            values.sort_by(f64::total_cmp);
            let rank = |q: f64| values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
            let slope = slope_interval(&points, 0.95);
            MetricAggregate {
                key: key.to_string(),
                unit: first.unit.clone(),
                direction: first.direction,
                count: values.len(),
                min: values[0],
                max: values[values.len() - 1],
                mean: values.iter().sum::<f64>() / values.len() as f64,
                p50: rank(0.50),
                p95: rank(0.95),
                p99: rank(0.99),
                slope_per_hour: slope.map(|s| s.0),
                slope_interval: slope.map(|s| s.1),
                worsening: slope.is_some_and(|(_, ci)| match first.direction {
                    Direction::LowerIsBetter => ci.low > 0.0,
                    Direction::HigherIsBetter => ci.high < 0.0,
                }),
            }
        })
        .collect();
    WindowExport {
        schema: WINDOW_EXPORT_SCHEMA.into(),
        from,
        to: cycles.iter().map(|c| c.at).max(),
        cycles: cycles.len(),
        metrics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(key: &str) -> Condition {
        Condition { key: key.into(), message: format!("{key} is wrong") }
    }

    fn run(tracker: &mut AlertTracker, cycles: &[&[&str]]) -> Vec<(u64, String, AlertState)> {
        let mut out = Vec::new();
        for (i, keys) in cycles.iter().enumerate() {
            let conditions: Vec<Condition> = keys.iter().map(|k| cond(k)).collect();
            for e in tracker.update(i as u64 + 1, Utc::now(), &conditions) {
                out.push((e.cycle, e.key, e.state));
            }
        }
        out
    }

    #[test]
    fn an_alert_fires_after_k_cycles_and_resolves_after_k_healthy_ones() {
        let mut t = AlertTracker::new(3);
        let events = run(&mut t, &[&[], &["a"], &["a"], &["a"], &["a"], &[], &[], &[], &[]]);
        assert_eq!(events, [(4, "a".to_string(), AlertState::Firing), (8, "a".to_string(), AlertState::Resolved)]);
        assert!(t.firing().is_empty());
    }

    #[test]
    fn flapping_shorter_than_k_raises_nothing() {
        let mut t = AlertTracker::new(3);
        let events = run(&mut t, &[&["a"], &["a"], &[], &["a"], &["a"], &[], &["a"], &[]]);
        assert!(events.is_empty(), "{events:?}");
    }

    #[test]
    fn a_firing_alert_survives_short_gaps() {
        let mut t = AlertTracker::new(2);
        let events = run(&mut t, &[&["a"], &["a"], &[], &["a"], &[], &["a"]]);
        assert_eq!(events, [(2, "a".to_string(), AlertState::Firing)]);
        assert_eq!(t.firing(), ["a"]);
    }

    #[test]
    fn watched_keys_name_their_workload() {
        assert_eq!(watched_workload("http.api.latency.p95"), Some("http.api"));
        assert_eq!(watched_workload("db.shop.pool.efficiency"), Some("db.shop"));
        assert_eq!(watched_workload("cache.demo.hit_rate"), Some("cache.demo"));
        assert_eq!(watched_workload("http.api.latency.p50"), None);
        assert_eq!(watched_workload("http.api.endpoint.x.latency.p95"), None);
    }

    #[test]
    fn the_export_aggregates_each_metric_over_the_cycles() {
        let t0 = Utc::now();
        let cycles: Vec<CycleMetrics> = (0..10)
            .map(|i| CycleMetrics {
                at: t0 + chrono::Duration::minutes(i),
                metrics: vec![MetricValue {
                    key: "http.api.latency.p95".into(),
                    value: 10.0 + i as f64,
                    unit: "ms".into(),
                    direction: Direction::LowerIsBetter,
                }],
            })
            .collect();
        let export = window_export(&cycles);
        assert_eq!(export.cycles, 10);
        let m = &export.metrics[0];
        assert_eq!((m.count, m.min, m.max, m.mean, m.p50, m.p95), (10, 10.0, 19.0, 14.5, 14.0, 19.0));
        assert!((m.slope_per_hour.unwrap() - 60.0).abs() < 1e-9, "1 ms a minute");
        assert!(m.worsening);
    }
}
