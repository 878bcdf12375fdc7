//! The comparison view: the metrics of the pair with before, after, change,
//! factor, verdict, interval and evidence; first the headlines and what needs a
//! look, as `perfproof compare` shows them (every metric on request); filtered by workload and by verdict,
//! sorted by any column (a button in its header, `aria-sort` saying how). Rows,
//! filters, order, names and intervals are `perfproof_shared::charts`'; the
//! verdicts line, advice and unmatched metrics are the CLI's words.

use leptos::prelude::*;
use perfproof_shared::analysis::Analysis;
use perfproof_shared::compare::{MetricComparison, Verdict};
use perfproof_shared::comparison_table::{
    comparison_rows, comparison_workloads, first_look, interval_text, metric_title, Column,
};
use perfproof_shared::format::value as format_value;

use crate::state::use_app_state;

/// The verdicts a filter can pick, in the order the filter lists them.
const VERDICTS: [Verdict; 6] = [
    Verdict::Improved,
    Verdict::Regressed,
    Verdict::NoChange,
    Verdict::Inconclusive,
    Verdict::InsufficientData,
    Verdict::NotTested,
];

/// The metrics the table lists, as `perfproof compare` does: a first look (each
/// tier's headlines, then every other metric that regressed or is inconclusive), or
/// every metric (`--all`).
fn listed(analysis: &Analysis, every: bool) -> Vec<MetricComparison> {
    match every {
        true => analysis.comparison.metrics.clone(),
        false => first_look(&analysis.comparison.metrics).into_iter().cloned().collect(),
    }
}

#[component]
pub fn ComparisonView() -> impl IntoView {
    let analysis = use_app_state().analysis;
    let workload = RwSignal::new(None::<String>);
    let verdict = RwSignal::new(None::<Verdict>);
    let sort = RwSignal::new(None::<(Column, bool)>);
    let every = RwSignal::new(false);
    let metrics = Memo::new(move |_| {
        let every = every.get();
        analysis.with(|a| a.as_ref().map(|a| listed(a, every)).unwrap_or_default())
    });
    let workloads = move || {
        metrics
            .with(|m| comparison_workloads(m))
            .into_iter()
            .map(|w| {
                let selected = workload.with(|chosen| chosen.as_deref() == Some(w.as_str()));
                view! { <option value=w.clone() selected=selected>{w.clone()}</option> }
            })
            .collect_view()
    };
    let verdicts = VERDICTS.iter().map(|v| view! { <option value=v.label()>{v.label()}</option> }).collect_view();
    let body = move || {
        metrics.with(|all| {
            workload.with(|w| {
                comparison_rows(all, w.as_deref(), verdict.get(), sort.get()).into_iter().map(row).collect_view()
            })
        })
    };
    let count = move || {
        metrics.with(|all| {
            workload.with(|w| {
                let shown = comparison_rows(all, w.as_deref(), verdict.get(), sort.get()).len();
                format!("{shown} of {} metrics shown", all.len())
            })
        })
    };
    let headers = Column::ALL
        .iter()
        .map(|&column| {
            let state = move || match sort.get() {
                Some((c, false)) if c == column => "ascending",
                Some((c, true)) if c == column => "descending",
                _ => "none",
            };
            let arrow = move || match state() {
                "ascending" => "▲",
                "descending" => "▼",
                _ => "↕",
            };
            let click = move |_| {
                sort.update(|s| {
                    *s = match *s {
                        Some((c, false)) if c == column => Some((column, true)),
                        _ => Some((column, false)),
                    }
                })
            };
            view! {
                <th class=column.label() aria-sort=state>
                    {column.label()} " "
                    <button type="button" class="sort" data-testid=format!("sort-{}", column.label())
                        aria-label=format!("sort by {}", column.label()) on:click=click>
                        {arrow}
                    </button>
                </th>
            }
        })
        .collect_view();
    view! {
        <div class="filters">
            <label>
                "show "
                <select data-testid="filter-shown" on:change=move |ev| every.set(event_target_value(&ev) == "every")>
                    <option value="first">"headlines and what needs a look"</option>
                    <option value="every">"every metric"</option>
                </select>
            </label>
            <label>
                "workload "
                <select data-testid="filter-workload" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    workload.set((!value.is_empty()).then_some(value));
                }>
                    <option value="">"all"</option>
                    {workloads}
                </select>
            </label>
            <label>
                "verdict "
                <select data-testid="filter-verdict" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    verdict.set(VERDICTS.iter().copied().find(|v| v.label() == value));
                }>
                    <option value="">"all"</option>
                    {verdicts}
                </select>
            </label>
            <span class="muted" role="status" data-testid="shown-count">{count}</span>
        </div>
        <div class="table-scroll" data-testid="comparison-scroll">
            <table class="comparison">
                <thead>
                    <tr>
                        {headers}
                        <th class="interval">"interval (+ = worse)"</th>
                        <th class="evidence">"evidence"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        {move || analysis.get().map(|a| notes(&a))}
        <Glossary />
    }
}

