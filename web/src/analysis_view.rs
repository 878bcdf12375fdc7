//! The before/after analysis: pick a baseline and an optimized report, read the
//! grade, the targets, the comparison with its verdicts, and the 30-day cost and
//! ROI with editable inputs, with charts below the comparison (latency spectrum,
//! timelines, pool, batch and cache sizes, daily cost); share it all as a link. Computed by
//! `perfproof_shared::analysis::analyze`, the same code as `perfproof compare`.

use leptos::prelude::*;
use perfproof_shared::analysis::{analyze, Analysis, AnalysisSettings};
use perfproof_shared::compare::Verdict;
use perfproof_shared::metrics::{format_count, format_value, group_thousands};
use perfproof_shared::share::{encode, SharePayload, ViewSettings};
use perfproof_shared::targets::Status;
use perfproof_shared::Report;

use crate::charts::{
    batch::batch_charts, cache::cache_charts, cost::cost_chart, pool::pool_charts, spectrum::spectrum_charts,
    timeline::timeline_charts,
};
use crate::report_view::LoadedFile;

/// Which loaded files are compared, by file id.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Selection {
    pub baseline: Option<usize>,
    pub optimized: Option<usize>,
}

impl Selection {
    /// Keeps valid choices; otherwise picks a report labelled `baseline` (or the
    /// oldest) as baseline and the newest other one as optimized.
    pub fn settle(self, files: &[LoadedFile]) -> Selection {
        let valid: Vec<&LoadedFile> = files.iter().filter(|f| f.parsed.is_ok()).collect();
        let exists = |id: Option<usize>| id.filter(|id| valid.iter().any(|f| f.id == *id));
        let oldest_first = || valid.iter().rev();
        let baseline = exists(self.baseline).or_else(|| {
            oldest_first()
                .find(|f| f.parsed.as_ref().is_ok_and(|r| r.run.label == "baseline"))
                .or_else(|| oldest_first().next())
                .map(|f| f.id)
        });
        let optimized = exists(self.optimized)
            .filter(|id| Some(*id) != baseline)
            .or_else(|| valid.iter().find(|f| Some(f.id) != baseline).map(|f| f.id));
        Selection { baseline, optimized }
    }

    /// `id` as baseline; picking the optimized report swaps the two, so the
    /// pickers never show one report on both sides.
    pub fn pick_baseline(self, id: usize) -> Selection {
        let optimized = if self.optimized == Some(id) { self.baseline } else { self.optimized };
        Selection { baseline: Some(id), optimized }
    }

    /// `id` as optimized; picking the baseline report swaps the two.
    pub fn pick_optimized(self, id: usize) -> Selection {
        let baseline = if self.baseline == Some(id) { self.optimized } else { self.baseline };
        Selection { baseline, optimized: Some(id) }
    }
}

fn report_of(files: &[LoadedFile], id: Option<usize>) -> Option<Report> {
    files.iter().find(|f| Some(f.id) == id).and_then(|f| f.parsed.clone().ok())
}

