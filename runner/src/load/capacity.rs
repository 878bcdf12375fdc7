//! The capacity search: the highest open-model arrival rate at which a workload
//! holds its SLO (shared's `capacity` judges each probe).
//!
//! From a start rate (given, or half of what the measurement just achieved) the
//! rate grows geometrically until a probe does not pass, then the bracket
//! [highest pass, lowest fail] is bisected (geometrically) until its top is within
//! the resolution of its bottom, and its top has not passed twice (a pass there,
//! after a stall failed it once, moves the bracket up; an unresolved probe and its
//! longer run again are two). After a probe that fell behind, the search waits for
//! the target to work off the backlog it left. Every probe is its own open-model stretch with its
//! own warm-up. A probe too close to a bound to judge runs once more, twice as
//! long; still unresolved, it counts as not passing. A probe whose generator
//! saturated ends the search: it measured the generator, never the service. A stop
//! signal, a probe that cannot start, or the probe or time budget end it too; the
//! report keeps every probe run and says why it ended.

use std::future::Future;
use std::time::{Duration, Instant};

use perfproof_shared::capacity::{
    judge, outcome_text, CapacitySearch, Limit, Probe, ProbeOutcome, SearchEnd, Slo, SloError,
};
use perfproof_shared::format;
use perfproof_shared::report::{KindInfo, LoadResult};
use perfproof_shared::targets::Target;
use tokio::sync::watch;

use super::{EndGrace, LoadPlan, Model};

/// Each probe's measured time when the file does not say: five windows of 1 s, the
/// fewest a percentile's interval from windows needs.
pub const DEFAULT_PROBE_DURATION: Duration = Duration::from_secs(5);
/// Each probe's warm-up when the file does not say.
pub const DEFAULT_PROBE_WARMUP: Duration = Duration::from_secs(1);
/// Most probes of one search when the file does not say.
pub const DEFAULT_MAX_PROBES: u32 = 16;
/// Longest one search may take when the file does not say.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(180);
/// The factor the rate grows by until a probe does not pass, when the file does not say.
pub const DEFAULT_GROWTH: f64 = 2.0;
/// The longest pause for a target to work off what a probe left queued (see `drain_time`).
pub const MAX_DRAIN: Duration = Duration::from_secs(10);
/// The shortest such pause worth making: a probe always ends with its last
/// operations in flight, about its latency's worth.
pub const MIN_DRAIN: Duration = Duration::from_millis(200);
/// A probe waits for its operations still unanswered after its last scheduled
/// start at most this many times the SLO's latency bound, and at least
/// [`MIN_GRACE`]; then it abandons them and fails (the target was not keeping up).
/// An operation that late is far past the bound; waiting for the rest of an
/// overload's queue (up to the in-flight limit at the rate it collapsed to) took
/// the demo's inference probes 11 and 14 s for 1 s of load. It stops waiting
/// sooner, once the bound has passed and more operations are unanswered than the
/// SLO's percentile lets exceed it: an overloaded inference probe then takes 2 s,
/// not up to 10.
pub const GRACE_PER_BOUND: u32 = 10;
/// The shortest grace a probe gives what it left in flight.
pub const MIN_GRACE: Duration = Duration::from_secs(2);
/// Below this rate (per second) a search that found no passing rate gives up.
pub const LOWEST_RATE: f64 = 1.0;

/// How to search a workload's capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityPlan {
    pub slo: Slo,
    /// The bracket's most relative width (0.05: its top within 5 % of its bottom).
    pub resolution: f64,
    /// The factor the rate grows by (or shrinks by, below a first fail) until the
    /// bracket closes; at `1 + resolution` the search is a fixed sweep of rates.
    pub growth: f64,
    /// The first rate probed, per second; `None`: half the measured throughput.
    pub start_per_s: Option<f64>,
    pub probe_warmup: Duration,
    pub probe_duration: Duration,
    pub max_probes: u32,
    pub budget: Duration,
    /// Who asked for it, for messages: its table (`[cache.capacity_search]`) or `--capacity`.
    pub asked_by: String,
    /// Whether its table set the SLO's latency (`percentile` or `latency`), which a
    /// targets file then leaves alone ([`CapacityPlan::follow_targets`]).
    pub latency_given: bool,
}

