//! Statistics for verdicts: normal and Student-t quantiles, order-statistic
//! confidence intervals of percentiles read from HDR histograms, MOVER intervals
//! for ratios, Wilson and Newcombe intervals for proportions, and Welch's
//! interval on log values. Pure functions; no randomness.

use hdrhistogram::Histogram;

/// Standard normal quantile (inverse CDF), Acklam's rational approximation
/// (relative error below 1.2e-9). `p` must lie in (0, 1).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Student-t quantile with `df` degrees of freedom (Cornish-Fisher expansion around
/// the normal quantile; within 1 % for df ≥ 3, exact in the limit).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let z = normal_quantile(p);
    if !df.is_finite() || df > 1e6 {
        return z;
    }
    let df = df.max(1.0);
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * df)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * df.powi(3))
}

/// A two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Values of the histogram at the given 1-based ranks (ascending), in one pass.
fn values_at_ranks(histogram: &Histogram<u64>, ranks: &[u64]) -> Vec<u64> {
    let mut values = Vec::with_capacity(ranks.len());
    let mut seen = 0u64;
    let mut wanted = ranks.iter().peekable();
    for bucket in histogram.iter_recorded() {
        seen += bucket.count_at_value();
        while let Some(&&rank) = wanted.peek() {
            if rank > seen {
                break;
            }
            values.push(histogram.highest_equivalent(bucket.value_iterated_to()));
            wanted.next();
        }
    }
    values
}

/// The distribution-free confidence interval of quantile `q` from the order
/// statistics of the histogram's `n` values: ranks n·q ∓ z·√(n·q·(1−q)).
/// `None` when the sample is too small for those ranks to exist (for 95 %: p99
/// needs about 700 values, p99.9 about 7 000).
pub fn quantile_interval(histogram: &Histogram<u64>, q: f64, confidence: f64) -> Option<Interval> {
    let n = histogram.len();
    if n == 0 || !(0.0..1.0).contains(&q) {
        return None;
    }
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    let nf = n as f64;
    let spread = z * (nf * q * (1.0 - q)).sqrt();
    let low = (nf * q - spread).floor();
    let high = (nf * q + spread).ceil() + 1.0;
    if low < 1.0 || high > nf {
        return None;
    }
    let values = values_at_ranks(histogram, &[low as u64, high as u64]);
    match values.as_slice() {
        [l, h] => Some(Interval { low: *l as f64, high: *h as f64 }),
        _ => None,
    }
}

/// MOVER (Donner & Zou) interval of the ratio b/a from each estimate's own
/// interval, on the log scale. All values must be positive.
pub fn mover_ratio(a: f64, a_ci: Interval, b: f64, b_ci: Interval) -> Option<Interval> {
    if [a, b, a_ci.low, a_ci.high, b_ci.low, b_ci.high].iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return None;
    }
    let (la, lb) = (a.ln(), b.ln());
    let d = lb - la;
    let low = d - ((lb - b_ci.low.ln()).powi(2) + (a_ci.high.ln() - la).powi(2)).sqrt();
    let high = d + ((b_ci.high.ln() - lb).powi(2) + (la - a_ci.low.ln()).powi(2)).sqrt();
    Some(Interval { low: low.exp(), high: high.exp() })
}

/// Wilson score interval of a proportion `x / n`.
pub fn wilson(x: u64, n: u64, confidence: f64) -> Option<Interval> {
    if n == 0 || x > n {
        return None;
    }
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    let (nf, p) = (n as f64, x as f64 / n as f64);
    let denominator = 1.0 + z * z / nf;
    let centre = (p + z * z / (2.0 * nf)) / denominator;
    let half = z * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt() / denominator;
    Some(Interval { low: (centre - half).max(0.0), high: (centre + half).min(1.0) })
}

