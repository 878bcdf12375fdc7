//! The capacity table a workload's section may have (`[<workload>.capacity]`),
//! resolved with the kind's default SLO into a [`CapacityPlan`]. A workload whose
//! section has the table searches its capacity after its measurement; `run
//! --capacity` makes every workload that runs search with its defaults.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use perfproof_shared::capacity::{Slo, DEFAULT_RESOLUTION};
use perfproof_shared::report::KindInfo;
use serde::Deserialize;

use super::load::{parse_duration, positive_duration};
use crate::load::capacity::{
    CapacityPlan, DEFAULT_BUDGET, DEFAULT_GROWTH, DEFAULT_MAX_PROBES, DEFAULT_PROBE_DURATION, DEFAULT_PROBE_WARMUP,
};

/// A workload's `[<workload>.capacity]` table, as written; every field optional.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacitySection {
    /// The latency percentile held to `latency` (`p95`; default: the tier's target's).
    pub percentile: Option<String>,
    /// Its bound (`200ms`; default: the tier's target).
    pub latency: Option<String>,
    /// Most errors, in percent of a probe's operations (default 1).
    pub max_error_percent: Option<f64>,
    /// Least share of the offered rate a probe must complete, in percent (default 95).
    pub min_achieved_percent: Option<f64>,
    /// The bracket's most width, in percent of its bottom (default 5).
    pub resolution_percent: Option<f64>,
    /// How much each rate grows over the last that passed until one does not, in
    /// percent (default 100: doubling, then bisecting). At the resolution, a fixed
    /// sweep of rates.
    pub growth_percent: Option<f64>,
    /// The first rate probed, per second (default: half the measured throughput).
    pub start_rate: Option<f64>,
    /// Each probe's measured time (default 5s) and warm-up (default 1s).
    pub probe_duration: Option<String>,
    pub probe_warmup: Option<String>,
    /// Most probes (default 16) and longest search (default 3m).
    pub max_probes: Option<u32>,
    pub budget: Option<String>,
}

impl CapacitySection {
    /// `demo`'s search, quicker than the defaults to fit its few minutes: probes of
    /// 1 s (too few windows for their interval: each probe rests on its
    /// histogram's) after `warmup`, as its trials have, to a resolution of 10 %.
    pub fn demo(warmup: Duration) -> CapacitySection {
        CapacitySection {
            resolution_percent: Some(10.0),
            probe_duration: Some("1s".into()),
            probe_warmup: Some(humantime::format_duration(warmup).to_string()),
            ..CapacitySection::default()
        }
    }
}

/// Resolves `section` (at `at`, `http.capacity`, for errors) with `info`'s defaults.
pub fn capacity_plan(section: &CapacitySection, info: &KindInfo, at: &str) -> anyhow::Result<CapacityPlan> {
    let mut slo = Slo::default_for(info);
    if let Some(percentile) = &section.percentile {
        slo.percentile = percentile.clone();
    }
    if let Some(latency) = &section.latency {
        slo.latency_ms =
            positive_duration(Some(latency), &format!("{at}.latency"), Duration::ZERO)?.as_secs_f64() * 1e3;
    }
    if let Some(percent) = section.max_error_percent {
        slo.max_error_percent = percent;
    }
    if let Some(percent) = section.min_achieved_percent {
        slo.min_achieved_percent = percent;
    }
    slo.check().map_err(|e| anyhow!("{at}: {e}"))?;
    let resolution = match section.resolution_percent {
        None => DEFAULT_RESOLUTION,
        Some(p) if p.is_finite() && p > 0.0 && p <= 100.0 => p / 100.0,
        Some(p) => bail!("{at}.resolution_percent is {p}: a percentage above 0, at most 100"),
    };
    let growth = match section.growth_percent {
        None => DEFAULT_GROWTH,
        Some(p) if p.is_finite() && p > 0.0 && p <= 1000.0 => 1.0 + p / 100.0,
        Some(p) => bail!("{at}.growth_percent is {p}: a percentage above 0, at most 1000"),
    };
    if let Some(rate) = section.start_rate {
        if !(rate.is_finite() && rate > 0.0) {
            bail!("{at}.start_rate is {rate}: a positive number per second");
        }
    }
    let duration = |field: &str, text: &Option<String>, default: Duration| -> anyhow::Result<Duration> {
        text.as_deref().map_or(Ok(default), |t| parse_duration(t).with_context(|| format!("{at}.{field}")))
    };
    let probe_duration = duration("probe_duration", &section.probe_duration, DEFAULT_PROBE_DURATION)?;
    if probe_duration < Duration::from_secs(1) {
        bail!("{at}.probe_duration must be at least 1s: a probe's windows are whole seconds");
    }
    let max_probes = section.max_probes.unwrap_or(DEFAULT_MAX_PROBES);
    if max_probes < 2 {
        bail!("{at}.max_probes is {max_probes}: a bracket needs at least 2");
    }
    Ok(CapacityPlan {
        slo,
        resolution,
        growth,
        start_per_s: section.start_rate,
        probe_warmup: duration("probe_warmup", &section.probe_warmup, DEFAULT_PROBE_WARMUP)?,
        probe_duration,
        max_probes,
        budget: duration("budget", &section.budget, DEFAULT_BUDGET)?,
        asked_by: format!("[{at}]"),
        latency_given: section.percentile.is_some() || section.latency.is_some(),
    })
}
