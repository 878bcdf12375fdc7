//! Turns every request's outcome into the workload's figures: HDR histograms
//! (total, per endpoint, per second, uncorrected and schedule lag), counts by
//! outcome class and status code, and the per-second timeline.
//!
//! Memory stays flat in run length: histograms and counters only, never a list of
//! samples (the timeline adds a few numbers per second).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use perfproof_shared::latency::new_histogram;
use perfproof_shared::report::{HttpErrorKind, RequestStats, TimelinePoint};
use perfproof_shared::{Latency, LatencyError, TimeUnit};

/// A request is late when sent more than this after its scheduled time.
pub const LATE_THRESHOLD: Duration = Duration::from_millis(10);

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The response status, when headers arrived.
    pub status: Option<u16>,
    /// Body bytes received.
    pub bytes: u64,
    /// The failure class, or `None` for a success.
    pub error: Option<HttpErrorKind>,
}

/// One finished request.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Index of the endpoint in the plan.
    pub endpoint: usize,
    /// When the request was due: its scheduled time (open model) or its send time (closed).
    pub due: Instant,
    /// When it was actually sent.
    pub sent: Instant,
    /// When it completed (last body byte, error or timeout).
    pub done: Instant,
    pub outcome: Outcome,
}

/// Counts and latency of a set of requests.
#[derive(Debug)]
pub struct Tally {
    latency_us: Histogram<u64>,
    successes: u64,
    errors: BTreeMap<HttpErrorKind, u64>,
    status_codes: BTreeMap<u16, u64>,
    bytes_received: u64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            latency_us: new_histogram(),
            successes: 0,
            errors: BTreeMap::new(),
            status_codes: BTreeMap::new(),
            bytes_received: 0,
        }
    }
}

impl Tally {
    fn record(&mut self, outcome: &Outcome, latency_us: u64) {
        if let Some(status) = outcome.status {
            *self.status_codes.entry(status).or_default() += 1;
        }
        self.bytes_received += outcome.bytes;
        match outcome.error {
            Some(kind) => *self.errors.entry(kind).or_default() += 1,
            None => {
                self.successes += 1;
                record(&mut self.latency_us, latency_us);
            }
        }
    }

    fn requests(&self) -> u64 {
        self.successes + self.errors.values().sum::<u64>()
    }

    /// The report's form of this tally.
    pub fn stats(&self) -> Result<RequestStats, LatencyError> {
        Ok(RequestStats {
            requests: self.requests(),
            successes: self.successes,
            errors: self.errors.clone(),
            status_codes: self.status_codes.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
            bytes_received: self.bytes_received,
            latency: Latency::from_histogram(&self.latency_us, TimeUnit::Microseconds)?,
        })
    }
}

