//! Cost and ROI: the 30-day cost of both runs with its status against the cost
//! reduction target and its range from the capacity brackets, each tier with
//! where its price came from (a measured capacity, a throughput that is not one, a
//! fixed price) and the warnings, where the money goes (a breakdown by item), the
//! ROI, the daily cost chart, and the cost model's inputs (prices and each tier's
//! fan-out), editable with their defaults shown. An input that is not a number of
//! 0 or more is refused with a message saying which value is still in use. Every
//! number is `perfproof_shared::cost`'s.

use leptos::prelude::*;
use perfproof_shared::analysis::{Analysis, AnalysisSettings};
use perfproof_shared::cost::{Breakdown, CostComparison, RunCost, TierCost};
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
            <CostInput label="inference instance $/hour" testid="inference-price" settings=settings
                get=|s| s.cost.pricing.inference_hourly_usd set=|s, v| s.cost.pricing.inference_hourly_usd = v />
            <CostInput label="cache node $/hour" testid="cache-node-price" settings=settings
                get=|s| s.cost.pricing.cache_node_hourly_usd set=|s, v| s.cost.pricing.cache_node_hourly_usd = v />
            <CostInput label="database transactions per request" testid="fan-out-database" settings=settings
                get=|s| s.cost.fan_out.database_transactions set=|s, v| s.cost.fan_out.database_transactions = v />
            <CostInput label="cache operations per request" testid="fan-out-cache" settings=settings
                get=|s| s.cost.fan_out.cache_operations set=|s, v| s.cost.fan_out.cache_operations = v />
            <CostInput label="inferences per request" testid="fan-out-inference" settings=settings
                get=|s| s.cost.fan_out.inferences set=|s, v| s.cost.fan_out.inferences = v />
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
    let total = |run: &RunCost| format::ranged(run.total_30_days_usd, run.total_30_days_range_usd, format::money);
    let [low, high] = cost.reduction_range_pct;
    let ranged = format::percent(low) != format::percent(high);
    let note = ranged.then(|| {
        view! { <p class="muted">"Ranges are [worst, best], from the capacity searches' brackets (highest pass, lowest fail)."</p> }
    });
    let range = ranged.then(|| {
        view! {
            " " <span data-testid="cost-reduction-range">
                {format!("[{}, {}]", format::percent(low), format::percent(high))}
            </span>
        }
    });
    let roi_pct = roi.roi_pct.map_or("n/a".into(), |point| match roi.roi_range_pct {
        Some(range) => format::ranged(point, range, format::percent),
        None => format::percent(point),
    });
    view! {
        <p data-testid="cost">
            "30 days: " <strong>{total(&cost.baseline)}</strong>
            " → " <strong>{total(&cost.optimized)}</strong>
            {format!(
                " ({} → {} API instances at day 30); reduction ",
                format_count(cost.baseline.instances_day_30),
                format_count(cost.optimized.instances_day_30)
            )}
            <strong data-testid="cost-reduction">{format::percent(cost.reduction_pct)}</strong>
            {range}
            {format!(", {status}.")}
        </p>
        <p data-testid="roi">
            {format!(
                "ROI: annual saving {}, ROI {roi_pct}, payback {}.",
                format::ranged(roi.annual_saving_usd, roi.annual_saving_range_usd, format::money),
                roi.payback_days.map_or("never (no saving)".into(), |d| format!("{} days", group_thousands(d, 0)))
            )}
        </p>
        {note}
        {tiers(cost)}
        {warnings(cost)}
        {breakdown(cost)}
        {cost_chart(cost)}
    }
    .into_any()
}

/// Each tier, both runs: instances at day 30, its 30-day cost, and where its price came from.
fn tiers(cost: &CostComparison) -> impl IntoView {
    let rows = cost
        .baseline
        .tiers
        .iter()
        .zip(&cost.optimized.tiers)
        .map(|(before, after)| {
            let instances = |t: &TierCost| {
                if t.basis.per_instance_per_s().is_some() {
                    format_count(t.instances_day_30)
                } else {
                    "fixed".into()
                }
            };
            view! {
                <tr data-tier=before.tier.label()>
                    <th scope="row">{before.tier.label()}</th>
                    <td data-run="baseline">{instances(before)}</td>
                    <td data-run="optimized">{instances(after)}</td>
                    <td data-run="baseline" data-part="cost">{format_value(before.total_30_days_usd, "USD")}</td>
                    <td data-run="optimized" data-part="cost">{format_value(after.total_30_days_usd, "USD")}</td>
                    <td data-part="source">{TierCost::source_change(before, after)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="tiers" data-testid="cost-tiers">
            <caption>"Each tier: instances at day 30, 30-day cost, where its price came from"</caption>
            <thead><tr>
                <th>"tier"</th><th>"baseline instances"</th><th>"optimized instances"</th>
                <th>"baseline cost"</th><th>"optimized cost"</th><th>"priced from"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// What a reader should know before trusting either run's projection.
fn warnings(cost: &CostComparison) -> Option<impl IntoView> {
    let items: Vec<String> = [("baseline", &cost.baseline), ("optimized", &cost.optimized)]
        .into_iter()
        .flat_map(|(run, c)| c.warnings.iter().map(move |w| format!("{run}: {w}")))
        .collect();
    (!items.is_empty()).then(|| {
        view! {
            <ul class="message warning" data-testid="cost-warnings">
                {items.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
            </ul>
        }
    })
}

/// Where the 30 days' money goes, item by item, for both runs.
fn breakdown(cost: &CostComparison) -> impl IntoView {
    type Item = (&'static str, fn(&Breakdown) -> f64);
    let items: [Item; 6] = [
        ("API instances", |b| b.instances),
        ("database", |b| b.database),
        ("cache", |b| b.cache),
        ("inference", |b| b.gpu),
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
