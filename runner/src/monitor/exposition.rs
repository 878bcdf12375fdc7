//! What `perfproof monitor` exposes to Prometheus: the last cycle's figures and
//! the counters since the start, rendered in the Prometheus text format (0.0.4,
//! which Prometheus and `promtool check metrics` read), served at `/metrics`
//! beside `/healthz` on a loopback port by default.
//!
//! Latency is a **summary**, not a histogram: perfproof's source of truth is an
//! HDR histogram per cycle, whose exact quantiles a summary carries as they are;
//! Prometheus histogram buckets would replace them by bucket-interpolated guesses
//! at bounds chosen in advance. Its `_count` and `_sum` add up over cycles, as
//! Prometheus expects; the quantiles are the last cycle's. Names and units follow
//! Prometheus' conventions: base units (seconds, ratios 0 to 1), `_total` for counters.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{DateTime, Utc};
use perfproof_shared::report::{Gauge, KINDS};
use perfproof_shared::targets::{Evaluation, Status};
use perfproof_shared::Report;

/// The quantiles of each latency summary.
const QUANTILES: [(f64, &str); 4] = [(0.5, "0.5"), (0.9, "0.9"), (0.95, "0.95"), (0.99, "0.99")];

/// One workload's series.
#[derive(Debug, Clone, Default)]
struct Series {
    /// The last cycle's latency quantiles, in seconds.
    quantiles: Vec<(&'static str, f64)>,
    /// Successful operations and the sum of their latency, in seconds, since the start.
    latency_count: u64,
    latency_sum_s: f64,
    successes_total: u64,
    errors_total: u64,
    /// The last cycle's successful operations per second.
    throughput_per_s: f64,
    /// The last cycle's failed share of operations, 0 to 1.
    error_ratio: f64,
    /// The kind's own gauges (a cache's hit ratio, a pool's efficiency) in the last cycle.
    gauges: Vec<Gauge>,
}

/// Everything `/metrics` shows, updated after each cycle.
#[derive(Debug, Default)]
pub struct Exposition {
    cycles_total: u64,
    last_cycle_start: Option<DateTime<Utc>>,
    last_cycle_duration_s: f64,
    last_cycle_overhead_s: f64,
    /// By (kind, name).
    workloads: BTreeMap<(String, String), Series>,
    /// (target, metric, status) of the last cycle.
    targets: Vec<(String, String, Status)>,
    grade: Option<&'static str>,
    targets_met_ratio: Option<f64>,
    alerts_firing: usize,
    alerts_fired_total: u64,
    webhook_failures_total: u64,
}

/// A cycle as `/metrics` counts it.
pub struct CycleFigures<'a> {
    pub report: &'a Report,
    pub started: DateTime<Utc>,
    pub duration_s: f64,
    pub overhead_s: f64,
    pub evaluation: &'a Evaluation,
    pub alerts_firing: usize,
    pub alerts_fired: u64,
    pub webhook_failures_total: u64,
}

impl Exposition {
    /// Takes a finished cycle.
    pub fn record(&mut self, cycle: &CycleFigures<'_>) {
        self.cycles_total += 1;
        self.last_cycle_start = Some(cycle.started);
        self.last_cycle_duration_s = cycle.duration_s;
        self.last_cycle_overhead_s = cycle.overhead_s;
        for workload in &cycle.report.workloads {
            let result = workload.result();
            let stats = &result.stats;
            let latency = &stats.latency;
            let seconds = |v: f64| latency.to_ms(v) / 1000.0;
            let series = self.workloads.entry((workload.kind().into(), workload.name().into())).or_default();
            let histogram = latency.decode().ok();
            series.quantiles = QUANTILES
                .iter()
                .map(|&(q, label)| (label, histogram.as_ref().map_or(0.0, |h| seconds(h.value_at_quantile(q) as f64))))
                .collect();
            series.latency_count += latency.summary.count;
            series.latency_sum_s += seconds(latency.summary.mean) * latency.summary.count as f64;
            series.successes_total += stats.successes;
            series.errors_total += stats.error_count();
            series.throughput_per_s = result.throughput_per_s;
            series.error_ratio =
                if stats.operations == 0 { 0.0 } else { stats.error_count() as f64 / stats.operations as f64 };
            series.gauges = workload.gauges();
        }
        self.targets = cycle.evaluation.results.iter().map(|r| (r.name.clone(), r.metric.clone(), r.status)).collect();
        self.grade = cycle.evaluation.grade.map(|g| g.label());
        self.targets_met_ratio = cycle.evaluation.percent_met.map(|p| p / 100.0);
        self.alerts_firing = cycle.alerts_firing;
        self.alerts_fired_total += cycle.alerts_fired;
        self.webhook_failures_total = cycle.webhook_failures_total;
    }

