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

async fn read(file: File, on_file: impl Fn(String, String)) {
    let name = file.name();
    match JsFuture::from(file.text()).await.ok().and_then(|text| text.as_string()) {
        Some(text) => on_file(name, text),
        None => on_file(name, String::new()),
    }
}
