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
    /// Derives the summary from a histogram, in two passes over its buckets: one
    /// for the five percentiles (`value_at_quantiles`, the same values as
    /// `value_at_quantile`), one for the mean and standard deviation (each
    /// recorded bucket at its median-equivalent value, as HdrHistogram's own
    /// `mean` and `stdev` take it, which walk the buckets three times between them).
    pub fn of(histogram: &Histogram<u64>) -> Self {
        let count = histogram.len();
        let mut percentiles = histogram.value_at_quantiles([0.50, 0.90, 0.95, 0.99, 0.999]);
        let mut next = || percentiles.next().unwrap_or(0);
        let (p50, p90, p95, p99, p99_9) = (next(), next(), next(), next(), next());
        let (mean, stddev) = moments(histogram);
        LatencySummary {
            count,
            min: if count == 0 { 0 } else { histogram.min() },
            max: histogram.max(),
            mean,
            stddev,
            p50,
            p90,
            p95,
            p99,
            p99_9,
        }
    }
}

/// The mean and the population standard deviation of a histogram's values, each
/// bucket taken at its median-equivalent value; 0 for an empty histogram.
fn moments(histogram: &Histogram<u64>) -> (f64, f64) {
    let total = histogram.len() as f64;
    if histogram.is_empty() {
        return (0.0, 0.0);
    }
    let buckets: Vec<(f64, f64)> = histogram
        .iter_recorded()
        .map(|v| (histogram.median_equivalent(v.value_iterated_to()) as f64, v.count_at_value() as f64))
        .collect();
    let mean = buckets.iter().map(|(value, n)| value * n).sum::<f64>() / total;
    let deviations = buckets.iter().map(|(value, n)| (value - mean) * (value - mean) * n).sum::<f64>();
    let finite = |x: f64| if x.is_finite() { x } else { 0.0 };
    (finite(mean), finite((deviations / total).sqrt()))
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

/// The HdrHistogram V2 cookies: a plain payload, and one compressed with zlib
/// (what [`V2DeflateSerializer`] writes: cookie, compressed length, zlib stream).
const V2_COOKIE: u32 = 0x1c84_9313;
const V2_DEFLATE_COOKIE: u32 = 0x1c84_9314;
/// The plain V2 header: cookie, payload length, normalizing offset, significant
/// digits (4 bytes each), lowest and highest trackable value, integer-to-double ratio (8 each).
const V2_HEADER: usize = 40;
/// Most bytes a histogram may inflate to. Ours take a few kilobytes (at most some
/// 500 KB for the whole range at 3 digits); 5 digits over the whole range, every
/// bucket counted, fits too.
pub const MAX_HISTOGRAM_BYTES: usize = 64 << 20;

/// The plain V2 form of an encoded histogram (inflated, at most
/// [`MAX_HISTOGRAM_BYTES`]), once its header is checked: the compressed bytes and
/// the payload it claims are there. (Its range and precision cannot ask for more
/// than some 6.1 million buckets, 48 MB: HdrHistogram refuses more than 5 digits;
/// a run of empty buckets past the last is refused while reading.)
fn inflated_v2(bytes: &[u8]) -> Result<Vec<u8>, LatencyError> {
    let fail = |why: String| LatencyError::Decode(why);
    let word = |b: &[u8], at: usize| b.get(at..at + 4).map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    let plain = match word(bytes, 0) {
        Some(V2_DEFLATE_COOKIE) => {
            let claimed = word(bytes, 4).ok_or_else(|| fail("the compressed histogram ends in its header".into()))?;
            let zlib = bytes.get(8..).unwrap_or_default();
            if claimed as usize > zlib.len() {
                return Err(fail(format!("the histogram claims {claimed} compressed bytes but holds {}", zlib.len())));
            }
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&zlib[..claimed as usize], MAX_HISTOGRAM_BYTES)
                .map_err(|e| match e.status {
                    miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                        fail(format!("the histogram inflates to more than {MAX_HISTOGRAM_BYTES} bytes"))
                    }
                    status => fail(format!("the histogram's compressed bytes are damaged ({status:?})")),
                })?
        }
        Some(V2_COOKIE) => bytes.to_vec(),
        _ => return Err(fail("not an HdrHistogram V2 histogram (unknown cookie)".into())),
    };
    if plain.len() < V2_HEADER || word(&plain, 0) != Some(V2_COOKIE) {
        return Err(fail("the histogram's header is missing or damaged".into()));
    }
    let payload = word(&plain, 4).unwrap_or_default() as usize;
    if payload > plain.len() - V2_HEADER {
        return Err(fail(format!(
            "the histogram claims a payload of {payload} bytes but holds {}",
            plain.len() - V2_HEADER
        )));
    }
    Ok(plain)
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

    /// Decodes the stored histogram. Its header is checked before anything is
    /// allocated for it (`inflated_v2`): a histogram from a file claims what it
    /// likes, and a claim of billions of bytes or buckets is an error, never an
    /// allocation that stops the program.
    pub fn decode(&self) -> Result<Histogram<u64>, LatencyError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.histogram.trim())
            .map_err(|e| LatencyError::Base64(e.to_string()))?;
        let plain = inflated_v2(&bytes)?;
        let mut histogram: Histogram<u64> = Deserializer::new()
            .deserialize(&mut plain.as_slice())
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

    /// A summary figure with its unit, as everything shows it (see [`crate::format::latency_ms`]).
    pub fn text(&self, value: u64) -> String {
        crate::format::latency_ms(self.to_ms(value as f64))
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
    fn summary_equals_hdrhistograms_own_figures() {
        // Shapes: spread, one value, two far apart, a heavy tail, a narrow spread far from 0.
        let mut shapes: Vec<Vec<u64>> = vec![(1..=10_000).map(|v| v * 37).collect(), vec![420; 5], vec![3, 9_000_000]];
        shapes.push((1..=5_000u64).map(|i| 1_000 + (i * i * i) % 50_000_000).collect());
        shapes.push((0..10_000u64).map(|i| 100_000_000 + i % 7).collect());
        for values in shapes {
            let mut h = new_histogram();
            for v in &values {
                h.record(*v).unwrap();
            }
            let s = LatencySummary::of(&h);
            let quantiles = [0.5, 0.9, 0.95, 0.99, 0.999].map(|q| h.value_at_quantile(q));
            assert_eq!([s.p50, s.p90, s.p95, s.p99, s.p99_9], quantiles);
            assert_eq!((s.count, s.min, s.max), (h.len(), h.min(), h.max()));
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
            assert!(close(s.mean, h.mean()), "{} vs {}", s.mean, h.mean());
            assert!(close(s.stddev, h.stdev()), "{} vs {}", s.stddev, h.stdev());
        }
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

    /// An encoded histogram whose plain V2 header claims a payload of
    /// `payload_len` bytes, followed by `payload`; compressed as perfproof writes them.
    fn crafted(payload_len: u32, payload: &[u8]) -> Latency {
        let mut plain = Vec::new();
        plain.extend_from_slice(&V2_COOKIE.to_be_bytes());
        plain.extend_from_slice(&payload_len.to_be_bytes());
        plain.extend_from_slice(&0u32.to_be_bytes()); // normalizing offset
        plain.extend_from_slice(&5u32.to_be_bytes()); // significant digits
        plain.extend_from_slice(&1u64.to_be_bytes()); // lowest
        plain.extend_from_slice(&(u64::MAX / 2).to_be_bytes()); // highest
        plain.extend_from_slice(&1.0f64.to_be_bytes());
        plain.extend_from_slice(payload);
        let zlib = miniz_oxide::deflate::compress_to_vec_zlib(&plain, 6);
        let mut bytes = V2_DEFLATE_COOKIE.to_be_bytes().to_vec();
        bytes.extend_from_slice(&(zlib.len() as u32).to_be_bytes());
        bytes.extend_from_slice(&zlib);
        let mut latency = Latency::from_histogram(&sample(), TimeUnit::Microseconds).unwrap();
        latency.histogram = base64::engine::general_purpose::STANDARD.encode(bytes);
        latency
    }

    #[test]
    fn claims_of_billions_are_errors_before_any_allocation() {
        // A payload of 4 GB claimed, 2 bytes held: refused by the header check
        // (HdrHistogram would allocate the 4 GB first).
        let err = crafted(u32::MAX, &[2, 2]).decode().unwrap_err().to_string();
        assert!(err.contains("claims a payload of 4294967295 bytes but holds 2"), "{err}");
        // A count placed past billions of empty buckets: refused while reading.
        let mut runs = Vec::new();
        let zeros = -(1i64 << 40);
        let mut zigzag = ((zeros << 1) ^ (zeros >> 63)) as u64;
        while zigzag >= 0x80 {
            runs.push((zigzag as u8 & 0x7f) | 0x80);
            zigzag >>= 7;
        }
        runs.extend([zigzag as u8, 2]);
        let err = crafted(runs.len() as u32, &runs).decode().unwrap_err().to_string();
        assert!(err.contains("EncodedArrayTooLong"), "{err}");
        // A compressed length past the end, and a zlib stream that inflates past the limit.
        let mut bomb = V2_DEFLATE_COOKIE.to_be_bytes().to_vec();
        let zlib = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; MAX_HISTOGRAM_BYTES + 1], 9);
        bomb.extend_from_slice(&(zlib.len() as u32 + 1).to_be_bytes());
        bomb.extend_from_slice(&zlib);
        let mut latency = crafted(0, &[]);
        latency.histogram = base64::engine::general_purpose::STANDARD.encode(&bomb);
        assert!(latency.decode().unwrap_err().to_string().contains("compressed bytes but holds"));
        bomb[4..8].copy_from_slice(&(zlib.len() as u32).to_be_bytes());
        latency.histogram = base64::engine::general_purpose::STANDARD.encode(&bomb);
        assert!(latency.decode().unwrap_err().to_string().contains("inflates to more than"));
    }

    #[test]
    fn tampered_summary_is_detected() {
        let mut latency = Latency::from_histogram(&sample(), TimeUnit::Microseconds).unwrap();
        latency.summary.p95 += 1000;
        assert!(matches!(latency.verify(), Err(LatencyError::SummaryMismatch { field: "p95", .. })));
    }
}
