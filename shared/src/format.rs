//! Numbers as people read them: the one set of rules every figure perfproof shows
//! goes through, in the CLI's tables, the Markdown, the summary files and the page,
//! so that one value reads the same everywhere.
//!
//! - A latency (`ms`) of 1 ms or more: `7.37 ms`, `17.68 ms`, `1,500.4 ms`; below
//!   1 ms, three significant digits in µs or ns: `121 µs`, `4.52 µs`, `850 ns`,
//!   never `0.000 ms`. Zero is `0 ms`.
//! - A percentage: one decimal from 1 % up (`93.5 %`, `100.0 %`); below 1 %, two
//!   significant digits (`0.42 %`, `0.0040 %`); zero is `0 %`. A change in percent
//!   has its sign (`+4.2 %`, `-98.4 %`).
//! - A rate or any other measured value with a unit: one decimal from 100 up
//!   (`29,361.2 req/s`), two from 1 (`17.61 tx/s`), three below (`0.500 req/s`).
//! - A count: whole, thousands grouped (`1,234,567`).
//! - Money: dollars and cents, thousands grouped (`$1,180.10`).
//! - A factor: two decimals (`1.54x`).
//!
//! Thousands are grouped with commas everywhere.

/// A value with its unit, by the rules above: `ms` is a latency, `%` a percentage,
/// `count` a count, `USD` money, any other unit a rate or measured value.
pub fn value(value: f64, unit: &str) -> String {
    match unit {
        "ms" => latency_ms(value),
        "%" => percent(value),
        "count" => group_thousands(value, 0),
        "USD" => money(value),
        "x" => factor(value),
        _ => format!("{} {unit}", number(value)),
    }
}

/// A latency given in milliseconds: `7.37 ms`, or below 1 ms `121 µs`, `850 ns`.
pub fn latency_ms(ms: f64) -> String {
    let magnitude = ms.abs();
    if magnitude == 0.0 {
        "0 ms".into()
    } else if !ms.is_finite() || round_significant(magnitude, 3) >= 1.0 {
        format!("{} ms", number(ms))
    } else if round_significant(magnitude * 1e3, 3) >= 1.0 {
        format!("{} µs", significant(ms * 1e3, 3))
    } else {
        format!("{} ns", significant(ms * 1e6, 3))
    }
}

/// A percentage (already in percent): `93.5 %`, `0.42 %`, `0 %`.
pub fn percent(pct: f64) -> String {
    format!("{} %", percent_number(pct))
}

/// A share from 0 to 1 as a percentage: `0.935` → `93.5 %`.
pub fn share(share: f64) -> String {
    percent(share * 100.0)
}

/// A change in percent, with its sign: `+4.2 %`, `-98.4 %`, `0 %`.
pub fn change_percent(pct: f64) -> String {
    let sign = if pct > 0.0 { "+" } else { "" };
    format!("{sign}{}", percent(pct))
}

/// A count: `1,234,567`.
pub fn count(count: u64) -> String {
    group_thousands(count as f64, 0)
}

/// Dollars and cents: `$1,180.10`, `-$12.00`.
pub fn money(usd: f64) -> String {
    let sign = if usd < 0.0 { "-" } else { "" };
    format!("{sign}${}", group_thousands(usd.abs(), 2))
}

/// `point` shown by `show`, followed by its `[low, high]` range when it has any
/// width: `35.1 % [30.2 %, 38.0 %]`; a range that shows as one value is left out.
pub fn ranged(point: f64, [low, high]: [f64; 2], show: fn(f64) -> String) -> String {
    let (low, high) = (show(low), show(high));
    if low == high {
        show(point)
    } else {
        format!("{} [{low}, {high}]", show(point))
    }
}

/// An improvement factor: `1.54x`.
pub fn factor(factor: f64) -> String {
    format!("{factor:.2}x")
}

/// A rate or measured value without its unit, by the rule of [`value`]: `29,361.2`.
pub fn number(value: f64) -> String {
    // The decimals of the value as rounded (99.996 is `100.0`, not `100.00`).
    let decimals = decimals(value);
    let scale = 10f64.powi(decimals as i32);
    group_thousands(value, self::decimals((value * scale).round() / scale))
}

/// The number of a percentage, without the sign: `93.5`, `0.42`, `0`.
fn percent_number(pct: f64) -> String {
    let magnitude = pct.abs();
    if magnitude == 0.0 {
        "0".into()
    } else if !pct.is_finite() || magnitude >= 1.0 {
        group_thousands(pct, 1)
    } else {
        significant(pct, 2)
    }
}

/// Decimals of a measured value: one from 100 up, two from 1, three below.
fn decimals(value: f64) -> usize {
    match value.abs() {
        v if v >= 100.0 => 1,
        v if v >= 1.0 => 2,
        _ => 3,
    }
}