    /// The text format Prometheus scrapes.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, f64)>| {
            if samples.is_empty() {
                return;
            }
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{labels} {}", number(value));
            }
        };
        for info in KINDS {
            let kind = info.kind;
            let of_kind: Vec<(&String, &Series)> =
                self.workloads.iter().filter(|((k, _), _)| k == kind).map(|((_, n), s)| (n, s)).collect();
            if of_kind.is_empty() {
                continue;
            }
            let duration = format!("perfproof_{kind}_{}_duration_seconds", info.operation);
            let mut summary = Vec::new();
            for (name, s) in &of_kind {
                let w = label(name);
                for (q, v) in &s.quantiles {
                    summary.push((format!("{duration}{{workload=\"{w}\",quantile=\"{q}\"}}"), *v));
                }
                summary.push((format!("{duration}_sum{{workload=\"{w}\"}}"), s.latency_sum_s));
                summary.push((format!("{duration}_count{{workload=\"{w}\"}}"), s.latency_count as f64));
            }
            let help = format!(
                "Latency of successful {}, in seconds: the last cycle's quantiles (from its HDR histogram); count and sum since the start",
                info.operations_text
            );
            family(&duration, "summary", &help, summary);
            let total = format!("perfproof_{kind}_{}s_total", info.operation);
            let mut counts = Vec::new();
            for (name, s) in &of_kind {
                let w = label(name);
                counts.push((format!("{total}{{workload=\"{w}\",outcome=\"success\"}}"), s.successes_total as f64));
                counts.push((format!("{total}{{workload=\"{w}\",outcome=\"error\"}}"), s.errors_total as f64));
            }
            family(
                &total,
                "counter",
                &format!("{} measured since the start, by outcome", info.operations_text),
                counts,
            );
        }
        let per_workload = |value: &dyn Fn(&Series) -> Option<f64>| -> Vec<(String, f64)> {
            self.workloads
                .iter()
                .filter_map(|((kind, name), s)| {
                    value(s).map(|v| (format!("{{kind=\"{}\",workload=\"{}\"}}", label(kind), label(name)), v))
                })
                .collect()
        };
        let named = |name: &str, samples: Vec<(String, f64)>| -> Vec<(String, f64)> {
            samples.into_iter().map(|(labels, v)| (format!("{name}{labels}"), v)).collect()
        };
        family(
            "perfproof_throughput_per_second",
            "gauge",
            "Successful operations per second in the last cycle's probe",
            named("perfproof_throughput_per_second", per_workload(&|s| Some(s.throughput_per_s))),
        );
        family(
            "perfproof_error_ratio",
            "gauge",
            "Failed share of the last cycle's operations, 0 to 1",
            named("perfproof_error_ratio", per_workload(&|s| Some(s.error_ratio))),
        );
        // Each kind's own gauges, one family per name (in name order).
        let gauges: BTreeMap<&str, &str> =
            self.workloads.values().flat_map(|s| &s.gauges).map(|g| (g.name, g.help)).collect();
        for (name, help) in gauges {
            let value = |s: &Series| s.gauges.iter().find(|g| g.name == name).map(|g| g.value);
            family(name, "gauge", help, named(name, per_workload(&value)));
        }
        let mut targets = Vec::new();
        for (target, metric, status) in &self.targets {
            for s in [Status::Met, Status::Exceeded, Status::Missed, Status::NotMeasured, Status::UnitMismatch] {
                targets.push((
                    format!(
                        "perfproof_target_status{{target=\"{}\",metric=\"{}\",status=\"{}\"}}",
                        label(target),
                        label(metric),
                        s.label().replace(' ', "_")
                    ),
                    f64::from(u8::from(s == *status)),
                ));
            }
        }
        family(
            "perfproof_target_status",
            "gauge",
            "Each target's status after the last cycle: 1 for the current one",
            targets,
        );
        if let Some(grade) = self.grade {
            family(
                "perfproof_grade_info",
                "gauge",
                "The last cycle's grade against the targets (the label), always 1",
                vec![(format!("perfproof_grade_info{{grade=\"{grade}\"}}"), 1.0)],
            );
        }
        if let Some(ratio) = self.targets_met_ratio {
            family(
                "perfproof_targets_met_ratio",
                "gauge",
                "Share of the measured targets the last cycle met, 0 to 1",
                vec![("perfproof_targets_met_ratio".into(), ratio)],
            );
        }
        let single = |name: &str, value: f64| vec![(name.to_string(), value)];
        family(
            "perfproof_cycles_total",
            "counter",
            "Monitoring cycles finished since the start",
            single("perfproof_cycles_total", self.cycles_total as f64),
        );
        if let Some(start) = self.last_cycle_start {
            family(
                "perfproof_last_cycle_timestamp_seconds",
                "gauge",
                "Start of the last finished cycle, in seconds since the Unix epoch",
                single("perfproof_last_cycle_timestamp_seconds", start.timestamp_millis() as f64 / 1000.0),
            );
        }
        family(
            "perfproof_last_cycle_duration_seconds",
            "gauge",
            "Length of the last cycle: its probes and the monitor's own work",
            single("perfproof_last_cycle_duration_seconds", self.last_cycle_duration_s),
        );
        family(
            "perfproof_last_cycle_overhead_seconds",
            "gauge",
            "The monitor's own work in the last cycle: everything but the probes",
            single("perfproof_last_cycle_overhead_seconds", self.last_cycle_overhead_s),
        );
        family(
            "perfproof_alerts_firing",
            "gauge",
            "Alerts firing now",
            single("perfproof_alerts_firing", self.alerts_firing as f64),
        );
        family(
            "perfproof_alerts_fired_total",
            "counter",
            "Alerts fired since the start",
            single("perfproof_alerts_fired_total", self.alerts_fired_total as f64),
        );
        family(
            "perfproof_webhook_failures_total",
            "counter",
            "Webhook deliveries that failed (each attempt; failed ones are retried)",
            single("perfproof_webhook_failures_total", self.webhook_failures_total as f64),
        );
        out
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A sample value as the text format writes it.
fn number(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else if value.is_nan() {
        "NaN".into()
    } else if value > 0.0 {
        "+Inf".into()
    } else {
        "-Inf".into()
    }
}