impl CapacityPlan {
    /// Holds the search to the latency `targets` set for the workload `name` of
    /// `info`'s kind ([`Slo::latency_from_targets`]), unless its table set the latency.
    pub fn follow_targets(&mut self, targets: &[Target], info: &KindInfo, name: &str) -> Result<(), SloError> {
        if let Some((percentile, bound)) =
            Slo::latency_from_targets(targets, info, name).filter(|_| !self.latency_given)
        {
            self.slo.percentile = percentile;
            self.slo.latency_ms = bound;
        }
        self.slo.check()
    }
}

/// Where a search stands: its bracket so far, and which rate to probe next.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    resolution: f64,
    growth: f64,
    start: f64,
    /// Highest rate that passed.
    pass: Option<f64>,
    /// Every rate that did not pass, once per probe.
    fails: Vec<f64>,
}

impl Search {
    pub fn new(start: f64, resolution: f64, growth: f64) -> Search {
        Search { resolution, growth, start, pass: None, fails: Vec::new() }
    }

    /// The lowest rate above the highest pass that did not pass.
    pub fn fail(&self) -> Option<f64> {
        self.fails.iter().copied().filter(|&f| self.pass.is_none_or(|p| f > p)).reduce(f64::min)
    }

    /// The next rate to probe, or `None` when the bracket is resolved (or no rate
    /// down to [`LOWEST_RATE`] passed). A bracket within the resolution is resolved
    /// once its lowest fail repeated: until then that rate is probed again, since
    /// one stall of a shared machine can fail a probe the service would pass.
    pub fn next_rate(&self) -> Option<f64> {
        match (self.pass, self.fail()) {
            (None, None) => Some(self.start),
            // A pass above every fail so far: those were noise or stalls near the
            // limit, which is then close; half the growth's steps to find it.
            (Some(pass), None) if !self.fails.is_empty() => Some(pass * self.growth.sqrt()),
            (Some(pass), None) => Some(pass * self.growth),
            (None, Some(fail)) => Some(fail / self.growth).filter(|&rate| rate >= LOWEST_RATE),
            (Some(pass), Some(fail)) if fail > pass * (1.0 + self.resolution) => Some((pass * fail).sqrt()),
            (Some(_), Some(fail)) => (self.fails.iter().filter(|&&f| f == fail).count() < 2).then_some(fail),
        }
    }

    /// Records a probe at `rate`: passed, or not. A pass above earlier fails (noise
    /// near the limit, or a stall) moves the bracket up past them.
    pub fn record(&mut self, rate: f64, passed: bool) {
        if passed {
            self.pass = Some(self.pass.map_or(rate, |p| p.max(rate)));
        } else {
            self.fails.push(rate);
        }
    }
}

/// The probes' in-flight limit: the base plan's, or the open model's default.
fn in_flight_limit(base: &LoadPlan) -> u32 {
    match base.model {
        Model::Open { max_in_flight, .. } => max_in_flight,
        Model::Closed { .. } => crate::config::load::DEFAULT_MAX_IN_FLIGHT,
    }
}