/// Newcombe's hybrid score interval of the difference p_b − p_a of two proportions.
pub fn newcombe_difference(xa: u64, na: u64, xb: u64, nb: u64, confidence: f64) -> Option<Interval> {
    let (wa, wb) = (wilson(xa, na, confidence)?, wilson(xb, nb, confidence)?);
    let (pa, pb) = (xa as f64 / na as f64, xb as f64 / nb as f64);
    let d = pb - pa;
    Some(Interval {
        low: d - ((pb - wb.low).powi(2) + (wa.high - pa).powi(2)).sqrt(),
        high: d + ((wb.high - pb).powi(2) + (pa - wa.low).powi(2)).sqrt(),
    })
}

/// Welch's interval for the ratio of geometric means b/a, from repeated positive
/// measurements (log values; Welch-Satterthwaite degrees of freedom).
pub fn welch_log_ratio(a: &[f64], b: &[f64], confidence: f64) -> Option<Interval> {
    if a.len() < 2 || b.len() < 2 || a.iter().chain(b).any(|v| !(v.is_finite() && *v > 0.0)) {
        return None;
    }
    let moments = |xs: &[f64]| {
        let logs: Vec<f64> = xs.iter().map(|x| x.ln()).collect();
        let n = logs.len() as f64;
        let mean = logs.iter().sum::<f64>() / n;
        let var = logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var, n)
    };
    let (ma, va, na) = moments(a);
    let (mb, vb, nb) = moments(b);
    let (sa, sb) = (va / na, vb / nb);
    let se = (sa + sb).sqrt();
    let d = mb - ma;
    if se == 0.0 {
        return Some(Interval { low: d.exp(), high: d.exp() });
    }
    let df = (sa + sb).powi(2) / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
    let t = t_quantile(1.0 - (1.0 - confidence) / 2.0, df);
    Some(Interval { low: (d - t * se).exp(), high: (d + t * se).exp() })
}

/// Ordinary least squares of y on x: slope and its confidence interval (t with n−2 df).
pub fn slope_interval(points: &[(f64, f64)], confidence: f64) -> Option<(f64, Interval)> {
    let n = points.len();
    if n < 3 {
        return None;
    }
    let nf = n as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / nf;
    let my = points.iter().map(|p| p.1).sum::<f64>() / nf;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx == 0.0 || !sxx.is_finite() {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let sse: f64 = points.iter().map(|p| (p.1 - intercept - slope * p.0).powi(2)).sum();
    let se = (sse / (nf - 2.0) / sxx).sqrt();
    let t = t_quantile(1.0 - (1.0 - confidence) / 2.0, nf - 2.0);
    slope.is_finite().then_some((slope, Interval { low: slope - t * se, high: slope + t * se }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-5);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((t_quantile(0.975, 10.0) - 2.228).abs() < 0.01);
        assert!((t_quantile(0.975, 30.0) - 2.042).abs() < 0.005);
    }

    #[test]
    fn wilson_matches_a_worked_example() {
        // 81 of 263, 95 %: Wilson interval 0.2553..0.3662 (Newcombe 1998).
        let w = wilson(81, 263, 0.95).unwrap();
        assert!((w.low - 0.2553).abs() < 1e-3 && (w.high - 0.3662).abs() < 1e-3, "{w:?}");
    }

    #[test]
    fn newcombe_matches_a_worked_example() {
        // Newcombe (1998) example: 56/70 vs 48/80, difference 0.2, CI 0.0524..0.3339.
        let d = newcombe_difference(48, 80, 56, 70, 0.95).unwrap();
        assert!((d.low - 0.0524).abs() < 1e-3 && (d.high - 0.3339).abs() < 1e-3, "{d:?}");
    }

    #[test]
    fn small_samples_have_no_tail_interval() {
        let mut h = Histogram::<u64>::new(3).unwrap();
        for v in 1..=100u64 {
            h.record(v).unwrap();
        }
        assert!(quantile_interval(&h, 0.99, 0.95).is_none());
        let median = quantile_interval(&h, 0.5, 0.95).unwrap();
        assert!(median.low <= 50.0 && median.high >= 51.0, "{median:?}");
    }
}
