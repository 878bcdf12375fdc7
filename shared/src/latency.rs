//! Latency distributions.
//!
//! A [`Latency`] carries an HDR histogram, serialized losslessly (HdrHistogram V2
//! format, deflate-compressed, base64), together with the [`LatencySummary`]
//! derived from it. The histogram is the source of truth: summaries are always
//! recomputed from it, and distributions from several runs are combined by adding
//! histograms, never by averaging percentiles.

use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Significant decimal digits every perfproof histogram keeps (0.1 % resolution).
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// The unit of every value in a latency histogram and its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TimeUnit {
    /// Nanoseconds.
    #[serde(rename = "ns")]
    Nanoseconds,
    /// Microseconds.
    #[serde(rename = "us")]
    Microseconds,
    /// Milliseconds.
    #[serde(rename = "ms")]
    Milliseconds,
}

impl TimeUnit {
    /// How many of this unit make one millisecond.
    pub fn per_millisecond(self) -> f64 {
        match self {
            TimeUnit::Nanoseconds => 1_000_000.0,
            TimeUnit::Microseconds => 1_000.0,
            TimeUnit::Milliseconds => 1.0,
        }
    }

    /// The unit's short symbol, as written in reports.
    pub fn symbol(self) -> &'static str {
        match self {
            TimeUnit::Nanoseconds => "ns",
            TimeUnit::Microseconds => "us",
            TimeUnit::Milliseconds => "ms",
        }
    }
}

/// Summary statistics of a latency histogram, all in the histogram's unit.
///
/// Percentiles are the histogram's values at those quantiles (the highest value
/// equivalent to the recorded one, within the histogram's 0.1 % resolution).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencySummary {
    /// Number of recorded values.
    pub count: u64,
    /// Smallest recorded value.
    pub min: u64,
    /// Largest recorded value.
    pub max: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Population standard deviation.
    pub stddev: f64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p99_9: u64,
}

impl LatencySummary {
    /// Derives the summary from a histogram.
    pub fn of(histogram: &Histogram<u64>) -> Self {
        let count = histogram.len();
        let finite = |x: f64| if count == 0 || !x.is_finite() { 0.0 } else { x };
        LatencySummary {
            count,
            min: if count == 0 { 0 } else { histogram.min() },
            max: histogram.max(),
            mean: finite(histogram.mean()),
            stddev: finite(histogram.stdev()),
            p50: histogram.value_at_quantile(0.50),
            p90: histogram.value_at_quantile(0.90),
            p95: histogram.value_at_quantile(0.95),
            p99: histogram.value_at_quantile(0.99),
            p99_9: histogram.value_at_quantile(0.999),
        }
    }
}

/// A latency distribution: its unit, its summary and the histogram it derives from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Latency {
    /// Unit of the histogram's values and of every summary figure.
    pub unit: TimeUnit,
    /// Summary derived from `histogram`.
    pub summary: LatencySummary,
    /// The HDR histogram: HdrHistogram V2 format, deflate-compressed, base64 (standard alphabet).
    pub histogram: String,
}

/// A histogram that could not be encoded, decoded or trusted.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LatencyError {
    #[error("histogram is not valid base64: {0}")]
    Base64(String),
    #[error("histogram is not a valid HdrHistogram V2 deflate payload: {0}")]
    Decode(String),
    #[error("histogram could not be encoded: {0}")]
    Encode(String),
    #[error("summary field `{field}` is {stored} but the histogram gives {derived}")]
    SummaryMismatch { field: &'static str, stored: String, derived: String },
}

/// A new, empty, auto-resizing histogram with perfproof's precision.
pub fn new_histogram() -> Histogram<u64> {
    let mut histogram = Histogram::new(SIGNIFICANT_DIGITS).expect("3 significant digits is valid");
    histogram.auto(true);
    histogram
}

impl Latency {
    /// Encodes a histogram and derives its summary.
    pub fn from_histogram(histogram: &Histogram<u64>, unit: TimeUnit) -> Result<Self, LatencyError> {
        let mut bytes = Vec::new();
        V2DeflateSerializer::new()
            .serialize(histogram, &mut bytes)
            .map_err(|e| LatencyError::Encode(format!("{e:?}")))?;
        Ok(Latency {
            unit,
            summary: LatencySummary::of(histogram),
            histogram: base64::engine::general_purpose::STANDARD.encode(bytes),
        })
    }