/// How long the target needs to work off what a probe left behind before the next
/// probe starts. A probe offered `offered` a second for `duration_s` that
/// completed `achieved` a second built a backlog of up to (offered − achieved) ×
/// `duration_s` operations (never more than the in-flight limit), at about the
/// rate it achieved: what the probe's grace abandoned, which a target may still
/// serve, and what the overload built up around it (connections to close, the
/// probe's embedded target to tear down). Without the pause the next probe
/// often stalled, and still does with the grace: after overloaded probes a probe
/// completed 7 % of its rate and passed when repeated; in a demo without it the
/// baseline inference server's probes completed 10 to 15 % of rates it passed
/// with it (capacity 19,878 for 28,522 req/s), and the demo took 255 s, not 245;
/// and a server of 4 workers whose truth was 391/s failed
/// 371/s twice. At most [`MAX_DRAIN`]; under [`MIN_DRAIN`] there is no pause.
fn drain_time(offered: f64, achieved: f64, duration_s: f64, max_in_flight: u32) -> Duration {
    let backlog = ((offered - achieved) * duration_s).min(f64::from(max_in_flight));
    let seconds = backlog / achieved.max(1.0);
    if seconds < MIN_DRAIN.as_secs_f64() {
        return Duration::ZERO;
    }
    // In tenths of a second, for the progress line.
    Duration::from_millis((seconds.min(MAX_DRAIN.as_secs_f64()) * 10.0).ceil() as u64 * 100)
}

/// The load of one probe at `rate`: the base plan's threads and in-flight limit,
/// the open model, one stretch.
fn probe_load(base: &LoadPlan, plan: &CapacityPlan, rate: f64, duration: Duration) -> LoadPlan {
    LoadPlan {
        model: Model::Open { rate, max_in_flight: in_flight_limit(base) },
        stages: Vec::new(),
        warmup: plan.probe_warmup,
        duration,
        max_operations: None,
        trials: 1,
        capacity: None,
        end_grace: Some(end_grace(&plan.slo)),
        ..base.clone()
    }
}

/// How long a probe waits for what it scheduled: until the SLO's latency bound is
/// broken whatever is still unanswered does (when it holds every operation), else
/// [`GRACE_PER_BOUND`] times the bound, at least [`MIN_GRACE`].
fn end_grace(slo: &Slo) -> EndGrace {
    let bound = Duration::from_secs_f64(slo.latency_ms / 1e3);
    let share = slo.quantile().ok().map(|q| 1.0 - q);
    EndGrace {
        most: MIN_GRACE.max(bound * GRACE_PER_BOUND),
        bound: share.filter(|_| slo.part.is_none()).map(|share| (bound, share)),
    }
}

/// A probe's measured time at `rate`: the plan's, or longer when the plan's would
/// hold too few operations to show the SLO's error bound held
/// ([`Slo::operations_for_errors`](perfproof_shared::capacity::Slo::operations_for_errors)),
/// in whole seconds.
fn probe_duration(plan: &CapacityPlan, rate: f64) -> Duration {
    let needed = plan.slo.operations_for_errors().map_or(0.0, |n| (n as f64 / rate).ceil());
    plan.probe_duration.max(Duration::from_secs_f64(needed))
}

