//! Targets and grades: rules `metric op value` evaluated against a run's (or a
//! comparison's) metrics, and the grade from the share of targets met.
//!
//! Defaults reproduce the original framework's validation targets. Users replace
//! or extend them with a TOML file:
//!
//! ```toml
//! [[target]]
//! name = "API p95"
//! metric = "http.*.latency.p95"   # `*` matches one key segment
//! rule = "< 200 ms"               # <, <=, >, >=, or "between 25 35 %"
//! ```

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::metrics::{MetricValue, COST_REDUCTION_KEY};

/// The comparison operator of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    /// Inclusive range; above it counts as met ("exceeds").
    Between,
}

/// One target, parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    pub name: String,
    /// Metric key pattern; `*` matches one segment.
    pub metric: String,
    pub op: Op,
    /// Threshold (lower bound for `between`), in `unit`.
    pub value: f64,
    /// Upper bound for `between`.
    pub upper: Option<f64>,
    /// `ms`, `%`, `req/s` or `count`.
    pub unit: String,
    /// The rule as written.
    pub rule: String,
}

impl Target {
    /// The rule's range as people read it: `25–35 %`, `< 200 ms`, `≥ 90 %`.
    pub fn range_text(&self) -> String {
        let unit = if self.unit.is_empty() { String::new() } else { format!(" {}", self.unit) };
        let value = self.value;
        match (self.op, self.upper) {
            (Op::Between, Some(upper)) => format!("{value}–{upper}{unit}"),
            (Op::Ge, _) | (Op::Between, None) => format!("≥ {value}{unit}"),
            (Op::Gt, _) => format!("> {value}{unit}"),
            (Op::Le, _) => format!("≤ {value}{unit}"),
            (Op::Lt, _) => format!("< {value}{unit}"),
        }
    }

    /// Whether a metric in `unit` can be held to this rule (a rule without a unit fits any).
    pub fn fits_unit(&self, unit: &str) -> bool {
        self.unit.is_empty() || self.unit == unit
    }
}