/// Serves `/metrics` and `/healthz` on `addr` until the process ends; returns the
/// address bound (a port of 0 picks a free one).
pub async fn serve(addr: SocketAddr, exposition: Arc<Mutex<Exposition>>) -> anyhow::Result<SocketAddr> {
    let listener =
        tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr} for /metrics"))?;
    let bound = listener.local_addr()?;
    let app =
        axum::Router::new().route("/metrics", get(metrics)).route("/healthz", get(healthz)).with_state(exposition);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(bound)
}

fn lock(exposition: &Mutex<Exposition>) -> std::sync::MutexGuard<'_, Exposition> {
    exposition.lock().unwrap_or_else(|p| p.into_inner())
}

async fn metrics(State(exposition): State<Arc<Mutex<Exposition>>>) -> impl IntoResponse {
    let body = lock(&exposition).render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
}

async fn healthz(State(exposition): State<Arc<Mutex<Exposition>>>) -> impl IntoResponse {
    let e = lock(&exposition);
    axum::Json(serde_json::json!({
        "status": "ok",
        "cycles": e.cycles_total,
        "last_cycle_start": e.last_cycle_start,
        "alerts_firing": e.alerts_firing,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfproof_shared::metrics::{catalogue, MetricValue};
    use perfproof_shared::targets::{default_targets, evaluate};

    /// The sample report of every kind, recorded as one cycle and rendered.
    fn rendered() -> (Report, String) {
        let report = perfproof_shared::parse_report(include_str!("../../../static/samples/optimized.json")).unwrap();
        let values: Vec<MetricValue> = catalogue(&report).unwrap().iter().map(MetricValue::from).collect();
        let evaluation = evaluate(&default_targets(), &values);
        let mut exposition = Exposition::default();
        exposition.record(&CycleFigures {
            report: &report,
            started: report.run.started_at,
            duration_s: 1.0,
            overhead_s: 0.1,
            evaluation: &evaluation,
            alerts_firing: 0,
            alerts_fired: 0,
            webhook_failures_total: 0,
        });
        (report, exposition.render())
    }

    #[test]
    fn every_kind_has_its_families_and_its_own_gauges() {
        let (report, text) = rendered();
        for workload in &report.workloads {
            let info = workload.info();
            let (kind, name) = (info.kind, workload.name());
            let duration = format!("perfproof_{kind}_{}_duration_seconds_count{{workload=\"{name}\"}}", info.operation);
            assert!(text.contains(&duration), "no {duration} in\n{text}");
            assert!(text.contains(&format!("# TYPE perfproof_{kind}_{}s_total counter", info.operation)), "{kind}");
            for gauge in workload.gauges() {
                let sample = format!("{}{{kind=\"{kind}\",workload=\"{name}\"}} {}", gauge.name, gauge.value);
                assert!(text.contains(&sample), "no {sample} in\n{text}");
                assert_eq!(text.matches(&format!("# TYPE {} gauge", gauge.name)).count(), 1, "{}", gauge.name);
            }
        }
        assert!(text.contains("perfproof_cache_hit_ratio{") && text.contains("perfproof_db_pool_efficiency_ratio{"));
    }
}