/// `value` (finite, not zero) rounded to `digits` significant digits.
fn round_significant(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(value.abs().log10().floor() as i32 - digits + 1);
    (value / scale).round() * scale
}

/// `value` (finite, not zero) with `digits` significant digits:
/// `121.4, 3` → `121`; `4.518, 3` → `4.52`; `0.004, 2` → `0.0040`; `9.9996, 3` → `10.0`.
fn significant(value: f64, digits: i32) -> String {
    let exponent = round_significant(value, digits).abs().log10().floor() as i32;
    let decimals = (digits - 1 - exponent).clamp(0, 12) as usize;
    group_thousands(value, decimals)
}

/// `value` with `decimals` decimals (rounded as `format!` rounds) and its whole
/// part in groups of three digits separated by commas: `12345.678, 1` → `12,345.7`.
/// NaN and the infinities are written as `format!` writes them.
pub fn group_thousands(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if !value.is_finite() {
        return text;
    }
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let mut out = String::with_capacity(text.len() + whole.len() / 3);
    out.push_str(sign);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(12_345.0, 1), "12,345.0");
        assert_eq!(group_thousands(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(group_thousands(123_456.0, 0), "123,456");
        assert_eq!(group_thousands(999.0, 0), "999");
        assert_eq!(group_thousands(1000.0, 0), "1,000");
        assert_eq!(group_thousands(0.5, 3), "0.500");
        assert_eq!(group_thousands(-1234.5, 1), "-1,234.5");
        assert_eq!(group_thousands(-999.0, 0), "-999");
        // Rounding that carries into a new group.
        assert_eq!(group_thousands(999.96, 1), "1,000.0");
        assert_eq!(group_thousands(f64::NAN, 1), "NaN");
        assert_eq!(group_thousands(f64::INFINITY, 1), "inf");
        assert_eq!(count(0), "0");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn latencies_below_a_millisecond_keep_three_significant_digits() {
        assert_eq!(latency_ms(7.367), "7.37 ms");
        assert_eq!(latency_ms(42.1256), "42.13 ms");
        assert_eq!(latency_ms(1_500.4), "1,500.4 ms");
        assert_eq!(latency_ms(1.0), "1.00 ms");
        assert_eq!(latency_ms(0.121), "121 µs");
        assert_eq!(latency_ms(0.0452), "45.2 µs");
        assert_eq!(latency_ms(0.004518), "4.52 µs");
        assert_eq!(latency_ms(0.001), "1.00 µs");
        assert_eq!(latency_ms(0.00085), "850 ns");
        assert_eq!(latency_ms(0.000_042), "42.0 ns");
        assert_eq!(latency_ms(0.0), "0 ms");
        // Rounding up to the next unit's size keeps three digits.
        assert_eq!(latency_ms(0.99996), "1.00 ms");
        assert_eq!(latency_ms(0.0099996), "10.0 µs");
        assert_eq!(latency_ms(99.996), "100.0 ms");
        for ms in [0.5, 0.05, 0.005, 0.0005, 0.00005] {
            assert!(!latency_ms(ms).starts_with("0."), "{ms} ms reads {}", latency_ms(ms));
        }
    }

    #[test]
    fn percentages_have_one_rule() {
        assert_eq!(percent(93.45), "93.5 %");
        assert_eq!(percent(99.96), "100.0 %");
        assert_eq!(percent(1.0), "1.0 %");
        assert_eq!(percent(0.42), "0.42 %");
        assert_eq!(percent(0.004), "0.0040 %");
        assert_eq!(percent(0.0), "0 %");
        assert_eq!(percent(2_817_400.0), "2,817,400.0 %");
        assert_eq!(share(0.9345), "93.5 %");
        assert_eq!(change_percent(4.24), "+4.2 %");
        assert_eq!(change_percent(-98.357), "-98.4 %");
        assert_eq!(change_percent(0.0), "0 %");
        assert_eq!(change_percent(-0.05), "-0.050 %");
    }

    #[test]
    fn each_unit_has_its_rule() {
        assert_eq!(value(12_345.0, "req/s"), "12,345.0 req/s");
        assert_eq!(value(17.614, "tx/s"), "17.61 tx/s");
        assert_eq!(value(0.5, "req/s"), "0.500 req/s");
        assert_eq!(value(42.1256, "ms"), "42.13 ms");
        assert_eq!(value(0.25, "%"), "0.25 %");
        assert_eq!(value(98_765.0, "count"), "98,765");
        assert_eq!(value(1_234.5, "USD"), "$1,234.50");
        assert_eq!(value(12.0, "USD"), "$12.00");
        assert_eq!(money(-12.0), "-$12.00");
        assert_eq!(factor(60.884), "60.88x");
        assert_eq!(number(29_361.24), "29,361.2");
    }
}