/// What a target file or rule got wrong.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TargetError {
    #[error("targets file: {0}")]
    Toml(String),
    #[error("target {index} (`{name}`): rule `{rule}`: {message}")]
    Rule { index: usize, name: String, rule: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    #[serde(default)]
    target: Vec<TargetEntry>,
    /// Keep the default targets and add these (default: false, replace them).
    #[serde(default)]
    extend_defaults: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetEntry {
    name: Option<String>,
    metric: String,
    rule: String,
}

/// The original framework's validation targets: each workload kind's own (see
/// [`KindInfo::default_targets`](crate::report::KindInfo)), in the order of the
/// kinds, then the cost reduction.
pub fn default_targets() -> Vec<Target> {
    crate::report::KINDS
        .iter()
        .flat_map(|kind| kind.default_targets.iter().copied())
        .chain([("Cost reduction", COST_REDUCTION_KEY, "between 25 35 %")])
        .enumerate()
        .map(|(i, (name, metric, rule))| parse_rule(i, name, metric, rule).expect("default targets are valid"))
        .collect()
}

/// `targets` as the TOML of a targets file, which [`parse_targets`] reads back to
/// the same targets: what the page's targets editor starts from.
pub fn targets_toml(targets: &[Target]) -> String {
    // A JSON string is a valid TOML basic string (the same escapes).
    let quoted = |text: &str| serde_json::Value::String(text.to_string()).to_string();
    targets
        .iter()
        .map(|t| {
            format!(
                "[[target]]\nname = {}\nmetric = {}\nrule = {}\n",
                quoted(&t.name),
                quoted(&t.metric),
                quoted(&t.rule)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The default targets ([`default_targets`]) as a targets file.
pub fn default_targets_toml() -> String {
    targets_toml(&default_targets())
}

/// A rule as people read it (`between 25 35 %` → `25–35 %`), or the rule as
/// written when it does not parse.
pub fn rule_text(rule: &str) -> String {
    parse_rule(0, "", "x", rule).map_or_else(|_| rule.to_string(), |t| t.range_text())
}

/// Reads a targets file (TOML text).
pub fn parse_targets(text: &str) -> Result<Vec<Target>, TargetError> {
    let file: TargetFile = toml::from_str(text).map_err(|e| TargetError::Toml(e.to_string()))?;
    let mut targets = if file.extend_defaults { default_targets() } else { Vec::new() };
    for (i, entry) in file.target.iter().enumerate() {
        let name = entry.name.clone().unwrap_or_else(|| entry.metric.clone());
        targets.push(parse_rule(i, &name, &entry.metric, &entry.rule)?);
    }
    Ok(targets)
}

fn parse_rule(index: usize, name: &str, metric: &str, rule: &str) -> Result<Target, TargetError> {
    let fail = |message: String| TargetError::Rule { index, name: name.into(), rule: rule.into(), message };
    let spaced = rule.replace("<=", " <= ").replace(">=", " >= ");
    let spaced = if spaced.contains("<=") || spaced.contains(">=") {
        spaced
    } else {
        spaced.replace('<', " < ").replace('>', " > ")
    };
    let mut tokens: Vec<String> = spaced.split_whitespace().map(str::to_string).collect();
    // "200ms" → "200", "ms"
    tokens = tokens
        .into_iter()
        .flat_map(|t| match t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')) {
            Some(i) if i > 0 => vec![t[..i].to_string(), t[i..].to_string()],
            _ => vec![t],
        })
        .collect();
    let number = |t: Option<&String>| -> Result<f64, TargetError> {
        let t = t.ok_or_else(|| fail("a number is missing".into()))?;
        t.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| fail(format!("`{t}` is not a number")))
    };
    let op = match tokens.first().map(String::as_str) {
        Some("<") => Op::Lt,
        Some("<=") => Op::Le,
        Some(">") => Op::Gt,
        Some(">=") => Op::Ge,
        Some("between") => Op::Between,
        other => return Err(fail(format!("expected <, <=, >, >= or between, found {:?}", other.unwrap_or("nothing")))),
    };
    let value = number(tokens.get(1))?;
    let (upper, unit_at) = if op == Op::Between {
        let upper = number(tokens.get(2))?;
        if upper < value {
            return Err(fail(format!("the range {value}..{upper} is empty")));
        }
        (Some(upper), 3)
    } else {
        (None, 2)
    };
    let (unit, scale) = match tokens.get(unit_at).map(String::as_str) {
        None => ("", 1.0),
        Some("ms") => ("ms", 1.0),
        Some("s") => ("ms", 1000.0),
        Some("us") | Some("µs") => ("ms", 0.001),
        Some("%") => ("%", 1.0),
        Some("req/s") | Some("rps") => ("req/s", 1.0),
        Some(other) => return Err(fail(format!("unknown unit `{other}` (use ms, s, us, %, req/s)"))),
    };
    if tokens.len() > unit_at + 1 {
        return Err(fail(format!("unexpected `{}`", tokens[unit_at + 1])));
    }
    if metric.split('.').any(str::is_empty) {
        return Err(fail(format!("metric pattern `{metric}` has an empty segment")));
    }
    Ok(Target {
        name: name.into(),
        metric: metric.into(),
        op,
        value: value * scale,
        upper: upper.map(|u| u * scale),
        unit: unit.into(),
        rule: rule.into(),
    })
}

/// Whether `key` matches the pattern (`*` = any one segment).
pub fn matches(pattern: &str, key: &str) -> bool {
    let (mut p, mut k) = (pattern.split('.'), key.split('.'));
    loop {
        match (p.next(), k.next()) {
            (None, None) => return true,
            (Some(ps), Some(ks)) if ps == "*" || ps == ks => {}
            _ => return false,
        }
    }
}

/// How a target fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    /// Above a `between` range: met, and more.
    Exceeded,
    Missed,
    /// No metric matched: excluded from the grade.
    NotMeasured,
    /// The metric's unit does not fit the rule's: excluded from the grade.
    UnitMismatch,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Exceeded => "exceeded",
            Status::Missed => "missed",
            Status::NotMeasured => "not measured",
            Status::UnitMismatch => "unit mismatch",
        }
    }
}

/// One target against one metric (or against none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetResult {
    pub name: String,
    pub rule: String,
    /// The metric evaluated; the pattern when none matched.
    pub metric: String,
    pub value: Option<f64>,
    pub unit: String,
    pub status: Status,
}

