//! perfproof's web app: a static page where people drop perfproof reports and read
//! them, computed entirely in the browser with the same `perfproof-shared` code the
//! CLI uses. No server ever sees the data.
//!
//! - [`upload`]: the drop zone and file picker, reading files into text.
//! - [`report_view`]: one parsed report (run metadata and latency summaries), or its error.

mod report_view;
mod upload;

use leptos::prelude::*;

use report_view::{LoadedFile, ReportCard};
use upload::DropZone;

fn main() {
    leptos::mount::mount_to_body(App);
}

/// The whole page: the drop zone, then one card per file dropped, newest first.
#[component]
fn App() -> impl IntoView {
    let (files, set_files) = signal(Vec::<LoadedFile>::new());
    let on_file = move |name: String, text: String| {
        let loaded = LoadedFile::parse(name, &text);
        set_files.update(|files| files.insert(0, loaded));
    };
    view! {
        <header>
            <h1>"perfproof"</h1>
            <p class="tagline">"Proof that your optimization worked: drop perfproof reports to read them. Nothing leaves your browser."</p>
        </header>
        <main>
            <DropZone on_file=on_file />
            <section id="reports">
                <For each=move || files.get() key=|file| file.id let:file>
                    <ReportCard file=file />
                </For>
            </section>
        </main>
    }
}
