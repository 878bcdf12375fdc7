//! Share links: a set of reports and view settings packed into a compact,
//! versioned string for a URL fragment (which browsers never send to a server).
//!
//! Format: `pp1.` + base64url (no padding) of the deflated JSON of a [`SharePayload`].
//! Decoding refuses unknown versions, malformed text, and anything larger than
//! [`MAX_ENCODED`] characters or [`MAX_DECODED`] bytes once inflated (so a small
//! link cannot expand into a huge allocation).

use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::cost::CostInputs;
use crate::report::ReportError;
use crate::{parse_report, Report};

/// The prefix naming the codec version.
pub const PREFIX: &str = "pp1.";
/// Largest encoded link accepted, in characters (browsers cap URLs near 2 MB).
pub const MAX_ENCODED: usize = 2_000_000;
/// Largest payload accepted once inflated, in bytes.
pub const MAX_DECODED: usize = 32 * 1024 * 1024;

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
}

/// Why a link could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ShareError {
    #[error("not a perfproof link: it does not start with `pp<version>.`")]
    NotALink,
    #[error("this link was made by a newer perfproof (format `{0}`); this page reads `{PREFIX}`")]
    UnknownVersion(String),
    #[error("the link is too long ({0} characters; at most {MAX_ENCODED})")]
    TooLong(usize),
    #[error("the link is damaged: {0}")]
    Malformed(String),
    #[error("the link's content is larger than {MAX_DECODED} bytes once unpacked")]
    TooLarge,
    #[error("report {index} in the link: {source}")]
    Report { index: usize, source: ReportError },
    #[error("the link's view refers to report {index}, but it holds {count}")]
    BadIndex { index: usize, count: usize },
}

/// Packs reports and view settings into a link fragment.
pub fn encode(payload: &SharePayload) -> String {
    let json = serde_json::to_vec(payload).expect("a payload always serializes");
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed))
}

/// Unpacks a link fragment (with or without a leading `#`), validating every report.
pub fn decode(fragment: &str) -> Result<SharePayload, ShareError> {
    let text = fragment.trim().trim_start_matches('#');
    if text.len() > MAX_ENCODED {
        return Err(ShareError::TooLong(text.len()));
    }
    let Some(body) = text.strip_prefix(PREFIX) else {
        let version = text.split('.').next().unwrap_or("");
        return Err(if version.starts_with("pp") && version.len() > 2 && text.contains('.') {
            ShareError::UnknownVersion(format!("{version}."))
        } else {
            ShareError::NotALink
        });
    };
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|e| ShareError::Malformed(format!("not base64url: {e}")))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_DECODED).map_err(|e| {
        if matches!(e.status, miniz_oxide::inflate::TINFLStatus::HasMoreOutput) {
            ShareError::TooLarge
        } else {
            ShareError::Malformed(format!("not deflate data ({:?})", e.status))
        }
    })?;
    #[derive(Deserialize)]
    struct Raw {
        reports: Vec<serde_json::Value>,
        view: ViewSettings,
    }
    let raw: Raw = serde_json::from_slice(&json).map_err(|e| ShareError::Malformed(e.to_string()))?;
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
