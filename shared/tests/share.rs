//! Share links and bundles of the whole view: names, sources, edited targets and
//! cost inputs survive a link and a bundle; `pp1.` links still open; a damaged
//! link says so in words.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use base64::Engine as _;
use common::synth::{latencies, report, Rng};
use perfproof_shared::cost::CostInputs;
use perfproof_shared::share::{
    bundle, decode, decode_bundle, encode, fits_in_link, is_bundle, is_share_fragment, ShareError, SharePayload,
    ViewSettings, MAX_LINK,
};

fn payload() -> SharePayload {
    let mut rng = Rng::new(7);
    let a = report("before", "api", &latencies(&mut rng, 1_000, 20_000.0, 1.0), 5, 0, &mut rng);
    let b = report("after", "api", &latencies(&mut rng, 1_000, 20_000.0, 0.8), 5, 0, &mut rng);
    let mut cost = CostInputs::default();
    cost.traffic.requests_per_day = 123_456.0;
    SharePayload {
        reports: vec![a, b],
        view: ViewSettings {
            baseline: Some(1),
            optimized: Some(0),
            threshold_pct: Some(5.0),
            cost: Some(cost),
            names: vec!["before.json".into(), "https://ci.example/after.json".into()],
            sources: vec![None, Some("https://ci.example/after.json".into())],
            targets_toml: Some("[[target]]\nmetric = \"http.*.latency.p95\"\nrule = \"< 5 ms\"\n".into()),
        },
    }
}

#[test]
fn a_link_carries_the_whole_view() {
    let payload = payload();
    let link = encode(&payload);
    assert!(link.starts_with("pp2."));
    let back = decode(&link).unwrap();
    assert_eq!(back, payload);
    assert_eq!(back.name(1), "https://ci.example/after.json");
    assert_eq!(back.source(0), None);
    assert_eq!(back.source(1).as_deref(), Some("https://ci.example/after.json"));
}

#[test]
fn first_version_links_still_open_with_numbered_names() {
    let mut payload = payload();
    payload.view = ViewSettings { baseline: Some(0), optimized: Some(1), ..ViewSettings::default() };
    // A pp1 link: the same codec, the view without the fields added in pp2.
    let json = serde_json::to_vec(&payload).unwrap();
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    let link = format!("pp1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed));
    let back = decode(&link).unwrap();
    assert_eq!(back.reports, payload.reports);
    assert_eq!(back.name(0), "shared report 1");
    assert_eq!(back.view.targets_toml, None);
}

#[test]
fn a_damaged_link_is_explained_in_words() {
    let link = encode(&payload());
    let cut = &link[..link.len() / 2];
    let message = decode(cut).unwrap_err().to_string();
    assert!(message.starts_with("the link is damaged: part of it is missing"), "{message}");
    assert!(!message.contains("deflate") && !message.contains("Failed"), "{message}");
    let message = decode("pp2.not a link!").unwrap_err().to_string();
    assert!(message.contains("characters a perfproof link never has"), "{message}");
    assert_eq!(decode("view-overview"), Err(ShareError::NotALink));
    assert!(is_share_fragment("#pp2.abc") && !is_share_fragment("#view-overview"));
}

#[test]
fn a_bundle_reads_back_and_is_told_from_a_report() {
    let payload = payload();
    let text = bundle(&payload);
    assert!(text.starts_with("{\"schema\":\"perfproof.share/v2\""), "{}", &text[..60]);
    assert!(is_bundle(&text));
    assert!(!is_bundle(&payload.reports[0].to_json()));
    assert!(!is_bundle("é".repeat(100).as_str()));
    assert_eq!(decode_bundle(&text).unwrap(), payload);
    assert!(matches!(decode_bundle(&text[..text.len() - 10]), Err(ShareError::Bundle(_))));
}

#[test]
fn the_link_limit_is_64_kib() {
    assert_eq!(MAX_LINK, 64 * 1024);
    assert!(fits_in_link(MAX_LINK) && !fits_in_link(MAX_LINK + 1));
}
