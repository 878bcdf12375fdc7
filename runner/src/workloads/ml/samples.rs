//! Inputs for inference requests: the digits model's held-out samples (from
//! `runner/models/digits.json`, embedded in the binary), or values generated to a
//! model's declared shape and datatype when its input is not the digits'.

use std::sync::OnceLock;

use serde::Deserialize;

/// `runner/models/digits.json`: the model's interface, accuracy and held-out samples.
pub const DIGITS_JSON: &str = include_str!("../../../models/digits.json");

#[derive(Deserialize)]
struct DigitsFile {
    test: HeldOut,
}

/// The 450 held-out samples and their true labels.
#[derive(Debug, Deserialize)]
pub struct HeldOut {
    /// 64 pixel values (0–16) per sample.
    pub features: Vec<Vec<f32>>,
    pub labels: Vec<i64>,
}

/// The held-out digits samples (parsed once). Empty if the embedded file could not
/// be read, which the tests rule out.
pub fn digits() -> &'static HeldOut {
    static HELD_OUT: OnceLock<HeldOut> = OnceLock::new();
    HELD_OUT.get_or_init(|| {
        serde_json::from_str::<DigitsFile>(DIGITS_JSON)
            .map(|f| f.test)
            .unwrap_or(HeldOut { features: Vec::new(), labels: Vec::new() })
    })
}

/// `count` deterministic samples of `width` values each, for a model whose input is
/// not the digits': small whole numbers (0–15), valid for float and integer inputs;
/// 0 or 1 for a `BOOL` input.
pub fn generated(width: usize, count: usize, datatype: &str) -> Vec<Vec<f32>> {
    let modulus = if datatype == "BOOL" { 2 } else { 16 };
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..count)
        .map(|_| {
            (0..width)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state % modulus) as f32
                })
                .collect()
        })
        .collect()
}

/// Rows for a model whose samples have `width` values of `datatype` (an Open
/// Inference Protocol name): the held-out digits when the input is theirs (64 FP32
/// values), else values generated to the width and datatype; at least one row.
pub fn rows_for(width: usize, datatype: &str) -> Vec<Vec<f32>> {
    let digits = digits();
    if datatype == "FP32" && digits.features.first().is_some_and(|row| row.len() == width) {
        digits.features.clone()
    } else {
        generated(width.max(1), 256, datatype)
    }
}
