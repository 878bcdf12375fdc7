//! Hosted reports: the page opened as `…/?src=<url>&src=<url>` fetches each report
//! (in the order given, so the first is the oldest, as in a share link) and loads it
//! as if it had been dropped. Every way a fetch can fail becomes a card that names
//! the URL: the network or the server's CORS policy refused it (fetch's `TypeError`),
//! the server answered with a non-2xx status, or the body is not a report (shared's
//! parse error, with the field's path and line).

use gloo_net::http::Request;
use leptos::prelude::*;

use crate::state::LoadedFile;

/// The `src` parameters of the page's address, in order (empty ones skipped).
pub fn src_urls() -> Vec<String> {
    let Some(search) = web_sys::window().and_then(|w| w.location().search().ok()) else {
        return Vec::new();
    };
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return Vec::new();
    };
    params.get_all("src").iter().filter_map(|v| v.as_string()).filter(|url| !url.trim().is_empty()).collect()
}

/// Fetches `urls` one after another, telling `progress` which one is loading
/// ("loading 1 of 2…") and calling `on_loaded` with each result; `progress` is
/// cleared when all are done.
pub fn load_all(urls: Vec<String>, progress: RwSignal<Option<String>>, on_loaded: impl Fn(LoadedFile) + 'static) {
    if urls.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        let total = urls.len();
        for (i, url) in urls.into_iter().enumerate() {
            progress.set(Some(format!("loading {} of {total}… ({url})", i + 1)));
            on_loaded(fetch_report(url).await);
        }
        progress.set(None);
    });
}

/// One hosted report, parsed, or the reason it could not be loaded, naming `url`.
pub async fn fetch_report(url: String) -> LoadedFile {
    match fetch_text(&url).await {
        Ok(text) => {
            let mut file = LoadedFile::parse(url.clone(), &text);
            file.parsed = file.parsed.map_err(|e| format!("{url} is not a perfproof report: {e}"));
            file.source = Some(url);
            file
        }
        Err(message) => LoadedFile::failed(url, message),
    }
}

/// The body of `url` as text, or why it could not be had, naming `url`.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    let response = Request::get(url).send().await.map_err(|e| match e {
        // fetch rejects with a TypeError for a network failure and for a response
        // the server's CORS headers do not let this page read: the browser does
        // not tell the two apart.
        gloo_net::Error::JsError(js) if js.name == "TypeError" => format!(
            "could not fetch {url}: the request failed: the server could not be reached, \
             or it does not allow this page to read it (no CORS header Access-Control-Allow-Origin) ({}: {})",
            js.name, js.message
        ),
        other => format!("could not fetch {url}: {other}"),
    })?;
    if !response.ok() {
        let status = format!("{} {}", response.status(), response.status_text());
        return Err(format!("could not fetch {url}: the server answered {}", status.trim()));
    }
    response.text().await.map_err(|e| format!("could not read the body of {url}: {e}"))
}
