//! `perfproof view`: the web page, embedded in the binary, served on a loopback
//! port with the reports named on the command line. The page opens them through its
//! own `?src=` links, served by the same process, so nothing but this binary is
//! needed to read an analysis in a browser.
//!
//! The page is `runner/page/`, the committed release build of `web/` (see
//! ARCHITECTURE.md for why it is committed), which `build.rs` embeds file by file.
//! A build without it (the `page` feature off) serves nothing and says so.

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use perfproof_shared::parse_report;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/page.rs"));
}

/// What `view` says when the binary holds no page.
pub const NO_PAGE: &str = "this perfproof was built without its web page (the `page` feature was off): \
     build it with the default features (`cargo build --release -p perfproof`), or serve the page from \
     source with scripts/serve-web.sh";

/// The path under which the page is served that names the reports.
const REPORTS: &str = "reports";

/// A report to serve: the name the page will show and the file's bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Served {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The reports named by `paths`, in order: a file must be a valid report (else an
/// error naming it); a folder gives every `.json` report in it, by name, and skips
/// the other JSON files that runs leave beside them (`compare --results-dir`'s).
pub fn reports(paths: &[PathBuf]) -> anyhow::Result<Vec<Served>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = out.len();
            for file in crate::output::json_files(path)? {
                let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                if is_report(&bytes) {
                    out.push(served(&file, bytes, &out));
                }
            }
            if out.len() == before {
                bail!("{} holds no perfproof reports (.json files that parse as reports)", path.display());
            }
        } else {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let text = String::from_utf8_lossy(&bytes);
            parse_report(&text).with_context(|| format!("{} is not a valid perfproof report", path.display()))?;
            out.push(served(path, bytes, &out));
        }
    }
    if out.is_empty() {
        bail!("name at least one report or folder of reports to view");
    }
    Ok(out)
}

fn is_report(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| parse_report(text).is_ok())
}

/// A report under a name made of its file name's safe characters (anything else
/// becomes `_`), unique among `taken` (`baseline-2.json` after `baseline.json`).
fn served(path: &Path, bytes: Vec<u8>, taken: &[Served]) -> Served {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let safe: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    let safe = if safe.is_empty() { "report".to_string() } else { safe };
    let mut name = format!("{safe}.json");
    let mut n = 2;
    while taken.iter().any(|s| s.name == name) {
        name = format!("{safe}-{n}.json");
        n += 1;
    }
    Served { name, bytes }
}

/// Everything the server answers with, by path: the page's files and the reports.
struct Site {
    files: BTreeMap<String, (&'static str, Bytes)>,
}

impl Site {
    fn new(page: &[(&str, &'static [u8])], reports: &[Served]) -> anyhow::Result<Site> {
        if page.is_empty() {
            bail!("{NO_PAGE}");
        }
        let mut files: BTreeMap<String, (&'static str, Bytes)> = page
            .iter()
            .map(|(path, bytes)| (path.to_string(), (content_type(path), Bytes::from_static(bytes))))
            .collect();
        if !files.contains_key("index.html") {
            bail!("the page embedded in this perfproof has no index.html: {NO_PAGE}");
        }
        for report in reports {
            files.insert(format!("{REPORTS}/{}", report.name), ("application/json", Bytes::from(report.bytes.clone())));
        }
        Ok(Site { files })
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

async fn answer(State(site): State<Arc<Site>>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match site.files.get(path) {
        Some((kind, bytes)) => {
            ([(header::CONTENT_TYPE, *kind), (header::CACHE_CONTROL, "no-cache")], bytes.clone()).into_response()
        }
        None => (StatusCode::NOT_FOUND, format!("perfproof view: no {path} here")).into_response(),
    }
}

/// The address that opens the page with `reports` loaded, in order.
pub fn page_url(addr: SocketAddr, reports: &[Served]) -> String {
    let sources: Vec<String> = reports.iter().map(|r| format!("src={REPORTS}/{}", r.name)).collect();
    format!("http://{addr}/?{}", sources.join("&"))
}

/// A server of the page and `reports`, bound to `addr` (an error naming the address
/// when it is taken); returns the address it listens on and the server to await.
pub async fn bind(
    addr: SocketAddr,
    reports: &[Served],
) -> anyhow::Result<(SocketAddr, impl std::future::Future<Output = std::io::Result<()>>)> {
    let site = Arc::new(Site::new(embedded::PAGE, reports)?);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("serving the page on {addr}"))?;
    let local = listener.local_addr().context("reading the address the page is served on")?;
    let app = axum::Router::new().fallback(answer).with_state(site);
    Ok((local, axum::serve(listener, app).into_future()))
}

/// Opens `url` in the desktop's browser when stdout is a terminal and an opener is
/// at hand; says so when it could not.
pub fn open_browser(url: &str) {
    if !std::io::stdout().is_terminal() {
        return;
    }
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    let opened = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if opened.is_err() {
        eprintln!("(no browser could be opened here: open the address above in one)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_without_the_page_says_so() {
        let error = Site::new(&[], &[]).err().expect("no page, no site").to_string();
        assert!(error.contains("built without its web page"), "{error}");
    }

    #[test]
    fn names_are_safe_and_unique() {
        let taken = vec![served(Path::new("/a/baseline.json"), Vec::new(), &[])];
        assert_eq!(taken[0].name, "baseline.json");
        assert_eq!(served(Path::new("/b/baseline.json"), Vec::new(), &taken).name, "baseline-2.json");
        assert_eq!(served(Path::new("<img src=x>&#.json"), Vec::new(), &[]).name, "_img_src_x___.json");
    }

    #[test]
    fn the_url_names_every_report_in_order() {
        let reports = [
            Served { name: "baseline.json".into(), bytes: Vec::new() },
            Served { name: "optimized.json".into(), bytes: Vec::new() },
        ];
        let url = page_url("127.0.0.1:8000".parse().unwrap(), &reports);
        assert_eq!(url, "http://127.0.0.1:8000/?src=reports/baseline.json&src=reports/optimized.json");
    }
}