    /// Decodes the stored histogram.
    pub fn decode(&self) -> Result<Histogram<u64>, LatencyError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.histogram.trim())
            .map_err(|e| LatencyError::Base64(e.to_string()))?;
        let mut histogram: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| LatencyError::Decode(format!("{e:?}")))?;
        histogram.auto(true);
        Ok(histogram)
    }

    /// Decodes the histogram and checks that the stored summary is the one it derives.
    pub fn verify(&self) -> Result<Histogram<u64>, LatencyError> {
        let histogram = self.decode()?;
        let derived = LatencySummary::of(&histogram);
        let s = &self.summary;
        let exact: [(&'static str, u64, u64); 8] = [
            ("count", s.count, derived.count),
            ("min", s.min, derived.min),
            ("max", s.max, derived.max),
            ("p50", s.p50, derived.p50),
            ("p90", s.p90, derived.p90),
            ("p95", s.p95, derived.p95),
            ("p99", s.p99, derived.p99),
            ("p99_9", s.p99_9, derived.p99_9),
        ];
        for (field, stored, derived) in exact {
            if stored != derived {
                return Err(LatencyError::SummaryMismatch {
                    field,
                    stored: stored.to_string(),
                    derived: derived.to_string(),
                });
            }
        }
        for (field, stored, derived) in [("mean", s.mean, derived.mean), ("stddev", s.stddev, derived.stddev)] {
            let tolerance = 1e-9 * derived.abs().max(1.0);
            if !stored.is_finite() || (stored - derived).abs() > tolerance {
                return Err(LatencyError::SummaryMismatch {
                    field,
                    stored: stored.to_string(),
                    derived: derived.to_string(),
                });
            }
        }
        Ok(histogram)
    }

    /// A summary figure converted to milliseconds.
    pub fn to_ms(&self, value: f64) -> f64 {
        value / self.unit.per_millisecond()
    }

    /// A summary figure in milliseconds with three decimals, as the CLI and the page show it.
    pub fn ms_text(&self, value: u64) -> String {
        format!("{:.3}", self.to_ms(value as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Histogram<u64> {
        let mut h = new_histogram();
        for v in 1..=10_000u64 {
            h.record(v * 37).unwrap();
        }
        h
    }

    #[test]
    fn encode_decode_is_lossless() {
        let h = sample();
        let latency = Latency::from_histogram(&h, TimeUnit::Microseconds).unwrap();
        let back = latency.verify().unwrap();
        assert_eq!(back, h);
        assert_eq!(latency.summary.count, 10_000);
        assert_eq!(latency.summary.p50, h.value_at_quantile(0.5));
    }

    #[test]
    fn empty_histogram_has_zero_summary() {
        let latency = Latency::from_histogram(&new_histogram(), TimeUnit::Microseconds).unwrap();
        assert_eq!(latency.summary.count, 0);
        assert_eq!(latency.summary.min, 0);
        assert_eq!(latency.summary.mean, 0.0);
        latency.verify().unwrap();
    }

    #[test]
    fn corrupt_histograms_are_errors_not_panics() {
        let mut latency = Latency::from_histogram(&sample(), TimeUnit::Microseconds).unwrap();
        latency.histogram = "not base64!".into();
        assert!(matches!(latency.decode(), Err(LatencyError::Base64(_))));
        latency.histogram = base64::engine::general_purpose::STANDARD.encode(b"garbage bytes here");
        assert!(matches!(latency.decode(), Err(LatencyError::Decode(_))));
    }

    #[test]
    fn tampered_summary_is_detected() {
        let mut latency = Latency::from_histogram(&sample(), TimeUnit::Microseconds).unwrap();
        latency.summary.p95 += 1000;
        assert!(matches!(latency.verify(), Err(LatencyError::SummaryMismatch { field: "p95", .. })));
    }
}