/// Records a value; an auto-resizing histogram only refuses values it cannot
/// represent at all, which are then clamped to its largest trackable value.
fn record(histogram: &mut Histogram<u64>, value: u64) {
    if histogram.record(value).is_err() {
        histogram.saturating_record(value);
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// What the progress bar shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Live {
    pub requests: u64,
    pub errors: u64,
    /// p95 of the last complete second, in microseconds.
    pub recent_p95_us: u64,
    /// Requests completed in the last complete second.
    pub recent_rps: u64,
}

/// Everything measured so far.
#[derive(Debug)]
pub struct Collector {
    measure_start: Instant,
    total: Tally,
    endpoints: Vec<Tally>,
    second: Option<(u32, Tally)>,
    timeline: Vec<TimelinePoint>,
    /// Open model only: requests have a schedule to keep (or miss).
    scheduled: bool,
    uncorrected_us: Histogram<u64>,
    lag_us: Histogram<u64>,
    late: u64,
    live: Live,
}

impl Collector {
    /// `scheduled`: the open model, whose uncorrected latency and schedule lag are kept too.
    pub fn new(measure_start: Instant, endpoints: usize, scheduled: bool) -> Self {
        Collector {
            measure_start,
            total: Tally::default(),
            endpoints: (0..endpoints).map(|_| Tally::default()).collect(),
            second: None,
            timeline: Vec::new(),
            scheduled,
            uncorrected_us: new_histogram(),
            lag_us: new_histogram(),
            late: 0,
            live: Live::default(),
        }
    }

    /// Adds one finished request; requests due during the warm-up are left out.
    pub fn record(&mut self, sample: &Sample) {
        if sample.due < self.measure_start {
            return;
        }
        let corrected = micros(sample.done.saturating_duration_since(sample.due));
        self.total.record(&sample.outcome, corrected);
        if let Some(endpoint) = self.endpoints.get_mut(sample.endpoint) {
            endpoint.record(&sample.outcome, corrected);
        }
        if self.scheduled {
            if sample.outcome.error.is_none() {
                record(&mut self.uncorrected_us, micros(sample.done.saturating_duration_since(sample.sent)));
            }
            let lag = sample.sent.saturating_duration_since(sample.due);
            record(&mut self.lag_us, micros(lag));
            if lag > LATE_THRESHOLD {
                self.late += 1;
            }
        }
        let second =
            u32::try_from(sample.done.saturating_duration_since(self.measure_start).as_secs()).unwrap_or(u32::MAX);
        self.advance_to(second);
        if let Some((_, tally)) = &mut self.second {
            tally.record(&sample.outcome, corrected);
        }
        self.live.requests += 1;
        if sample.outcome.error.is_some() {
            self.live.errors += 1;
        }
    }

    /// Closes timeline seconds before `second` (empty ones included) and opens `second`.
    /// A sample that arrives for an already closed second counts in the open one.
    fn advance_to(&mut self, second: u32) {
        let current = self.second.as_ref().map(|(s, _)| *s);
        match current {
            Some(open) if second <= open => {}
            _ => {
                let first_missing = match self.second.take() {
                    Some((open, tally)) => {
                        self.close_second(open, &tally);
                        open + 1
                    }
                    None => 0,
                };
                for empty in first_missing..second {
                    self.close_second(empty, &Tally::default());
                }
                self.second = Some((second, Tally::default()));
            }
        }
    }

    fn close_second(&mut self, second: u32, tally: &Tally) {
        let h = &tally.latency_us;
        let point = TimelinePoint {
            second,
            requests: tally.requests(),
            errors: tally.requests() - tally.successes,
            p50_us: h.value_at_quantile(0.50),
            p95_us: h.value_at_quantile(0.95),
            p99_us: h.value_at_quantile(0.99),
        };
        self.live.recent_p95_us = point.p95_us;
        self.live.recent_rps = point.requests;
        self.timeline.push(point);
    }

    /// Closes every timeline second that ended before `now`.
    pub fn tick(&mut self, now: Instant) {
        if now <= self.measure_start {
            return;
        }
        let second = u32::try_from(now.duration_since(self.measure_start).as_secs()).unwrap_or(u32::MAX);
        self.advance_to(second);
    }

    pub fn live(&self) -> Live {
        self.live
    }

    /// Ends collection: the last (partial) second joins the timeline only if it saw requests.
    pub fn finish(mut self) -> Collected {
        if let Some((second, tally)) = self.second.take() {
            if tally.requests() > 0 {
                self.close_second(second, &tally);
            }
        }
        Collected {
            total: self.total,
            endpoints: self.endpoints,
            timeline: self.timeline,
            uncorrected_us: self.uncorrected_us,
            lag_us: self.lag_us,
            late: self.late,
        }
    }
}

/// The final figures of a run.
#[derive(Debug)]
pub struct Collected {
    pub total: Tally,
    pub endpoints: Vec<Tally>,
    pub timeline: Vec<TimelinePoint>,
    pub uncorrected_us: Histogram<u64>,
    pub lag_us: Histogram<u64>,
    pub late: u64,
}
