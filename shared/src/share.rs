//! Share links and bundles: a set of reports and the view of them (which two are
//! compared, the edited targets, the cost inputs, each report's file name and
//! where it was loaded from) packed into a compact, versioned string for a URL
//! fragment (which browsers never send to a server), or, when that is too long
//! for a link, into a bundle file that the page reads back.
//!
//! Link format: `pp2.` + base64url (no padding) of the deflated JSON of a
//! [`SharePayload`]. `pp1.` links (the same, without names, sources and targets)
//! still open. Decoding refuses unknown versions, malformed text, and anything
//! larger than [`MAX_ENCODED`] characters or [`MAX_DECODED`] bytes once inflated
//! (so a small link cannot expand into a huge allocation).
//!
//! Bundle format: the JSON of a [`SharePayload`] with `"schema": "perfproof.share/v2"`
//! first ([`bundle`], [`decode_bundle`]).
//!
//! A link longer than [`MAX_LINK`] characters is not offered: chat tools, ticket
//! systems and some browsers cut or refuse URLs well before the 2 MB Chromium takes.

use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::cost::CostInputs;
use crate::report::ReportError;
use crate::{parse_report, Report};

/// The prefix naming the codec version of the links made now.
pub const PREFIX: &str = "pp2.";
/// The first version's prefix, still read.
pub const PREFIX_V1: &str = "pp1.";
/// Largest encoded link accepted, in characters (browsers cap URLs near 2 MB).
pub const MAX_ENCODED: usize = 2_000_000;
/// Largest payload accepted once inflated, in bytes.
pub const MAX_DECODED: usize = 32 * 1024 * 1024;
/// Longest whole link (address and fragment) the page offers, in characters: 64 KiB
/// (two reports of one HTTP workload take some 7,000; of all four workloads, some 78,000).
/// Longer views are offered as a bundle file (and as a `?src=` link when every
/// report was loaded from a URL).
pub const MAX_LINK: usize = 64 * 1024;
/// The `schema` of a bundle file.
pub const BUNDLE_SCHEMA: &str = "perfproof.share/v2";

/// What a link carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SharePayload {
    pub reports: Vec<Report>,
    pub view: ViewSettings,
}

/// How the page showed the reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
pub struct ViewSettings {
    /// Index of the baseline report.
    pub baseline: Option<usize>,
    /// Index of the optimized report.
    pub optimized: Option<usize>,
    /// Practical threshold, in percent.
    pub threshold_pct: Option<f64>,
    /// Cost inputs as edited.
    pub cost: Option<CostInputs>,
    /// Each report's file name (or URL), by index; empty in `pp1.` links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Where each report was loaded from (`?src=` URL), by index, when it was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Option<String>>,
    /// The targets as edited, as the TOML of a targets file; `None`: the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets_toml: Option<String>,
}

impl SharePayload {
    /// The file name of report `index`: as carried, or `shared report <n>` for a
    /// link that carries none.
    pub fn name(&self, index: usize) -> String {
        self.view.names.get(index).cloned().unwrap_or_else(|| format!("shared report {}", index + 1))
    }

    /// The URL report `index` was loaded from, if it was.
    pub fn source(&self, index: usize) -> Option<String> {
        self.view.sources.get(index).cloned().flatten()
    }
}

/// Why a link could not be read. The messages are for the person who opened it.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ShareError {
    #[error("this is not a perfproof share link (it does not start with `pp<version>.`)")]
    NotALink,
    #[error(
        "this link was made by a newer perfproof (format `{0}`); this page reads `{PREFIX_V1}` and `{PREFIX}` links"
    )]
    UnknownVersion(String),
    #[error("the link is too long ({0} characters; at most {MAX_ENCODED})")]
    TooLong(usize),
    #[error("the link is damaged: {0}. Ask for the link again, and copy all of it")]
    Malformed(String),
    #[error("the link's content is larger than {MAX_DECODED} bytes once unpacked")]
    TooLarge,
    #[error("report {} in the link: {source}", index + 1)]
    Report { index: usize, source: ReportError },
    #[error("the link's view refers to report {}, but it holds {count}", index + 1)]
    BadIndex { index: usize, count: usize },
    #[error("the bundle file is damaged: {0}")]
    Bundle(String),
}