/// One metric's row.
fn row(m: &MetricComparison) -> impl IntoView {
    let class = match m.verdict {
        Verdict::Improved => "good",
        Verdict::Regressed => "bad",
        _ => "muted",
    };
    view! {
        <tr data-testid="metric" data-key=m.key.clone()>
            <th scope="row">
                <span class="metric-name">{metric_title(&m.key)}</span>
                <span class="key">{m.key.clone()}</span>
            </th>
            <td>{format_value(m.baseline, &m.unit)}</td>
            <td>{format_value(m.optimized, &m.unit)}</td>
            <td>{m.change_text()}</td>
            <td class="factor">{m.factor_text()}</td>
            <td class=class data-testid="verdict">{m.verdict.label()}</td>
            <td class="muted interval" data-testid="interval">{interval_text(m)}</td>
            <td class="muted evidence" data-testid="evidence">{m.evidence.map(|e| e.text())}</td>
        </tr>
    }
}

/// Below the table: the confidence and threshold line, the advice, and metrics only one run has.
fn notes(analysis: &Analysis) -> impl IntoView {
    let unmatched = analysis.comparison.unmatched_text().map(|text| {
        view! { <p class="muted" data-testid="unmatched">{format!("Not compared, {text}.")}</p> }
    });
    view! {
        <p class="muted" data-testid="verdicts-line">{analysis.comparison.verdicts_line()}</p>
        {(!analysis.advice.is_empty()).then(|| view! {
            <ul class="advice" data-testid="advice">
                {analysis.advice.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view()}
            </ul>
        })}
        {unmatched}
    }
}

/// What the table's words mean.
#[component]
fn Glossary() -> impl IntoView {
    view! {
        <details class="glossary" data-testid="glossary">
            <summary>"What the columns and verdicts mean"</summary>
            <dl>
                <dt>"factor"</dt>
                <dd>"How many times better the optimized run is: before ÷ after where lower is better (latency), after ÷ before where higher is better (throughput). Above 1 is better; its category: above 2 excellent, 1.5–2 very good, 1.2–1.5 good, 1–1.2 moderate, below 1 a regression."</dd>
                <dt>"interval"</dt>
                <dd>"The confidence interval of the relative change, turned so that + means worse (for rates such as the hit rate, in percentage points)."</dd>
                <dt>"improved / regressed"</dt>
                <dd>"The whole interval lies beyond the threshold: a real change, not noise."</dd>
                <dt>"no change"</dt>
                <dd>"The whole interval lies within ± the threshold."</dd>
                <dt>"inconclusive"</dt>
                <dd>"The interval crosses the threshold: the runs cannot tell. Measure longer or repeat the runs."</dd>
                <dt>"insufficient data"</dt>
                <dd>"Too few samples for an interval: p99 needs hundreds of samples, p99.9 thousands."</dd>
                <dt>"not tested"</dt>
                <dd>"No statistical test applies (means, maxima, counts): the numbers describe the runs but prove nothing."</dd>
            </dl>
        </details>
    }
}