/// The analysis panel; shows nothing until two valid reports are loaded.
#[component]
pub fn AnalysisPanel(
    files: ReadSignal<Vec<LoadedFile>>,
    selection: RwSignal<Selection>,
    settings: RwSignal<AnalysisSettings>,
) -> impl IntoView {
    let chosen = Memo::new(move |_| {
        let files = files.get();
        let s = selection.get().settle(&files);
        report_of(&files, s.baseline).zip(report_of(&files, s.optimized))
    });
    let result =
        Memo::new(move |_| chosen.get().map(|(a, b)| analyze(&a, &b, &settings.get()).map_err(|e| e.to_string())));
    let share_link = RwSignal::new(None::<String>);
    let share = move |_| {
        if let Some((a, b)) = chosen.get_untracked() {
            let s = settings.get_untracked();
            let payload = SharePayload {
                reports: vec![a, b],
                view: ViewSettings {
                    baseline: Some(0),
                    optimized: Some(1),
                    threshold_pct: Some(s.compare.threshold * 100.0),
                    cost: Some(s.cost),
                },
            };
            let fragment = encode(&payload);
            let window = web_sys::window().expect("a browser window");
            let _ = window.location().set_hash(&fragment);
            share_link.set(window.location().href().ok());
        }
    };
    move || {
        let files_now = files.get();
        if files_now.iter().filter(|f| f.parsed.is_ok()).count() < 2 {
            return view! {
                <p class="hint">"Drop a baseline and an optimized report to compare them."</p>
            }
            .into_any();
        }
        let current = selection.get().settle(&files_now);
        // Printed pages have no pickers: which two reports are compared, in words.
        let name_of = |id: Option<usize>| {
            files_now
                .iter()
                .find(|f| Some(f.id) == id)
                .and_then(|f| f.parsed.as_ref().ok().map(|r| format!("{} ({})", r.run.label, f.name)))
                .unwrap_or_default()
        };
        let pair = format!("baseline {} → optimized {}", name_of(current.baseline), name_of(current.optimized));
        view! {
            <section class="card analysis" data-testid="analysis">
                <h2>"Before and after"</h2>
                <div class="pickers">
                    <ReportPicker label="baseline" files=files_now.clone() chosen=current.baseline
                        on_pick=move |id| selection.set(current.pick_baseline(id)) />
                    <ReportPicker label="optimized" files=files_now chosen=current.optimized
                        on_pick=move |id| selection.set(current.pick_optimized(id)) />
                    <button data-testid="share" on:click=share>"Share link"</button>
                </div>
                <p class="print-only" data-testid="print-pair">{pair}</p>
                {move || share_link.get().map(|link| view! {
                    <input class="share-link" data-testid="share-link" readonly prop:value=link />
                })}
                {move || match (result.get(), chosen.get()) {
                    (Some(Ok(analysis)), Some(reports)) => view! { <AnalysisBody analysis=analysis reports=reports settings=settings /> }.into_any(),
                    (Some(Err(message)), _) => view! { <p class="message error" data-testid="analysis-error">{message}</p> }.into_any(),
                    _ => view! { <p class="hint">"Pick two different reports."</p> }.into_any(),
                }}
            </section>
        }
        .into_any()
    }
}

#[component]
fn ReportPicker(
    label: &'static str,
    files: Vec<LoadedFile>,
    chosen: Option<usize>,
    on_pick: impl Fn(usize) + 'static,
) -> impl IntoView {
    let options = files
        .into_iter()
        .filter_map(|f| f.parsed.as_ref().ok().map(|r| (f.id, format!("{} ({})", r.run.label, f.name))))
        .map(|(id, text)| view! { <option value=id.to_string() selected=Some(id) == chosen>{text}</option> })
        .collect_view();
    view! {
        <label>
            {label} " "
            <select data-testid=format!("pick-{label}")
                prop:value=chosen.map(|id| id.to_string()).unwrap_or_default()
                on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse() {
                        on_pick(id);
                    }
                }>
                {options}
            </select>
        </label>
    }
}

#[component]
fn AnalysisBody(analysis: Analysis, reports: (Report, Report), settings: RwSignal<AnalysisSettings>) -> impl IntoView {
    let grade = analysis.targets.grade.map_or("no grade".to_string(), |g| g.label().to_string());
    let met = format!(
        "{} of {} measured targets met; {} not measured",
        analysis.targets.met,
        analysis.targets.measured,
        analysis.targets.results.iter().filter(|r| r.status == Status::NotMeasured).count()
    );
    let targets = analysis
        .targets
        .results
        .iter()
        .map(|r| {
            let class = match r.status {
                Status::Met | Status::Exceeded => "good",
                Status::Missed => "bad",
                _ => "muted",
            };
            view! {
                <tr>
                    <th scope="row">{r.name.clone()}</th>
                    <td class="key">{r.metric.clone()}</td>
                    <td>{r.value.map(|v| format_value(v, &r.unit)).unwrap_or_default()}</td>
                    <td>{r.rule.clone()}</td>
                    <td class=class>{r.status.label()}</td>
                </tr>
            }
        })
        .collect_view();
    let rows = analysis
        .comparison
        .metrics
        .iter()
        .filter(|m| !m.key.contains(".endpoint."))
        .map(|m| {
            let class = match m.verdict {
                Verdict::Improved => "good",
                Verdict::Regressed => "bad",
                _ => "muted",
            };
            view! {
                <tr data-testid="metric" data-key=m.key.clone()>
                    <th scope="row" class="key">{m.key.clone()}</th>
                    <td>{format_value(m.baseline, &m.unit)}</td>
                    <td>{format_value(m.optimized, &m.unit)}</td>
                    <td>{m.change_text()}</td>
                    <td>{m.factor_text()}</td>
                    <td class=class data-testid="verdict">{m.verdict.label()}</td>
                    <td class="muted" data-testid="evidence">{m.evidence.map(|e| e.text())}</td>
                </tr>
            }
        })
        .collect_view();
    let unmatched = analysis.comparison.unmatched_text().map(|text| {
        view! { <p class="muted" data-testid="unmatched">{format!("Not compared, {text}.")}</p> }
    });
    let comparability = (!analysis.comparability.is_empty()).then(|| {
        let items = analysis.comparability.iter().map(|w| view! { <li>{w.to_string()}</li> }).collect_view();
        view! {
            <div class="warnings" data-testid="comparability">
                <strong>"These runs may not be comparable:"</strong>
                <ul>{items}</ul>
            </div>
        }
    });
    view! {
        <div class="grade-line">
            <span class="grade" data-testid="grade">{grade}</span>
            <span class="meta">{met}</span>
        </div>
        {comparability}
        <table class="targets">
            <thead><tr><th>"target"</th><th>"metric"</th><th>"value"</th><th>"rule"</th><th>"status"</th></tr></thead>
            <tbody>{targets}</tbody>
        </table>
        <table class="comparison">
            <thead><tr><th>"metric"</th><th>"before"</th><th>"after"</th><th>"change"</th><th>"factor"</th><th>"verdict"</th><th>"evidence"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="muted" data-testid="verdicts-line">{analysis.comparison.verdicts_line()}</p>
        {(!analysis.advice.is_empty()).then(|| view! {
            <ul class="advice" data-testid="advice">
                {analysis.advice.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view()}
            </ul>
        })}
        {unmatched}
        <h3>"Charts"</h3>
        <div class="charts">
            {spectrum_charts(&reports.0, &reports.1)}
            {timeline_charts(&reports.0, &reports.1)}
            {pool_charts(&reports.0, &reports.1)}
            {batch_charts(&reports.0, &reports.1)}
            {cache_charts(&reports.0, &reports.1)}
        </div>
        <CostView analysis=analysis settings=settings />
    }
}

