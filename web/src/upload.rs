//! Getting report files into the page: a drop zone that also opens a file picker.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FileList};

/// Files dropped anywhere but the drop zone are ignored: without this, the browser
/// would open the file in place of the page and the analysis would be lost.
fn ignore_drops_outside() {
    let cancel = |ev: web_sys::DragEvent| ev.prevent_default();
    // The page lives as long as the window: the listeners are never removed.
    let _ = window_event_listener(leptos::ev::dragover, cancel);
    let _ = window_event_listener(leptos::ev::drop, cancel);
}

/// A drop zone and file picker; calls `on_file(name, text)` for each file read.
/// A file that cannot be read as text is passed on as empty text, which
/// [`crate::report_view::LoadedFile::parse`] reports as unreadable.
#[component]
pub fn DropZone(on_file: impl Fn(String, String) + Copy + Send + Sync + 'static) -> impl IntoView {
    ignore_drops_outside();
    let (dragging, set_dragging) = signal(false);
    let read_all = move |list: Option<FileList>| {
        let Some(list) = list else { return };
        for i in 0..list.length() {
            if let Some(file) = list.get(i) {
                leptos::task::spawn_local(read(file, on_file));
            }
        }
    };
    view! {
        <label
            class="dropzone"
            class:dragging=dragging
            on:dragover=move |ev| {
                ev.prevent_default();
                set_dragging.set(true);
            }
            on:dragleave=move |_| set_dragging.set(false)
            on:drop=move |ev| {
                ev.prevent_default();
                set_dragging.set(false);
                read_all(ev.data_transfer().and_then(|dt| dt.files()));
            }
        >
            <input
                type="file"
                accept=".json,application/json"
                multiple
                data-testid="file-input"
                on:change=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    read_all(input.files());
                    // Let the same file be picked again.
                    input.set_value("");
                }
            />
            <span>"Drop perfproof reports (.json) here, or click to choose files"</span>
        </label>
    }
}

/// Files larger than this are first checked by their opening bytes.
const LARGE_BYTES: f64 = 1024.0 * 1024.0;

async fn read(file: File, on_file: impl Fn(String, String)) {
    let name = file.name();
    // A large file that does not open like JSON (`{`, after blanks or a byte-order
    // mark) is not read whole: its opening bytes get the same error the whole
    // file would (the parser stops at the first character), without the page
    // freezing on megabytes of text.
    if file.size() > LARGE_BYTES {
        if let Some(head) = text_of(&file.slice_with_f64_and_f64(0.0, 64.0).ok()).await {
            let opening = head.trim_start_matches('\u{feff}').trim_start();
            if !opening.is_empty() && !opening.starts_with('{') {
                on_file(name, head);
                return;
            }
        }
    }
    let text = text_of(&Some(file.into())).await.unwrap_or_default();
    on_file(name, text);
}

async fn text_of(blob: &Option<web_sys::Blob>) -> Option<String> {
    JsFuture::from(blob.as_ref()?.text()).await.ok().and_then(|text| text.as_string())
}