/// Why a link whose characters are right does not unpack.
const CUT: &str = "part of it is missing or changed (was it cut short when copied?)";

/// Packs reports and view settings into a link fragment (without the `#`).
pub fn encode(payload: &SharePayload) -> String {
    let json = serde_json::to_vec(payload).expect("a payload always serializes");
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed))
}

/// Whether a whole link of `chars` characters may be offered as a link ([`MAX_LINK`]).
pub fn fits_in_link(chars: usize) -> bool {
    chars <= MAX_LINK
}

/// Whether a URL fragment (with or without `#`) is meant as a share link: it starts
/// with `pp`. Other fragments (the page's own anchors) are not links.
pub fn is_share_fragment(fragment: &str) -> bool {
    fragment.trim().trim_start_matches('#').starts_with("pp")
}

/// Unpacks a link fragment (with or without a leading `#`), validating every report.
pub fn decode(fragment: &str) -> Result<SharePayload, ShareError> {
    let text = fragment.trim().trim_start_matches('#');
    if text.len() > MAX_ENCODED {
        return Err(ShareError::TooLong(text.len()));
    }
    let Some(body) = text.strip_prefix(PREFIX).or_else(|| text.strip_prefix(PREFIX_V1)) else {
        let version = text.split('.').next().unwrap_or("");
        return Err(if version.starts_with("pp") && version.len() > 2 && text.contains('.') {
            ShareError::UnknownVersion(format!("{version}."))
        } else {
            ShareError::NotALink
        });
    };
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).map_err(|e| match e {
        base64::DecodeError::InvalidByte(..) => {
            ShareError::Malformed("it holds characters a perfproof link never has".into())
        }
        _ => ShareError::Malformed(CUT.into()),
    })?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_DECODED).map_err(|e| {
        if matches!(e.status, miniz_oxide::inflate::TINFLStatus::HasMoreOutput) {
            ShareError::TooLarge
        } else {
            ShareError::Malformed(CUT.into())
        }
    })?;
    read_payload(&json).map_err(|e| match e {
        ShareError::Bundle(_) => {
            ShareError::Malformed("its content is not what a perfproof link holds (was it edited?)".into())
        }
        other => other,
    })
}

/// The JSON of a payload, checking every report and the view's indices.
fn read_payload(json: &[u8]) -> Result<SharePayload, ShareError> {
    #[derive(Deserialize)]
    struct Raw {
        reports: Vec<serde_json::Value>,
        view: ViewSettings,
    }
    let raw: Raw = serde_json::from_slice(json).map_err(|e| ShareError::Bundle(e.to_string()))?;
    let reports = raw
        .reports
        .iter()
        .enumerate()
        .map(|(index, value)| parse_report(&value.to_string()).map_err(|source| ShareError::Report { index, source }))
        .collect::<Result<Vec<_>, _>>()?;
    for index in [raw.view.baseline, raw.view.optimized].into_iter().flatten() {
        if index >= reports.len() {
            return Err(ShareError::BadIndex { index, count: reports.len() });
        }
    }
    Ok(SharePayload { reports, view: raw.view })
}

/// The payload as a bundle file: JSON whose first field is `"schema": "perfproof.share/v2"`.
pub fn bundle(payload: &SharePayload) -> String {
    #[derive(Serialize)]
    struct Bundle<'a> {
        schema: &'static str,
        #[serde(flatten)]
        payload: &'a SharePayload,
    }
    serde_json::to_string(&Bundle { schema: BUNDLE_SCHEMA, payload }).expect("a payload always serializes")
}

/// Whether `text` is a bundle file (its opening names [`BUNDLE_SCHEMA`]), judged
/// from its first bytes without parsing it.
pub fn is_bundle(text: &str) -> bool {
    let end = (0..=text.len().min(64)).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let head = &text[..end];
    head.trim_start_matches('\u{feff}').trim_start().starts_with('{') && head.contains(BUNDLE_SCHEMA)
}

/// Reads a bundle file back, validating every report.
pub fn decode_bundle(text: &str) -> Result<SharePayload, ShareError> {
    read_payload(text.trim_start_matches('\u{feff}').as_bytes())
}
