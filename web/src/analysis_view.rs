//! The before/after analysis: pick a baseline and an optimized report, then read
//! it in views reached from a nav of anchors: the overview (grade, targets met and
//! missed with their values, the headline verdicts in words, the targets editor),
//! the comparison (every metric, filtered and sorted), the charts, and cost and
//! ROI; share it all as a link. Computed by `perfproof_shared::analysis::analyze`,
//! the same code as `perfproof compare`.

use leptos::prelude::*;
use perfproof_shared::analysis::Analysis;
use perfproof_shared::comparison_table::headline_sentences;
use perfproof_shared::format::value as format_value;
use perfproof_shared::targets::{rule_text, Grade, Status};
use perfproof_shared::Report;

use crate::charts::{
    batch::batch_charts, cache::cache_charts, capacity::capacity_charts, pool::pool_charts, spectrum::spectrum_charts,
    timeline::timeline_charts,
};
use crate::comparison_view::ComparisonView;
use crate::cost_view::CostView;
use crate::share_view::ShareBox;
use crate::state::{use_app_state, Selection};
use crate::targets_view::TargetsEditor;

/// The views of an analysis, as the nav lists them: anchor id and title. The
/// history (three or more reports) and the report cards follow the analysis.
pub const VIEWS: [(&str, &str); 6] = [
    ("view-overview", "Overview"),
    ("view-comparison", "Comparison"),
    ("view-charts", "Charts"),
    ("view-cost", "Cost and ROI"),
    ("view-history", "History"),
    ("view-reports", "Reports"),
];

/// The analysis panel; shows a hint until two valid reports are loaded. Its tree
/// is built once: the pickers, the pair's names, the share box, the targets
/// editor and each view follow the state through their own reactive leaves.
#[component]
pub fn AnalysisPanel() -> impl IntoView {
    let state = use_app_state();
    let comparable = move || state.files.with(|files| files.iter().filter(|f| f.parsed.is_ok()).count() >= 2);
    // Printed pages have no pickers: which two reports are compared, in words.
    let pair = move || {
        let Selection { baseline, optimized } = state.current.get();
        state.files.with(|files| {
            let name_of = |id: Option<usize>| {
                files
                    .iter()
                    .find(|f| Some(f.id) == id)
                    .and_then(|f| f.parsed.as_ref().ok().map(|r| picker_text(&r.run.label, &f.name)))
                    .unwrap_or_default()
            };
            format!("baseline {} → optimized {}", name_of(baseline), name_of(optimized))
        })
    };
    let nav = VIEWS
        .iter()
        .map(|(id, title)| view! { <a href=format!("#{id}") data-testid=format!("nav-{id}")>{*title}</a> })
        .collect_view();
    let message = move || {
        state.result.with(|result| match result {
            Some(Err(message)) => {
                Some(view! { <p class="message error" data-testid="analysis-error">{message.clone()}</p> }.into_any())
            }
            None => Some(view! { <p class="hint">"Pick two different reports."</p> }.into_any()),
            Some(Ok(_)) => None,
        })
    };
    let analysis = state.analysis;
    view! {
        <Show
            when=comparable
            fallback=|| view! { <p class="hint">"Drop a baseline and an optimized report to compare them."</p> }
        >
            <section class="card analysis" data-testid="analysis">
                <h2>"Before and after"</h2>
                <div class="pickers">
                    <ReportPicker label="baseline" side=|s| s.baseline pick=Selection::pick_baseline />
                    <ReportPicker label="optimized" side=|s| s.optimized pick=Selection::pick_optimized />
                </div>
                <p class="print-only" data-testid="print-pair">{pair}</p>
                <ShareBox />
                <nav class="views" aria-label="Views of the analysis" data-testid="views">{nav.clone()}</nav>
                {message}
                <Show when=move || analysis.with(Option::is_some)>
                    <section id="view-overview" class="view" data-testid="view-overview" aria-labelledby="h-overview">
                        <h3 id="h-overview">"Overview"</h3>
                        {move || analysis.with(|a| a.as_ref().map(overview))}
                        <TargetsEditor />
                    </section>
                    <section id="view-comparison" class="view" data-testid="view-comparison" aria-labelledby="h-comparison">
                        <h3 id="h-comparison">"Comparison"</h3>
                        <ComparisonView />
                    </section>
                    <section id="view-charts" class="view" data-testid="view-charts" aria-labelledby="h-charts">
                        <h3 id="h-charts">"Charts"</h3>
                        <div class="charts">{move || state.chosen.with(|c| c.as_ref().map(|(a, b)| charts(a, b)))}</div>
                    </section>
                    <section id="view-cost" class="view" data-testid="view-cost" aria-labelledby="h-cost">
                        <h3 id="h-cost">"Cost and ROI"</h3>
                        <CostView />
                    </section>
                </Show>
            </section>
        </Show>
    }
}

