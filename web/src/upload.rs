//! Getting report files into the page: a drop zone that also opens a file picker.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
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
        // Every file's read starts now; all are handed over together once read,
        // so the page updates once for the whole drop, not once per file.
        let reads: Vec<_> = (0..list.length()).filter_map(|i| list.get(i)).map(read).collect();
        leptos::task::spawn_local(async move {
            let mut texts = Vec::with_capacity(reads.len());
            for read in reads {
                texts.push(read.await);
            }
            for (name, text) in texts {
                on_file(name, text);
            }
        });
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

/// Starts reading `file` (its opening bytes too, when it is large) and returns
/// its name and text once read.
fn read(file: File) -> impl std::future::Future<Output = (String, String)> {
    let name = file.name();
    // A large file that does not open like JSON (`{`, after blanks or a byte-order
    // mark) is not read whole: its opening bytes get the same error the whole
    // file would (the parser stops at the first character), without the page
    // freezing on megabytes of text.
    let large = file.size() > LARGE_BYTES;
    let head = large.then(|| bytes_of(&file.slice_with_f64_and_f64(0.0, 64.0).ok()));
    let whole = (!large).then(|| bytes_of(&Some(file.clone().into())));
    async move {
        if let Some(head) = head {
            let head = text_of(head.await);
            let opening = head.trim_start_matches('\u{feff}').trim_start();
            if !opening.is_empty() && !opening.starts_with('{') {
                return (name, head);
            }
        }
        let whole = whole.unwrap_or_else(|| bytes_of(&Some(file.into())));
        (name, text_of(whole.await))
    }
}

/// The blob's bytes, read from now on.
fn bytes_of(blob: &Option<web_sys::Blob>) -> JsFuture {
    let promise = blob.as_ref().map_or_else(|| js_sys::Promise::resolve(&JsValue::NULL), |b| b.array_buffer());
    JsFuture::from(promise)
}

/// Bytes read from a blob as text (UTF-8; a byte that is not is read as U+FFFD,
/// as `Blob.text()` does), or empty text when they could not be read. Read as
/// bytes and copied once, not decoded into a JavaScript string first and then
/// encoded again for Rust.
fn text_of(read: Result<JsValue, JsValue>) -> String {
    let Ok(buffer) = read.and_then(|b| b.dyn_into::<js_sys::ArrayBuffer>()) else { return String::new() };
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
