//! The history of the loaded reports, once three or more are loaded: the alerts
//! (a target that started failing, a run worse than the rolling baseline), each
//! metric's slope per day with its confidence interval and whether it is
//! worsening, and a chart of each metric over the runs (folded, but for the
//! worsening and alerted ones). Computed by
//! `perfproof_shared::trend::history` with the analysis' targets and the default
//! settings, the same code and settings as `perfproof history`.

use leptos::prelude::*;
use perfproof_shared::format::value as format_value;
use perfproof_shared::trend::{history, History, Trend, TrendSettings};
use perfproof_shared::Report;

use crate::charts::trend::{slope_text, trend_chart};
use crate::state::{use_app_state, AppState};

/// How many reports make a history: a slope and its interval need three.
const MIN_RUNS: usize = 3;

/// The history panel; shows nothing with fewer than [`MIN_RUNS`] valid reports.
#[component]
pub fn HistoryPanel() -> impl IntoView {
    let AppState { files, settings, .. } = use_app_state();
    let computed = Memo::new(move |_| {
        let reports: Vec<Report> =
            files.with(|files| files.iter().filter_map(|f| f.parsed.as_ref().ok().cloned()).collect());
        (reports.len() >= MIN_RUNS).then(|| {
            let runs = reports.len();
            settings
                .with(|s| history(&reports, &s.targets, TrendSettings::default()))
                .map(|history| (runs, history))
                .map_err(|e| e.to_string())
        })
    });
    move || {
        computed.get().map(|result| {
            let body = match result {
                Ok((runs, history)) => view! { <HistoryBody runs=runs history=history /> }.into_any(),
                Err(message) => view! { <p class="message error" data-testid="history-error">{message}</p> }.into_any(),
            };
            view! {
                <section class="card history" data-testid="history">
                    <h2>"History"</h2>
                    {body}
                </section>
            }
        })
    }
}

#[component]
fn HistoryBody(runs: usize, history: History) -> impl IntoView {
    let s = TrendSettings::default();
    let about = format!(
        "{runs} runs in time order. Slopes per day by least squares with {:.0} % intervals; an alert when a \
         target starts failing, or when the newest run is more than {:.0} % worse than the median of the \
         {} runs before it (as perfproof history).",
        s.confidence * 100.0,
        s.threshold * 100.0,
        s.window
    );
    let alerts = if history.alerts.is_empty() {
        view! { <p class="muted" data-testid="no-alerts">"No alerts."</p> }.into_any()
    } else {
        let items = history
            .alerts
            .iter()
            .map(|a| {
                view! {
                    <li data-testid="alert" data-key=a.key.clone() data-run=a.run.clone()>
                        {format!("{}: {}", a.run, a.message)}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="warnings" data-testid="alerts">{items}</ul> }.into_any()
    };
    // Per-endpoint series are left out, as `perfproof history` leaves them out of its table.
    let trends: Vec<Trend> = history.trends.into_iter().filter(|t| !t.key.contains(".endpoint.")).collect();
    let rows = trends.iter().map(trend_row).collect_view();
    // A chart per metric, folded away but for those worsening or alerted on: a
    // history of a few workloads has dozens of metrics.
    let charts = trends
        .iter()
        .map(|trend| {
            let open = trend.worsening || history.alerts.iter().any(|a| a.key == trend.key);
            view! {
                <details class="trend" open=open data-key=trend.key.clone()>
                    <summary>{format!("{}: {}", trend.key, slope_text(trend))}</summary>
                    {trend_chart(trend)}
                </details>
            }
        })
        .collect_view();
    view! {
        <p class="meta">{about}</p>
        {alerts}
        <table class="trends">
            <thead>
                <tr><th>"metric"</th><th>"runs"</th><th>"first"</th><th>"newest"</th><th>"slope per day [interval]"</th><th>"trend"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <div class="charts">{charts}</div>
    }
}

/// One metric's row: its first and newest values, and its slope with the
/// interval's ends in `data-` attributes for tests.
fn trend_row(trend: &Trend) -> impl IntoView {
    let value = |p: Option<&perfproof_shared::trend::Point>| p.map(|p| format_value(p.value, &trend.unit));
    let (slope, low, high) = match trend.slope_per_day {
        Some((s, ci)) => (Some(s.to_string()), Some(ci.low.to_string()), Some(ci.high.to_string())),
        None => (None, None, None),
    };
    let class = if trend.worsening { "bad" } else { "muted" };
    view! {
        <tr data-testid="trend" data-key=trend.key.clone() data-slope=slope data-low=low data-high=high>
            <th scope="row" class="key">{trend.key.clone()}</th>
            <td>{trend.points.len()}</td>
            <td>{value(trend.points.first())}</td>
            <td>{value(trend.points.last())}</td>
            <td>{slope_text(trend)}</td>
            <td class=class data-testid="worsening">{if trend.worsening { "worsening" } else { "" }}</td>
        </tr>
    }
}
