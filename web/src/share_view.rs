//! Sharing the view: a link that always matches what the page shows (rebuilt after
//! every edit), with a Copy button that says whether it copied. A view too large
//! for a link ([`perfproof_shared::share::MAX_LINK`]) is offered instead as a
//! `?src=` link (when every report came from a URL) and as a bundle file to
//! download, which dropped back into the page reproduces the view. The link and
//! the bundle are made by `perfproof_shared::share`, after the frame that shows
//! the change is painted.

use std::time::Duration;

use leptos::prelude::*;
use perfproof_shared::format::count as format_count;
use perfproof_shared::share::{bundle, encode, fits_in_link, SharePayload, MAX_LINK};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::state::use_app_state;

/// The page's address without query or fragment: where links point.
fn page_address() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else { return String::new() };
    format!("{}{}", location.origin().unwrap_or_default(), location.pathname().unwrap_or_default())
}

/// What can be offered for the current view.
#[derive(Clone, PartialEq)]
enum Offer {
    Link(String),
    TooLarge { chars: usize, src_link: Option<String>, bundle: String },
}

/// The share box: the link and its Copy button, or why there is no link and what
/// to use instead.
#[component]
pub fn ShareBox() -> impl IntoView {
    let state = use_app_state();
    let offer = RwSignal::new(None::<Offer>);
    Effect::new(move |_| {
        let payload = state.payload();
        // Packing the reports into a link takes longer than drawing them: make it
        // once the frame that shows the change is painted (one frame later).
        request_animation_frame(move || set_timeout(move || offer.set(payload.map(offer_for)), Duration::ZERO));
    });
    let copied = RwSignal::new(None::<Result<String, String>>);
    let copy = move |_| {
        let Some(Offer::Link(link)) = offer.get_untracked() else { return };
        leptos::task::spawn_local(async move {
            let result = match web_sys::window() {
                Some(window) => JsFuture::from(window.navigator().clipboard().write_text(&link))
                    .await
                    .map(|_| link)
                    .map_err(|e| e.as_string().unwrap_or_else(|| js_error_text(&e))),
                None => Err("no browser window".into()),
            };
            copied.set(Some(result));
        });
    };
    move || {
        offer.get().map(|offer| match offer {
            Offer::Link(link) => {
                let current = link.clone();
                let feedback = move || match copied.get() {
                    Some(Ok(done)) if done == current => Some("Copied the link to the clipboard.".to_string()),
                    Some(Err(why)) => Some(format!(
                        "Could not copy ({why}): select the link and copy it with Ctrl+C (⌘C on a Mac)."
                    )),
                    _ => None,
                };
                view! {
                    <div class="share" data-testid="share">
                        <label class="share-label">
                            "Link to this view (reports, choices, targets and cost inputs; the data stays in the link)"
                            <input class="share-link" data-testid="share-link" readonly prop:value=link
                                on:focus=move |ev| { select_all(&ev) } />
                        </label>
                        <button type="button" data-testid="share-copy" on:click=copy>"Copy link"</button>
                        <span class="share-feedback" role="status" aria-live="polite" data-testid="share-copied">{feedback}</span>
                    </div>
                }
                .into_any()
            }
            Offer::TooLarge { chars, src_link, bundle } => {
                view! { <TooLarge chars=chars src_link=src_link bundle=bundle /> }.into_any()
            }
        })
    }
}

/// What to offer for `payload`: its link, or why it is too large for one and
/// what to use instead.
fn offer_for(payload: SharePayload) -> Offer {
    let link = format!("{}#{}", page_address(), encode(&payload));
    if fits_in_link(link.len()) {
        return Offer::Link(link);
    }
    let sources: Option<Vec<String>> = payload.view.sources.iter().cloned().collect();
    let src_link = sources.filter(|s| !s.is_empty()).and_then(|sources| {
        let params = web_sys::UrlSearchParams::new().ok()?;
        for source in &sources {
            params.append("src", source);
        }
        Some(format!("{}?{}", page_address(), String::from(params.to_string())))
    });
    Offer::TooLarge { chars: link.len(), src_link, bundle: bundle(&payload) }
}

/// Selects the whole link when its field gets focus, ready to copy by hand.
fn select_all(ev: &leptos::ev::FocusEvent) {
    let input: web_sys::HtmlInputElement = event_target(ev);
    input.select();
}

fn js_error_text(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| "refused".into())
}

/// The view does not fit in a link: say so, and offer a `?src=` link and the bundle.
#[component]
fn TooLarge(chars: usize, src_link: Option<String>, bundle: String) -> impl IntoView {
    let url = bundle_url(&bundle);
    if let Some(url) = url.clone() {
        on_cleanup(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        });
    }
    let src = match src_link {
        Some(link) => view! {
            <label class="share-label">
                "A link to the same reports at their URLs (the reports only: targets and cost inputs are in the file below)"
                <input class="share-link" data-testid="share-src-link" readonly prop:value=link />
            </label>
        }
        .into_any(),
        None => view! {
            <p class="muted" data-testid="share-no-src">"A ?src= link needs every report loaded from a URL; some of these were dropped in."</p>
        }
        .into_any(),
    };
    view! {
        <div class="share" data-testid="share-too-large">
            <p class="message">
                {format!(
                    "This view is too large for a link: it would be {} characters long, and links longer than {} \
                     are cut or refused by chat tools and browsers.",
                    format_count(chars as u64),
                    format_count(MAX_LINK as u64)
                )}
            </p>
            {src}
            {url.map(|url| view! {
                <a class="button" data-testid="share-bundle" href=url download="perfproof-view.json">
                    "Download the view as a file"
                </a>
                " "
                <span class="muted">"(drop it into this page to see the same view again)"</span>
            })}
        </div>
    }
}

/// An object URL of `text` as a JSON file, for a download link.
fn bundle_url(text: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}