/// A grade of the original framework's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Grade {
    #[serde(rename = "A+")]
    APlus,
    A,
    #[serde(rename = "B+")]
    BPlus,
    B,
    C,
    D,
}

impl Grade {
    /// The grade of a share of targets met, in percent: A+ 100, A 90–99, B+ 80–89,
    /// B 70–79, C 60–69, D below 60.
    pub fn of(percent_met: f64) -> Grade {
        if percent_met >= 100.0 {
            Grade::APlus
        } else if percent_met >= 90.0 {
            Grade::A
        } else if percent_met >= 80.0 {
            Grade::BPlus
        } else if percent_met >= 70.0 {
            Grade::B
        } else if percent_met >= 60.0 {
            Grade::C
        } else {
            Grade::D
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Grade::APlus => "A+",
            Grade::A => "A",
            Grade::BPlus => "B+",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }
}

/// Targets evaluated, with the grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Evaluation {
    pub results: Vec<TargetResult>,
    /// Targets evaluated against a metric (met, exceeded or missed).
    pub measured: usize,
    /// Of them, met or exceeded.
    pub met: usize,
    /// Share of measured targets met, in whole percent (the number the grade is
    /// read from); `None` when no target was measured.
    pub percent_met: Option<f64>,
    pub grade: Option<Grade>,
}

impl Evaluation {
    pub fn missed(&self) -> usize {
        self.measured - self.met
    }
}

/// Evaluates every target against every metric it matches.
pub fn evaluate(targets: &[Target], metrics: &[MetricValue]) -> Evaluation {
    let mut results = Vec::new();
    for target in targets {
        let matching: Vec<&MetricValue> = metrics.iter().filter(|m| matches(&target.metric, &m.key)).collect();
        if matching.is_empty() {
            results.push(TargetResult {
                name: target.name.clone(),
                rule: target.rule.clone(),
                metric: target.metric.clone(),
                value: None,
                unit: target.unit.clone(),
                status: Status::NotMeasured,
            });
        }
        for metric in matching {
            let status =
                if target.fits_unit(&metric.unit) { check(target, metric.value) } else { Status::UnitMismatch };
            results.push(TargetResult {
                name: target.name.clone(),
                rule: target.rule.clone(),
                metric: metric.key.clone(),
                value: Some(metric.value),
                unit: metric.unit.clone(),
                status,
            });
        }
    }
    let measured =
        results.iter().filter(|r| matches!(r.status, Status::Met | Status::Exceeded | Status::Missed)).count();
    let met = results.iter().filter(|r| matches!(r.status, Status::Met | Status::Exceeded)).count();
    // Rounded once: the grade and the percentage printed beside it read the same number.
    let percent_met = (measured > 0).then(|| (met as f64 / measured as f64 * 100.0).round());
    Evaluation { results, measured, met, percent_met, grade: percent_met.map(Grade::of) }
}

