//! perfproof's web app: a static page where people drop perfproof reports and read
//! them, computed entirely in the browser with the same `perfproof-shared` code the
//! CLI uses. No server ever sees the data; once loaded, the page works offline
//! (`static/sw.js`).
//!
//! - [`state`]: the page's signals, and the share payload they make and take.
//! - [`upload`]: the drop zone and file picker, reading files into text.
//! - [`remote`]: hosted reports named in the address (`?src=<url>`, repeatable), fetched.
//! - [`report_view`]: the list of loaded files (each removable, a bad one with its
//!   error) and one card per report (run metadata and latency summaries).
//! - [`analysis_view`]: baseline against optimized, in views reached from a nav:
//!   overview (grade, targets, headline verdicts, [`targets_view`]'s editor),
//!   [`comparison_view`] (filtered, sorted), charts, [`cost_view`] (cost and ROI).
//! - [`share_view`]: the share link, always current, with Copy; a bundle file and a
//!   `?src=` link when the view is too large for a link.
//! - [`history_view`]: three or more reports as a history: alerts, slopes per day with
//!   their intervals, a trend chart per metric (as `perfproof history`).
//! - [`charts`]: the analysis' and the history's charts (latency spectrum, timelines, pool, batch and cache
//!   sizes, daily cost), each beside its numbers.

mod analysis_view;
mod charts;
mod comparison_view;
mod cost_view;
mod history_view;
mod remote;
mod report_view;
mod share_view;
mod state;
mod targets_view;
mod upload;

use std::time::Duration;

use leptos::prelude::*;
use perfproof_shared::analysis::{analyze, AnalysisSettings};
use perfproof_shared::report::parse_report;
use perfproof_shared::share::{decode, decode_bundle, is_bundle, is_share_fragment};

use analysis_view::AnalysisPanel;
use history_view::HistoryPanel;
use report_view::{LoadedList, ReportCard};
use state::{AppState, LoadedFile};
use upload::DropZone;

fn main() {
    show_panics();
    leptos::mount::mount_to_body(App);
    warm_up();
    if debug_panic_requested() {
        leptos::task::spawn_local(async { panic!("a deliberate panic, asked for by ?debug=panic") });
    }
}

/// A Rust panic (a bug) stops the app: instead of a page that silently stops
/// answering, say so in a visible alert at the top of the page (and the console).
fn show_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = format!(
            "perfproof stopped because of a bug and no longer responds: {info}. \
             Reload the page to start again (your report files are unchanged)."
        );
        web_sys::console::error_1(&message.as_str().into());
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let Some(body) = document.body() else { return };
        let alert = match document.get_element_by_id("panic") {
            Some(existing) => existing,
            None => {
                let Ok(alert) = document.create_element("div") else { return };
                alert.set_id("panic");
                alert.set_class_name("panic");
                let _ = alert.set_attribute("role", "alert");
                let _ = alert.set_attribute("data-testid", "panic");
                let _ = body.insert_before(&alert, body.first_child().as_ref());
                alert
            }
        };
        alert.set_text_content(Some(&message));
    }));
}

/// How long after start the page warms up: after its first paint, well before a
/// person can have picked files.
const WARM_UP_AFTER: Duration = Duration::from_millis(300);

/// Analyses the two sample reports once in the background and discards the
/// result. A browser first runs the app's WebAssembly unoptimized and optimizes
/// the functions that ran a lot; without this, the first reports a person drops
/// are parsed and analysed by the unoptimized code, about half as fast. Offline,
/// or when the samples cannot be fetched, nothing happens.
fn warm_up() {
    set_timeout(
        || {
            leptos::task::spawn_local(async {
                let mut reports = Vec::new();
                for url in SAMPLES {
                    if let Ok(Ok(report)) = remote::fetch_text(url).await.map(|text| parse_report(&text)) {
                        reports.push(report);
                    }
                }
                if let [baseline, optimized] = &reports[..] {
                    let _ = analyze(baseline, optimized, &AnalysisSettings::default());
                }
            })
        },
        WARM_UP_AFTER,
    );
}

/// `?debug=panic` in the address panics once the page is up: how the browser
/// test checks that a panic is shown.
fn debug_panic_requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get("debug"))
        .is_some_and(|value| value == "panic")
}

/// The sample reports shipped with the page (`static/samples/`, made by the
/// runner's demo profiles), baseline first.
const SAMPLES: [&str; 2] = ["samples/baseline.json", "samples/optimized.json"];

/// The whole page: the drop zone, the list of loaded files (each removable), the
/// analysis of two reports (with its views and share link), the history of three
/// or more, then one card per report, newest first. A share link in the URL
/// fragment and the hosted reports named by `?src=` are loaded on start; a
/// bundle file dropped in replaces what is loaded with the view it holds.
#[component]
fn App() -> impl IntoView {
    let state = AppState::new();
    state.provide();
    let set_files = state.set_files;
    let shared_error = load_share_link(state);
    let on_file = move |name: String, text: String| {
        if is_bundle(&text) {
            match decode_bundle(&text) {
                Ok(payload) => state.apply(payload),
                Err(e) => set_files.update(|files| files.insert(0, LoadedFile::failed(name, e.to_string()))),
            }
            return;
        }
        let loaded = LoadedFile::parse(name, &text);
        set_files.update(|files| files.insert(0, loaded));
    };
    let progress = RwSignal::new(None::<String>);
    let insert = move |loaded| set_files.update(|files| files.insert(0, loaded));
    remote::load_all(remote::src_urls(), progress, insert);
    let files = state.files;
    view! {
        <header>
            <h1>"perfproof"</h1>
            <p class="tagline">"Proof that your optimization worked: drop perfproof reports to read them. Nothing leaves your browser."</p>
        </header>
        <main>
            <DropZone on_file=on_file />
            {move || files.with(Vec::is_empty).then(|| view! {
                <p class="hint" data-testid="empty-hint">
                    "No report yet? " <code>"perfproof demo"</code>
                    " writes a baseline and an optimized report of its embedded demo service into results/demo/; "
                    <code>"perfproof run --label baseline -o baseline.json"</code>
                    " measures your own. Drop both here, or "
                    <button type="button" class="samples" data-testid="load-samples" on:click=move |_| {
                        remote::load_all(SAMPLES.iter().map(|s| s.to_string()).collect(), progress, insert);
                    }>"load two sample reports"</button>
                    "."
                </p>
            })}
            {move || progress.get().map(|text| view! { <p class="progress" role="status" data-testid="src-progress">{text}</p> })}
            {shared_error.map(|message| view! { <p class="card error message" role="alert" data-testid="share-error">{message}</p> })}
            <LoadedList />
            <AnalysisPanel />
            <section id="view-history" aria-label="History">
                <HistoryPanel />
            </section>
            <section id="view-reports" aria-label="Reports">
                <For
                    each=move || files.get().into_iter().filter_map(|f| f.parsed.ok().map(|report| (f.id, f.name, report)))
                    key=|(id, _, _)| *id
                    let:((_, name, report))
                >
                    <ReportCard name=name report=report />
                </For>
            </section>
        </main>
    }
}

/// Loads the reports and view of a `#pp2.…` (or `#pp1.…`) share link, if the page
/// was opened with one; other fragments (the views' anchors) are left alone.
/// Returns the error to show when the link is damaged.
fn load_share_link(state: AppState) -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    if !is_share_fragment(&hash) {
        return None;
    }
    match decode(&hash) {
        Ok(payload) => {
            state.apply(payload);
            None
        }
        Err(e) => Some(format!("This share link could not be opened: {e}")),
    }
}
