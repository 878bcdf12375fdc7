//! perfproof's web app: a static page where people drop perfproof reports and read
//! them, computed entirely in the browser with the same `perfproof-shared` code the
//! CLI uses. No server ever sees the data.
//!
//! - [`upload`]: the drop zone and file picker, reading files into text.
//! - [`remote`]: hosted reports named in the address (`?src=<url>`, repeatable), fetched.
//! - [`report_view`]: the list of loaded files (each removable, a bad one with its
//!   error) and one card per report (run metadata and latency summaries).
//! - [`analysis_view`]: baseline against optimized: grade, targets, verdicts, cost, ROI, share link.
//! - [`history_view`]: three or more reports as a history: alerts, slopes per day with
//!   their intervals, a trend chart per metric (as `perfproof history`).
//! - [`charts`]: the analysis' and the history's charts (latency spectrum, timeline, pool, batch and cache
//!   sizes, daily cost), each beside its numbers.

mod analysis_view;
mod charts;
mod history_view;
mod remote;
mod report_view;
mod upload;

use leptos::prelude::*;
use perfproof_shared::analysis::AnalysisSettings;
use perfproof_shared::share::decode;

use analysis_view::{AnalysisPanel, Selection};
use history_view::HistoryPanel;
use report_view::{LoadedFile, LoadedList, ReportCard};
use upload::DropZone;

fn main() {
    show_panics();
    leptos::mount::mount_to_body(App);
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

/// `?debug=panic` in the address panics once the page is up: how the browser
/// test checks that a panic is shown.
fn debug_panic_requested() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get("debug"))
        .is_some_and(|value| value == "panic")
}

/// The whole page: the drop zone, the list of loaded files (each removable), the
/// analysis of two reports, the history of three or more, then one card per report, newest first. A share link
/// in the URL fragment and the hosted reports named by `?src=` are loaded on start.
#[component]
fn App() -> impl IntoView {
    let (files, set_files) = signal(Vec::<LoadedFile>::new());
    let selection = RwSignal::new(Selection::default());
    let settings = RwSignal::new(AnalysisSettings::default());
    let shared_error = load_share_link(set_files, selection, settings);
    let on_file = move |name: String, text: String| {
        let loaded = LoadedFile::parse(name, &text);
        set_files.update(|files| files.insert(0, loaded));
    };
    let progress = RwSignal::new(None::<String>);
    remote::load_all(remote::src_urls(), progress, move |loaded| set_files.update(|files| files.insert(0, loaded)));
    view! {
        <header>
            <h1>"perfproof"</h1>
            <p class="tagline">"Proof that your optimization worked: drop perfproof reports to read them. Nothing leaves your browser."</p>
        </header>
        <main>
            <DropZone on_file=on_file />
            {move || progress.get().map(|text| view! { <p class="progress" role="status" data-testid="src-progress">{text}</p> })}
            {shared_error.map(|message| view! { <p class="card error message" data-testid="share-error">{message}</p> })}
            <LoadedList files=files on_remove=move |id| set_files.update(|files| files.retain(|f| f.id != id)) />
            <AnalysisPanel files=files selection=selection settings=settings />
            <HistoryPanel files=files settings=settings />
            <section id="reports">
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

/// Loads the reports and view of a `#pp1.…` share link, if the page was opened with one.
/// Returns the error to show when the link is damaged.
fn load_share_link(
    set_files: WriteSignal<Vec<LoadedFile>>,
    selection: RwSignal<Selection>,
    settings: RwSignal<AnalysisSettings>,
) -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    if hash.len() <= 1 {
        return None;
    }
    match decode(&hash) {
        Ok(payload) => {
            let files: Vec<LoadedFile> = payload
                .reports
                .into_iter()
                .enumerate()
                .map(|(i, report)| LoadedFile::from_report(format!("shared report {}", i + 1), report))
                .collect();
            let id_of = |index: Option<usize>| index.and_then(|i| files.get(i)).map(|f| f.id);
            selection
                .set(Selection { baseline: id_of(payload.view.baseline), optimized: id_of(payload.view.optimized) });
            settings.update(|s| {
                if let Some(threshold) = payload.view.threshold_pct {
                    s.compare.threshold = threshold / 100.0;
                }
                if let Some(cost) = payload.view.cost {
                    s.cost = cost;
                }
            });
            // Newest first, as dropped files are.
            set_files.set(files.into_iter().rev().collect());
            None
        }
        Err(e) => Some(format!("This share link could not be opened: {e}")),
    }
}
