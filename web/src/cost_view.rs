//! Cost and ROI: the 30-day cost of both runs with its status against the cost
//! reduction target, where the money goes (a breakdown by item, so a change in
//! instances is explained next to the fixed database cost), the ROI, the daily
//! cost chart, and the cost model's inputs, editable with their defaults shown.
//! An input that is not a number of 0 or more is refused with a message saying
//! which value is still in use. Every number is `perfproof_shared::cost`'s.

use leptos::prelude::*;
use perfproof_shared::analysis::{Analysis, AnalysisSettings};
use perfproof_shared::cost::{Breakdown, CostComparison};
use perfproof_shared::format::{self, count as format_count, group_thousands, value as format_value};

use crate::charts::cost::cost_chart;
use crate::state::{use_app_state, AppState};

#[component]
pub fn CostView() -> impl IntoView {
    let AppState { analysis, settings, .. } = use_app_state();
    view! {
        {move || analysis.get().map(|a| summary(&a))}
        <div class="cost-inputs">
            <CostInput label="requests/day" testid="requests-per-day" settings=settings
                get=|s| s.cost.traffic.requests_per_day set=|s, v| s.cost.traffic.requests_per_day = v />
            <CostInput label="growth %/month" testid="growth" settings=settings
                get=|s| s.cost.traffic.monthly_growth_pct set=|s, v| s.cost.traffic.monthly_growth_pct = v />
            <CostInput label="instance $/hour" testid="instance-price" settings=settings
                get=|s| s.cost.pricing.instance_hourly_usd set=|s, v| s.cost.pricing.instance_hourly_usd = v />
            <CostInput label="database $/hour" testid="database-price" settings=settings
                get=|s| s.cost.pricing.database_hourly_usd set=|s, v| s.cost.pricing.database_hourly_usd = v />
            <CostInput label="engineering cost $" testid="engineering-cost" settings=settings
                get=|s| s.cost.engineering_cost() set=|s, v| s.cost.engineering_cost_usd = Some(v) />
        </div>
    }
}

/// One editable number of the cost model, with its default beside it.
#[component]
fn CostInput(
    label: &'static str,
    testid: &'static str,
    settings: RwSignal<AnalysisSettings>,
    get: fn(&AnalysisSettings) -> f64,
    set: fn(&mut AnalysisSettings, f64),
) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let default = number_text(get(&AnalysisSettings::default()));
    view! {
        <label>
            {label}
            <input type="number" step="any" min="0" data-testid=testid
                aria-invalid=move || problem.with(Option::is_some).to_string()
                prop:value=move || get(&settings.get()).to_string()
                on:change=move |ev| {
                    let text = event_target_value(&ev);
                    match text.trim().parse::<f64>() {
                        Ok(value) if value.is_finite() && value >= 0.0 => {
                            problem.set(None);
                            settings.update(|s| set(s, value));
                        }
                        _ => {
                            let current = number_text(get(&settings.get_untracked()));
                            let what = if text.trim().is_empty() { "is empty".to_string() } else { format!("cannot be {}", text.trim()) };
                            problem.set(Some(format!(
                                "{label} {what}: enter a number of 0 or more. The cost still uses {current}."
                            )));
                        }
                    }
                } />
            <small class="default">{format!("default {default}")}</small>
            {move || problem.get().map(|p| view! { <span class="message error" role="alert" data-testid="cost-input-error">{p}</span> })}
        </label>
    }
}

/// An input's number with thousands separators and no trailing zeros: `50,000,000`, `0.192`.
fn number_text(value: f64) -> String {
    let text = group_thousands(value, 3);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The 30-day costs, ROI, breakdown and chart, or why cost could not be computed.
fn summary(analysis: &Analysis) -> AnyView {
    let Some(cost) = &analysis.cost else {
        let why = analysis.cost_error.clone().unwrap_or_default();
        return view! { <p class="muted" data-testid="cost-error">{format!("Cost not computed: {why}")}</p> }
            .into_any();
    };
    let status = cost.status_label();
    let roi = &cost.roi;
    view! {
        <p data-testid="cost">
            "30 days: " <strong>{format_value(cost.baseline.total_30_days_usd, "USD")}</strong>
            " → " <strong>{format_value(cost.optimized.total_30_days_usd, "USD")}</strong>
            {format!(
                " ({} → {} instances at day 30); reduction ",
                format_count(cost.baseline.instances_day_30),
                format_count(cost.optimized.instances_day_30)
            )}
            <strong data-testid="cost-reduction">{format::percent(cost.reduction_pct)}</strong>
            {format!(", {status}.")}
        </p>
        <p data-testid="roi">
            {format!(
                "ROI: annual saving {}, ROI {}, payback {}.",
                format::money(roi.annual_saving_usd),
                roi.roi_pct.map_or("n/a".into(), format::percent),
                roi.payback_days.map_or("never (no saving)".into(), |d| format!("{} days", group_thousands(d, 0)))
            )}
        </p>
        {breakdown(cost)}
        {cost_chart(cost)}
    }
    .into_any()
}

/// Where the 30 days' money goes, item by item, for both runs.
fn breakdown(cost: &CostComparison) -> impl IntoView {
    type Item = (&'static str, fn(&Breakdown) -> f64);
    let items: [Item; 6] = [
        ("instances", |b| b.instances),
        ("database (the same before and after)", |b| b.database),
        ("cache", |b| b.cache),
        ("GPU", |b| b.gpu),
        ("requests (per-million charge)", |b| b.requests),
        ("egress", |b| b.egress),
    ];
    let (before, after) = (&cost.baseline, &cost.optimized);
    let rows = items
        .into_iter()
        .map(|(item, of)| {
            view! {
                <tr>
                    <th scope="row">{item}</th>
                    <td data-run="baseline">{format_value(of(&before.breakdown), "USD")}</td>
                    <td data-run="optimized">{format_value(of(&after.breakdown), "USD")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="breakdown" data-testid="cost-breakdown">
            <caption>"30-day cost by item"</caption>
            <thead><tr><th>"item"</th><th>"baseline"</th><th>"optimized"</th></tr></thead>
            <tbody>
                {rows}
                <tr class="total">
                    <th scope="row">"total"</th>
                    <td>{format_value(before.total_30_days_usd, "USD")}</td>
                    <td>{format_value(after.total_30_days_usd, "USD")}</td>
                </tr>
            </tbody>
        </table>
    }
}