/// One editable number of the cost model.
#[component]
fn CostInput(
    label: &'static str,
    testid: &'static str,
    settings: RwSignal<AnalysisSettings>,
    get: fn(&AnalysisSettings) -> f64,
    set: fn(&mut AnalysisSettings, f64),
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input type="number" step="any" min="0" data-testid=testid
                prop:value=move || get(&settings.get()).to_string()
                on:change=move |ev| {
                    if let Ok(value) = event_target_value(&ev).parse::<f64>() {
                        if value.is_finite() && value >= 0.0 {
                            settings.update(|s| set(s, value));
                        }
                    }
                } />
        </label>
    }
}

#[component]
fn CostView(analysis: Analysis, settings: RwSignal<AnalysisSettings>) -> impl IntoView {
    let summary = match (&analysis.cost, &analysis.cost_error) {
        (Some(cost), _) => {
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
                    <strong data-testid="cost-reduction">{format!("{} %", group_thousands(cost.reduction_pct, 1))}</strong>
                    {format!(", {status}.")}
                </p>
                <p data-testid="roi">
                    {format!(
                        "ROI: annual saving ${}, ROI {}, payback {}.",
                        group_thousands(roi.annual_saving_usd, 0),
                        roi.roi_pct.map_or("n/a".into(), |p| format!("{} %", group_thousands(p, 0))),
                        roi.payback_days.map_or("never (no saving)".into(), |d| format!("{} days", group_thousands(d, 0)))
                    )}
                </p>
            }
            .into_any()
        }
        (None, error) => {
            view! { <p class="muted">{format!("Cost not computed: {}", error.clone().unwrap_or_default())}</p> }
                .into_any()
        }
    };
    let chart = analysis.cost.as_ref().map(cost_chart);
    view! {
        <h3>"Cost and ROI"</h3>
        {summary}
        {chart}
        <div class="cost-inputs">
            <CostInput label="requests/day" testid="requests-per-day" settings=settings
                get=|s| s.cost.traffic.requests_per_day set=|s, v| s.cost.traffic.requests_per_day = v />
            <CostInput label="instance $/hour" testid="instance-price" settings=settings
                get=|s| s.cost.pricing.instance_hourly_usd set=|s, v| s.cost.pricing.instance_hourly_usd = v />
            <CostInput label="growth %/month" testid="growth" settings=settings
                get=|s| s.cost.traffic.monthly_growth_pct set=|s, v| s.cost.traffic.monthly_growth_pct = v />
            <CostInput label="engineering cost $" testid="engineering-cost" settings=settings
                get=|s| s.cost.engineering_cost() set=|s, v| s.cost.engineering_cost_usd = Some(v) />
        </div>
    }
}