/// Searches the capacity: `run_probe` runs the workload with the load it is
/// given; `estimate` is the throughput just measured (the start when none is
/// given); `name` says which workload, in progress lines. Never fails: what went
/// wrong is in the search's end.
pub async fn search<F, Fut>(
    plan: &CapacityPlan,
    base: &LoadPlan,
    estimate: f64,
    name: &str,
    stop: &watch::Receiver<bool>,
    mut run_probe: F,
) -> CapacitySearch
where
    F: FnMut(LoadPlan) -> Fut,
    Fut: Future<Output = anyhow::Result<LoadResult>>,
{
    let started = Instant::now();
    let start = plan.start_per_s.unwrap_or(estimate / 2.0).max(LOWEST_RATE);
    let mut search = Search::new(start, plan.resolution, plan.growth);
    let mut probes: Vec<Probe> = Vec::new();
    let end = loop {
        let Some(rate) = search.next_rate() else {
            break match CapacitySearch::bracket(&probes) {
                (None, _) => SearchEnd::NoPassingRate,
                (Some(_), fail) => {
                    let limit = probes.iter().find(|p| Some(p.offered_per_s) == fail).and_then(|p| p.limit);
                    SearchEnd::Resolved { limit: limit.unwrap_or(Limit::Latency) }
                }
            };
        };
        if *stop.borrow() {
            break SearchEnd::Interrupted;
        }
        // Long enough to show the error bound held (at a low rate, more than the
        // plan's duration), and twice that when too close to tell.
        let planned = probe_duration(plan, rate);
        if probes.len() as u32 >= plan.max_probes || started.elapsed() + planned > plan.budget {
            break SearchEnd::Budget;
        }
        let mut duration = planned;
        let probe = loop {
            let confirming = search.fail() == Some(rate) && duration == planned;
            let again = if confirming { ", again to confirm its fail" } else { "" };
            eprintln!(
                "perfproof: {name}: capacity probe {} at {}/s for {}{again}",
                probes.len() + 1,
                format::number(rate),
                humantime::format_duration(duration)
            );
            let result = match run_probe(probe_load(base, plan, rate, duration)).await {
                Ok(result) => result,
                Err(e) => break Err(SearchEnd::TargetFailed(format!("{e:#}"))),
            };
            let probe = match judge(&plan.slo, &result, rate) {
                Ok(probe) => probe,
                Err(e) => break Err(SearchEnd::TargetFailed(e.to_string())),
            };
            eprintln!("perfproof: {name}: {}: {}", outcome_text(probe.outcome), probe.reason);
            let drain = drain_time(probe.offered_per_s, probe.achieved_per_s, probe.duration_s, in_flight_limit(base));
            if !drain.is_zero() && !*stop.borrow() {
                let waited = humantime::format_duration(drain);
                eprintln!("perfproof: {name}: waiting {waited} for the target to work off what the probe left queued");
                let mut stopped = stop.clone();
                tokio::select! {
                    _ = tokio::time::sleep(drain) => {}
                    _ = stopped.wait_for(|stop| *stop) => {}
                }
            }
            // Too close to a bound to judge: once more, twice as long.
            let again = probe.outcome == ProbeOutcome::Unresolved
                && probe.limit != Some(Limit::Generator)
                && duration == planned
                && result.complete;
            if again && !*stop.borrow() {
                // Not a pass: with the run again, a repeated fail if that is not one either.
                search.record(rate, false);
                probes.push(probe);
                duration *= 2;
                continue;
            }
            break Ok((probe, result.complete));
        };
        match probe {
            Err(end) => break end,
            Ok((probe, complete)) => {
                let (outcome, limit) = (probe.outcome, probe.limit);
                probes.push(probe);
                if limit == Some(Limit::Generator) {
                    break SearchEnd::Generator;
                }
                if !complete {
                    break SearchEnd::Interrupted;
                }
                search.record(rate, outcome == ProbeOutcome::Pass);
            }
        }
    };
    let (capacity_per_s, lowest_fail_per_s) = CapacitySearch::bracket(&probes);
    let complete = matches!(end, SearchEnd::Resolved { .. } | SearchEnd::NoPassingRate);
    CapacitySearch {
        slo: plan.slo.clone(),
        resolution: plan.resolution,
        probes,
        capacity_per_s,
        lowest_fail_per_s,
        end,
        complete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the search's rate choices against a service that passes below `limit`.
    fn rates_until_resolved(start: f64, limit: f64, growth: f64) -> (Vec<f64>, Search) {
        let mut search = Search::new(start, 0.05, growth);
        let mut rates = Vec::new();
        while let Some(rate) = search.next_rate() {
            rates.push(rate);
            search.record(rate, rate < limit);
            assert!(rates.len() < 40, "{rates:?}");
        }
        (rates, search)
    }

    #[test]
    fn grows_then_bisects_to_the_resolution_around_the_limit() {
        let (rates, search) = rates_until_resolved(100.0, 400.0, DEFAULT_GROWTH);
        assert_eq!(&rates[..3], &[100.0, 200.0, 400.0]);
        let (pass, fail) = (search.pass.unwrap(), search.fail().unwrap());
        assert!(pass < 400.0 && 400.0 <= fail && fail <= pass * 1.05, "{pass} {fail} {rates:?}");
        assert!(rates.len() <= 8, "{rates:?}");
    }

    #[test]
    fn growth_by_the_resolution_is_a_fixed_sweep() {
        let (rates, search) = rates_until_resolved(200.0, 400.0, 1.05);
        // 200 × 1.05^14 = 396 passes, 200 × 1.05^15 = 416 fails (twice, to believe
        // it): 17 probes, no bisection.
        assert_eq!(rates.len(), 17, "{rates:?}");
        assert!(rates[..16].windows(2).all(|w| (w[1] / w[0] - 1.05).abs() < 1e-9), "{rates:?}");
        let (pass, fail) = (search.pass.unwrap(), search.fail().unwrap());
        assert!(pass < 400.0 && 400.0 <= fail && fail <= pass * 1.05 + 1e-9, "{pass} {fail}");
    }

    #[test]
    fn a_fail_is_believed_once_it_repeats() {
        // The bracket's lowest fail is probed once more before the search ends.
        let (rates, search) = rates_until_resolved(100.0, 400.0, DEFAULT_GROWTH);
        assert_eq!(rates.iter().filter(|&&r| Some(r) == search.fail()).count(), 2, "{rates:?}");
        // A stall failing one probe far under the limit: the repeat passes, the
        // bracket moves up past it and the search finds the limit.
        let mut search = Search::new(100.0, 0.05, DEFAULT_GROWTH);
        let mut rates: Vec<f64> = Vec::new();
        while let Some(rate) = search.next_rate() {
            let stalled = rates.len() == 3;
            rates.push(rate);
            search.record(rate, rate < 400.0 && !stalled);
            assert!(rates.len() < 40, "{rates:?}");
        }
        let (pass, fail) = (search.pass.unwrap(), search.fail().unwrap());
        assert!(pass < 400.0 && 400.0 <= fail && fail <= pass * 1.05, "{pass} {fail} {rates:?}");
        // A fail near the limit that its repeat disproves: the search steps up by
        // half the growth's factor, not from scratch (the demo's API passed 630/s
        // on its repeat with a limit near 690/s, and then probed 1,260/s).
        let mut search = Search::new(315.0, 0.10, DEFAULT_GROWTH);
        search.record(315.0, true);
        search.record(630.0, false);
        for rate in [445.5, 529.7, 577.6] {
            search.record(rate, true);
        }
        assert_eq!(search.next_rate(), Some(630.0), "the fail within the resolution is probed again");
        search.record(630.0, true);
        let next = search.next_rate().unwrap();
        assert!((next - 630.0 * 2f64.sqrt()).abs() < 1e-9, "{next}");
    }

    #[test]
    fn a_probe_that_fell_behind_leaves_time_to_work_off_its_backlog() {
        // 710/s offered, 352/s completed for 5 s: 1,790 left, 5.1 s at 352/s.
        assert_eq!(drain_time(710.0, 352.0, 5.0, 10_000), Duration::from_millis(5_100));
        // No more than the in-flight limit was ever left: 1,000 at 100/s.
        assert_eq!(drain_time(10_000.0, 100.0, 5.0, 1_000), MAX_DRAIN);
        // A probe that kept up leaves only its last operations: no pause.
        assert_eq!(drain_time(30_000.0, 20_000.0, 1.0, 2_000), Duration::ZERO);
        assert_eq!(drain_time(400.0, 398.0, 5.0, 10_000), Duration::ZERO);
    }

    #[test]
    fn a_first_probe_that_fails_steps_down() {
        let (rates, search) = rates_until_resolved(1000.0, 300.0, DEFAULT_GROWTH);
        assert_eq!(&rates[..3], &[1000.0, 500.0, 250.0]);
        let (pass, fail) = (search.pass.unwrap(), search.fail().unwrap());
        assert!(pass < 300.0 && 300.0 <= fail && fail <= pass * 1.05, "{pass} {fail}");
    }

    #[test]
    fn a_service_that_never_passes_ends_at_the_lowest_rate() {
        let (rates, search) = rates_until_resolved(10.0, 0.0, DEFAULT_GROWTH);
        assert_eq!(search.pass, None);
        assert!(rates.iter().all(|&r| r >= LOWEST_RATE), "{rates:?}");
    }
}