fn check(target: &Target, value: f64) -> Status {
    let met = match target.op {
        Op::Lt => value < target.value,
        Op::Le => value <= target.value,
        Op::Gt => value > target.value,
        Op::Ge => value >= target.value,
        Op::Between => {
            let upper = target.upper.unwrap_or(f64::INFINITY);
            if value > upper {
                return Status::Exceeded;
            }
            value >= target.value
        }
    };
    if met {
        Status::Met
    } else {
        Status::Missed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Direction;

    fn metric(key: &str, value: f64, unit: &str) -> MetricValue {
        MetricValue { key: key.into(), value, unit: unit.into(), direction: Direction::LowerIsBetter }
    }

    #[test]
    fn rules_parse_with_units() {
        let t = parse_rule(0, "x", "http.*.latency.p95", "<0.2s").unwrap();
        assert_eq!((t.op, t.value, t.unit.as_str()), (Op::Lt, 200.0, "ms"));
        let t = parse_rule(0, "x", "cost.reduction_pct", "between 25 35 %").unwrap();
        assert_eq!((t.value, t.upper), (25.0, Some(35.0)));
        assert!(parse_rule(0, "x", "a.b", "about 3").is_err());
        assert!(parse_rule(0, "x", "a.b", "< 3 parsecs").is_err());
        assert!(parse_rule(0, "x", "a..b", "< 3").is_err());
    }

    #[test]
    fn ranges_read_as_written() {
        let range = |rule| parse_rule(0, "x", "a.b", rule).unwrap().range_text();
        assert_eq!(range("between 20 30 %"), "20–30 %");
        assert_eq!(range("between 12.5 30 %"), "12.5–30 %");
        assert_eq!(range("<0.2s"), "< 200 ms");
        assert_eq!(range(">= 90 %"), "≥ 90 %");
        assert_eq!(range("> 3"), "> 3");
    }

    #[test]
    fn wildcards_match_one_segment() {
        assert!(matches("http.*.latency.p95", "http.api.latency.p95"));
        assert!(!matches("http.*.latency.p95", "http.api.endpoint.x.latency.p95"));
        assert!(!matches("http.*.latency.p95", "http.api.latency.p99"));
    }

    #[test]
    fn cost_reduction_range_has_three_outcomes() {
        let targets = default_targets();
        for (value, status) in [(20.0, Status::Missed), (30.0, Status::Met), (40.0, Status::Exceeded)] {
            let e = evaluate(&targets, &[metric("cost.reduction_pct", value, "%")]);
            let r = e.results.iter().find(|r| r.metric == "cost.reduction_pct").unwrap();
            assert_eq!(r.status, status, "{value}");
        }
    }

    #[test]
    fn unmeasured_targets_do_not_count() {
        let e = evaluate(&default_targets(), &[metric("http.api.latency.p95", 150.0, "ms")]);
        assert_eq!((e.measured, e.met), (1, 1));
        assert_eq!(e.grade, Some(Grade::APlus));
        assert_eq!(e.results.iter().filter(|r| r.status == Status::NotMeasured).count(), 5);
    }

    #[test]
    fn the_grade_and_its_percentage_are_one_rounded_number() {
        // 26 of 29 is 89.66 %: printed as 90 %, so graded A, not B+.
        let targets: Vec<Target> =
            (0..29).map(|i| parse_rule(i, "t", &format!("http.m{i}.latency.p95"), "< 200 ms").unwrap()).collect();
        let metrics: Vec<MetricValue> = (0..29)
            .map(|i| metric(&format!("http.m{i}.latency.p95"), if i < 26 { 100.0 } else { 300.0 }, "ms"))
            .collect();
        let e = evaluate(&targets, &metrics);
        assert_eq!((e.met, e.measured, e.percent_met), (26, 29, Some(90.0)));
        assert_eq!(e.grade, Some(Grade::A));
    }

    #[test]
    fn targets_written_as_toml_read_back_the_same() {
        let mut targets = default_targets();
        targets.push(parse_rule(6, "quote \" and \\ backslash", "http.*.latency.p99", "<= 1 s").unwrap());
        let text = targets_toml(&targets);
        assert!(text.starts_with("[[target]]\nname = \"API p95 latency\""), "{text}");
        let mut read: Vec<Target> = parse_targets(&text).unwrap();
        for (i, t) in read.iter_mut().enumerate() {
            assert_eq!(t.name, targets[i].name);
        }
        assert_eq!(read, targets);
        assert_eq!(parse_targets(&default_targets_toml()).unwrap(), default_targets());
    }

    #[test]
    fn rules_read_as_ranges() {
        assert_eq!(rule_text("between 25 35 %"), "25–35 %");
        assert_eq!(rule_text("< 200 ms"), "< 200 ms");
        assert_eq!(rule_text("~ nonsense"), "~ nonsense");
    }

    #[test]
    fn toml_errors_name_the_line() {
        let err = parse_targets("[[target]]\nmetric = \"a.b\"\nrule = < 3\n").unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn file_errors_name_the_target() {
        let err = parse_targets("[[target]]\nmetric = \"a.b\"\nrule = \"~ 3\"\n").unwrap_err();
        assert!(err.to_string().contains("target 0"), "{err}");
        assert!(matches!(parse_targets("[[target]]\nmetric = 3\n"), Err(TargetError::Toml(_))));
    }
}