/// How a picker and the printed pair name a report: `baseline (baseline.json)`.
fn picker_text(label: &str, file: &str) -> String {
    format!("{label} ({file})")
}

/// One side's picker: every valid report, the side's choice selected; picking
/// the other side's report swaps the two ([`Selection::pick_baseline`]).
#[component]
fn ReportPicker(
    label: &'static str,
    side: fn(&Selection) -> Option<usize>,
    pick: fn(Selection, usize) -> Selection,
) -> impl IntoView {
    let state = use_app_state();
    let chosen = move || side(&state.current.get());
    let options = move || {
        state.files.with(|files| {
            files
                .iter()
                .filter_map(|f| f.parsed.as_ref().ok().map(|r| (f.id, picker_text(&r.run.label, &f.name))))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <label>
            {label} " "
            <select data-testid=format!("pick-{label}")
                prop:value=move || chosen().map(|id| id.to_string()).unwrap_or_default()
                on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse() {
                        state.selection.set(pick(state.current.get_untracked(), id));
                    }
                }>
                <For each=options key=|(id, _)| *id let:((id, text))>
                    <option value=id.to_string() selected=move || chosen() == Some(id)>{text}</option>
                </For>
            </select>
        </label>
    }
}

/// The colour class of a grade: green for A+ and A, amber for B+ and B, red below.
fn grade_class(grade: Option<Grade>) -> &'static str {
    match grade {
        Some(Grade::APlus | Grade::A) => "grade good",
        Some(Grade::BPlus | Grade::B) => "grade warn",
        Some(Grade::C | Grade::D) => "grade bad",
        None => "grade muted",
    }
}

/// The overview: the grade, why the runs may not be comparable, the headline
/// verdicts in sentences, and each target with its value and status.
fn overview(analysis: &Analysis) -> impl IntoView {
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
                <tr data-testid="target">
                    <th scope="row">{r.name.clone()}</th>
                    <td class="key">{r.metric.clone()}</td>
                    <td data-testid="target-value">{r.value.map(|v| format_value(v, &r.unit)).unwrap_or_else(|| "—".into())}</td>
                    <td data-testid="target-rule">{rule_text(&r.rule)}</td>
                    <td class=class data-testid="target-status">{r.status.label()}</td>
                </tr>
            }
        })
        .collect_view();
    let comparability = (!analysis.comparability.is_empty()).then(|| {
        let items = analysis.comparability.iter().map(|w| view! { <li>{w.to_string()}</li> }).collect_view();
        view! {
            <div class="warnings" data-testid="comparability">
                <strong>"These runs may not be comparable:"</strong>
                <ul>{items}</ul>
            </div>
        }
    });
    let headlines = headline_sentences(&analysis.comparison.metrics);
    let headlines = (!headlines.is_empty()).then(|| {
        view! {
            <ul class="headlines" data-testid="headlines">
                {headlines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
        }
    });
    view! {
        <div class="grade-line">
            <span class=grade_class(analysis.targets.grade) data-testid="grade">{grade}</span>
            <span class="meta" data-testid="targets-met">{met}</span>
        </div>
        {comparability}
        {headlines}
        <table class="targets" data-testid="targets">
            <thead><tr><th>"target"</th><th>"metric"</th><th>"value"</th><th>"rule"</th><th>"status"</th></tr></thead>
            <tbody>{targets}</tbody>
        </table>
    }
}

/// Every chart of the pair: latency spectra, timelines, latency against offered
/// load of the workloads whose capacity was searched, and the pool, batch and
/// cache sizes of the workloads that have them.
fn charts(baseline: &Report, optimized: &Report) -> impl IntoView {
    view! {
        {spectrum_charts(baseline, optimized)}
        {timeline_charts(baseline, optimized)}
        {capacity_charts(baseline, optimized)}
        {pool_charts(baseline, optimized)}
        {batch_charts(baseline, optimized)}
        {cache_charts(baseline, optimized)}
    }
}
