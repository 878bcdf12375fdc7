//! The before/after analysis: pick a baseline and an optimized report, then read
//! it in views reached from a nav of anchors: the overview (grade, targets met and
//! missed with their values, the headline verdicts in words, the targets editor),
//! the comparison (every metric, filtered and sorted), the charts, and cost and
//! ROI; share it all as a link. Computed by `perfproof_shared::analysis::analyze`,
//! the same code as `perfproof compare`.

use leptos::prelude::*;
use perfproof_shared::analysis::{analyze, Analysis};
use perfproof_shared::comparison_table::headline_sentences;
use perfproof_shared::format::value as format_value;
use perfproof_shared::targets::{rule_text, Grade, Status};
use perfproof_shared::Report;

use crate::charts::{
    batch::batch_charts, cache::cache_charts, pool::pool_charts, spectrum::spectrum_charts, timeline::timeline_charts,
};
use crate::comparison_view::ComparisonView;
use crate::cost_view::CostView;
use crate::report_view::LoadedFile;
use crate::share_view::ShareBox;
use crate::state::AppState;
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
pub fn AnalysisPanel(state: AppState) -> impl IntoView {
    let (files, selection, settings) = (state.files, state.selection, state.settings);
    let chosen = Memo::new(move |_| {
        let files = files.get();
        let s = selection.get().settle(&files);
        report_of(&files, s.baseline).zip(report_of(&files, s.optimized))
    });
    let result =
        Memo::new(move |_| chosen.get().map(|(a, b)| analyze(&a, &b, &settings.get()).map_err(|e| e.to_string())));
    let analysis = Memo::new(move |_| result.get().and_then(Result::ok));
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
        let nav = VIEWS
            .iter()
            .map(|(id, title)| view! { <a href=format!("#{id}") data-testid=format!("nav-{id}")>{*title}</a> })
            .collect_view();
        view! {
            <section class="card analysis" data-testid="analysis">
                <h2>"Before and after"</h2>
                <div class="pickers">
                    <ReportPicker label="baseline" files=files_now.clone() chosen=current.baseline
                        on_pick=move |id| selection.set(current.pick_baseline(id)) />
                    <ReportPicker label="optimized" files=files_now chosen=current.optimized
                        on_pick=move |id| selection.set(current.pick_optimized(id)) />
                </div>
                <p class="print-only" data-testid="print-pair">{pair}</p>
                <ShareBox state=state />
                <nav class="views" aria-label="Views of the analysis" data-testid="views">{nav}</nav>
                {move || match result.get() {
                    Some(Err(message)) => Some(view! { <p class="message error" data-testid="analysis-error">{message}</p> }.into_any()),
                    None => Some(view! { <p class="hint">"Pick two different reports."</p> }.into_any()),
                    Some(Ok(_)) => None,
                }}
                <Show when=move || analysis.with(Option::is_some)>
                    <section id="view-overview" class="view" data-testid="view-overview" aria-labelledby="h-overview">
                        <h3 id="h-overview">"Overview"</h3>
                        {move || analysis.get().map(|a| overview(&a))}
                        <TargetsEditor state=state />
                    </section>
                    <section id="view-comparison" class="view" data-testid="view-comparison" aria-labelledby="h-comparison">
                        <h3 id="h-comparison">"Comparison"</h3>
                        <ComparisonView analysis=analysis />
                    </section>
                    <section id="view-charts" class="view" data-testid="view-charts" aria-labelledby="h-charts">
                        <h3 id="h-charts">"Charts"</h3>
                        <div class="charts">{move || chosen.get().map(|(a, b)| charts(&a, &b))}</div>
                    </section>
                    <section id="view-cost" class="view" data-testid="view-cost" aria-labelledby="h-cost">
                        <h3 id="h-cost">"Cost and ROI"</h3>
                        <CostView analysis=analysis settings=settings />
                    </section>
                </Show>
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

/// Every chart of the pair: latency spectra, timelines, and the pool, batch and
/// cache sizes of the workloads that have them.
fn charts(baseline: &Report, optimized: &Report) -> impl IntoView {
    view! {
        {spectrum_charts(baseline, optimized)}
        {timeline_charts(baseline, optimized)}
        {pool_charts(baseline, optimized)}
        {batch_charts(baseline, optimized)}
        {cache_charts(baseline, optimized)}
    }
}
