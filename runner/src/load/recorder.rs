//! Recording outcomes into the workload's figures, on the thread that produced them.
//!
//! Each load thread owns a [`Recorder`] (behind a mutex only the ticker ever
//! contends for, once a second): the current second's [`Figures`] (total, per
//! part, per span) and the open model's uncorrected latency and schedule lag.
//! Once a second the engine's ticker takes every recorder's finished seconds into
//! the [`Timeline`], which closes them into timeline points, the live figures of
//! the progress bar, and time windows of whole seconds (each with its figures,
//! parts and spans included: the evidence of intervals that survive
//! autocorrelation). The whole run's figures are its windows' added together:
//! histograms add exactly, so the result is the same as one recorder that saw
//! every sample.
//!
//! Memory stays flat in run length: histograms and counters only, never a list of
//! samples (the timeline adds a few numbers per second).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use perfproof_shared::latency::new_histogram;
use perfproof_shared::report::{OperationStats, TimelinePoint, Window};
use perfproof_shared::{Latency, LatencyError, TimeUnit};

use super::{Outcome, Vocabulary, MAX_COUNTERS, MAX_SPANS};

/// An operation is late when started more than this after its scheduled time.
pub const LATE_THRESHOLD: Duration = Duration::from_millis(10);

/// One finished operation.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// When it was due: its scheduled time (open model) or its start (closed).
    pub due: Instant,
    /// When it actually started.
    pub sent: Instant,
    /// When it ended (success, error or timeout).
    pub done: Instant,
    pub outcome: Outcome,
}

/// Counts and latency of a set of operations.
#[derive(Debug, Clone)]
pub struct Tally {
    /// In the vocabulary's resolution.
    latency: Histogram<u64>,
    successes: u64,
    /// Failures by the vocabulary's error class index.
    errors: Vec<u64>,
    /// Operations by code; a handful of distinct codes, so a list beats a map here.
    codes: Vec<(u16, u64)>,
    counters: [u64; MAX_COUNTERS],
    /// Sum of each span, in nanoseconds.
    spans_ns: [u64; MAX_SPANS],
}

impl Tally {
    pub fn new(error_classes: usize) -> Self {
        Tally {
            latency: new_histogram(),
            successes: 0,
            errors: vec![0; error_classes],
            codes: Vec::new(),
            counters: [0; MAX_COUNTERS],
            spans_ns: [0; MAX_SPANS],
        }
    }

    fn record(&mut self, outcome: &Outcome, latency: u64) {
        if let Some(code) = outcome.code {
            self.count_code(code, 1);
        }
        for (sum, n) in self.counters.iter_mut().zip(outcome.counters) {
            *sum += n;
        }
        for (sum, span) in self.spans_ns.iter_mut().zip(outcome.spans) {
            *sum += span.map_or(0, nanos);
        }
        match outcome.error {
            Some(class) => {
                if let Some(n) = self.errors.get_mut(usize::from(class)) {
                    *n += 1;
                }
            }
            None => {
                self.successes += 1;
                record(&mut self.latency, latency);
            }
        }
    }

    /// Adds `other`'s operations to these.
    fn add(&mut self, other: &Tally) {
        // Both histograms auto-resize, so adding cannot fail for lack of range.
        let _ = self.latency.add(&other.latency);
        self.successes += other.successes;
        for (a, b) in self.errors.iter_mut().zip(&other.errors) {
            *a += b;
        }
        for &(code, n) in &other.codes {
            self.count_code(code, n);
        }
        for (a, b) in self.counters.iter_mut().zip(other.counters) {
            *a += b;
        }
        for (a, b) in self.spans_ns.iter_mut().zip(other.spans_ns) {
            *a += b;
        }
    }

    /// Sum of each span, in seconds.
    pub fn span_totals_s(&self) -> [f64; MAX_SPANS] {
        self.spans_ns.map(|ns| ns as f64 / 1e9)
    }

    fn count_code(&mut self, code: u16, n: u64) {
        match self.codes.iter_mut().find(|(c, _)| *c == code) {
            Some((_, count)) => *count += n,
            None => self.codes.push((code, n)),
        }
    }

    fn failures(&self) -> u64 {
        self.errors.iter().sum()
    }

    fn operations(&self) -> u64 {
        self.successes + self.failures()
    }

    /// The report's form of this tally, with the vocabulary's names.
    pub fn stats(&self, vocabulary: &Vocabulary) -> Result<OperationStats, LatencyError> {
        let named = |names: &[&str], counts: &[u64]| -> BTreeMap<String, u64> {
            names.iter().zip(counts).filter(|(_, n)| **n > 0).map(|(name, n)| (name.to_string(), *n)).collect()
        };
        Ok(OperationStats {
            operations: self.operations(),
            successes: self.successes,
            errors: named(vocabulary.kind.error_classes, &self.errors),
            codes: self.codes.iter().map(|(c, n)| (c.to_string(), *n)).collect::<BTreeMap<_, _>>(),
            counters: vocabulary.counters.iter().zip(self.counters).map(|(name, n)| (name.to_string(), n)).collect(),
            latency: Latency::from_histogram(&self.latency, vocabulary.resolution)?,
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

/// `d` in `unit`, rounded down.
fn in_unit(d: Duration, unit: TimeUnit) -> u64 {
    let per_ns: u128 = match unit {
        TimeUnit::Nanoseconds => 1,
        TimeUnit::Microseconds => 1_000,
        TimeUnit::Milliseconds => 1_000_000,
    };
    u64::try_from(d.as_nanos() / per_ns).unwrap_or(u64::MAX)
}

/// Spans are kept in nanoseconds: some phases (an in-process cache hit) take less
/// than a microsecond.
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// What one load thread measured.
#[derive(Debug)]
pub struct Recorder {
    measure_start: Instant,
    /// The unit latencies are recorded in (the vocabulary's resolution).
    unit: TimeUnit,
    /// An empty set of figures of the workload's shape.
    empty: Figures,
    /// The second being filled, by completion time.
    current: Option<(u32, Figures)>,
    /// Seconds this recorder has moved past, waiting for the ticker.
    finished: Vec<(u32, Figures)>,
    /// Open model only: operations have a schedule to keep (or miss).
    scheduled: bool,
    uncorrected: Histogram<u64>,
    lag: Histogram<u64>,
    late: u64,
}

/// The distribution of each of the workload's spans over measured operations.
#[derive(Debug, Clone)]
pub struct Spans {
    pub histograms: Vec<Histogram<u64>>,
}

impl Spans {
    fn new(count: usize) -> Self {
        Spans { histograms: (0..count.min(MAX_SPANS)).map(|_| new_histogram()).collect() }
    }

    fn record(&mut self, outcome: &Outcome) {
        for (histogram, span) in self.histograms.iter_mut().zip(outcome.spans) {
            if let Some(span) = span {
                record(histogram, nanos(span));
            }
        }
    }

    fn add(&mut self, other: &Spans) {
        for (a, b) in self.histograms.iter_mut().zip(&other.histograms) {
            let _ = a.add(b);
        }
    }
}

/// The figures of a set of measured operations (a whole run, a second, a window):
/// the total, each part's when there are several (with one, the part is the
/// total), and the distribution of each span.
#[derive(Debug, Clone)]
pub struct Figures {
    pub total: Tally,
    parts: Vec<Tally>,
    pub spans: Spans,
}

impl Figures {
    pub fn new(vocabulary: &Vocabulary) -> Self {
        let classes = vocabulary.kind.error_classes.len();
        let parts = if vocabulary.parts > 1 { vocabulary.parts } else { 0 };
        Figures {
            total: Tally::new(classes),
            parts: (0..parts).map(|_| Tally::new(classes)).collect(),
            spans: Spans::new(vocabulary.spans.len()),
        }
    }

    fn record(&mut self, outcome: &Outcome, latency: u64) {
        self.total.record(outcome, latency);
        self.spans.record(outcome);
        if let Some(part) = self.parts.get_mut(usize::from(outcome.part)) {
            part.record(outcome, latency);
        }
    }

    pub fn add(&mut self, other: &Figures) {
        self.total.add(&other.total);
        for (a, b) in self.parts.iter_mut().zip(&other.parts) {
            a.add(b);
        }
        self.spans.add(&other.spans);
    }

    /// Each part's figures, in the report's form.
    pub fn part_stats(&self, vocabulary: &Vocabulary) -> Result<Vec<OperationStats>, LatencyError> {
        match self.parts.len() {
            0 => Ok(vec![self.total.stats(vocabulary)?]),
            _ => self.parts.iter().map(|t| t.stats(vocabulary)).collect(),
        }
    }
}

impl Recorder {
    /// `scheduled`: the open model, whose uncorrected latency and schedule lag are kept too.
    pub fn new(measure_start: Instant, vocabulary: &Vocabulary, scheduled: bool) -> Self {
        Recorder {
            measure_start,
            unit: vocabulary.resolution,
            empty: Figures::new(vocabulary),
            current: None,
            finished: Vec::new(),
            scheduled,
            uncorrected: new_histogram(),
            lag: new_histogram(),
            late: 0,
        }
    }

    /// Adds one finished operation; operations due during the warm-up are left out.
    pub fn record(&mut self, sample: &Sample) {
        if sample.due < self.measure_start {
            return;
        }
        let corrected = in_unit(sample.done.saturating_duration_since(sample.due), self.unit);
        if self.scheduled {
            if sample.outcome.error.is_none() {
                record(&mut self.uncorrected, in_unit(sample.done.saturating_duration_since(sample.sent), self.unit));
            }
            let lag = sample.sent.saturating_duration_since(sample.due);
            record(&mut self.lag, in_unit(lag, self.unit));
            if lag > LATE_THRESHOLD {
                self.late += 1;
            }
        }
        let second =
            u32::try_from(sample.done.saturating_duration_since(self.measure_start).as_secs()).unwrap_or(u32::MAX);
        match &mut self.current {
            Some((open, figures)) if *open == second => figures.record(&sample.outcome, corrected),
            current => {
                let mut figures = self.empty.clone();
                figures.record(&sample.outcome, corrected);
                if let Some(done) = current.replace((second, figures)) {
                    self.finished.push(done);
                }
            }
        }
    }

    /// Hands the seconds before `second` to the timeline.
    pub fn hand_over(&mut self, second: u32, timeline: &mut Timeline) {
        for (s, figures) in self.finished.drain(..) {
            timeline.add(s, &figures);
        }
        if matches!(self.current, Some((s, _)) if s < second) {
            if let Some((s, figures)) = self.current.take() {
                timeline.add(s, &figures);
            }
        }
    }

    /// Adds everything this recorder holds into `into` and `timeline`.
    pub fn drain_into(&mut self, into: &mut Collected, timeline: &mut Timeline) {
        self.hand_over(u32::MAX, timeline);
        let _ = into.uncorrected.add(&self.uncorrected);
        let _ = into.lag.add(&self.lag);
        into.late += self.late;
    }
}

/// What the progress bar shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Live {
    pub operations: u64,
    pub errors: u64,
    /// p95 of the last complete second, in milliseconds.
    pub recent_p95_ms: f64,
    /// Operations completed in the last complete second.
    pub recent_per_s: u64,
}

/// The per-second timeline and the time windows, built from every recorder's finished seconds.
#[derive(Debug)]
pub struct Timeline {
    /// An empty set of figures of the workload's shape.
    empty: Figures,
    /// The unit the tallies' latencies are in.
    unit: TimeUnit,
    /// First second not yet closed.
    next: u32,
    open: BTreeMap<u32, Figures>,
    points: Vec<TimelinePoint>,
    /// Each point's counters, in the order of `points`.
    point_counters: Vec<[u64; MAX_COUNTERS]>,
    live: Live,
    /// Whole seconds per window.
    window_s: u32,
    /// The window being filled: its index and the seconds closed into it.
    window: Option<(u32, Figures)>,
    windows: Vec<Window>,
    /// Each window's figures, in the order of `windows`.
    window_figures: Vec<Figures>,
}

impl Timeline {
    pub fn new(vocabulary: &Vocabulary, window_s: u32) -> Self {
        Timeline {
            empty: Figures::new(vocabulary),
            unit: vocabulary.resolution,
            next: 0,
            open: BTreeMap::new(),
            points: Vec::new(),
            point_counters: Vec::new(),
            live: Live::default(),
            window_s: window_s.max(1),
            window: None,
            windows: Vec::new(),
            window_figures: Vec::new(),
        }
    }

    /// Adds a recorder's second; one that arrives after its second was closed
    /// counts in the first open one.
    fn add(&mut self, second: u32, figures: &Figures) {
        let empty = &self.empty;
        self.open.entry(second.max(self.next)).or_insert_with(|| empty.clone()).add(figures);
    }

    /// Closes every second before `second`, empty ones included.
    pub fn close_before(&mut self, second: u32) {
        while self.next < second {
            let figures = self.open.remove(&self.next).unwrap_or_else(|| self.empty.clone());
            let tally = &figures.total;
            let h = &tally.latency;
            let per_ms = self.unit.per_millisecond();
            // The timeline's points are in whole microseconds, as the report names them.
            let us = |q: f64| (h.value_at_quantile(q) as f64 * 1_000.0 / per_ms) as u64;
            let point = TimelinePoint {
                second: self.next,
                operations: tally.operations(),
                errors: tally.failures(),
                p50_us: us(0.50),
                p95_us: us(0.95),
                p99_us: us(0.99),
            };
            self.live = Live {
                operations: self.live.operations + point.operations,
                errors: self.live.errors + point.errors,
                recent_p95_ms: h.value_at_quantile(0.95) as f64 / per_ms,
                recent_per_s: point.operations,
            };
            self.points.push(point);
            self.point_counters.push(tally.counters);
            self.add_to_window(self.next, &figures);
            self.next += 1;
        }
    }

    /// Adds a closed second to its window, first closing the window before it.
    fn add_to_window(&mut self, second: u32, figures: &Figures) {
        let index = second / self.window_s;
        if self.window.as_ref().is_some_and(|(open, _)| *open != index) {
            self.close_window(f64::from(self.window_s));
        }
        let empty = &self.empty;
        self.window.get_or_insert_with(|| (index, empty.clone())).1.add(figures);
    }

    fn close_window(&mut self, duration_s: f64) {
        if let Some((index, figures)) = self.window.take() {
            let tally = &figures.total;
            // Encoding an auto-resizing histogram cannot fail; an empty one stands in if it did.
            let latency = Latency::from_histogram(&tally.latency, self.unit)
                .or_else(|_| Latency::from_histogram(&new_histogram(), self.unit));
            if let Ok(latency) = latency {
                self.windows.push(Window {
                    trial: 0,
                    index,
                    duration_s,
                    operations: tally.operations(),
                    errors: tally.failures(),
                    latency,
                    parts: BTreeMap::new(),
                    proportions: BTreeMap::new(),
                });
                self.window_figures.push(figures);
            }
        }
    }

    pub fn live(&self) -> Live {
        self.live
    }

    /// Ends the timeline after `duration_s` measured seconds; the last (partial)
    /// second joins it only if it saw operations. Returns the timeline, each of
    /// its points' counters, the windows (the last one as long as the measured
    /// time it covers) and each window's figures.
    pub fn finish(mut self, duration_s: f64) -> Finished {
        self.close_before(duration_s.floor() as u32);
        if let Some(&last) = self.open.keys().next_back() {
            self.close_before(last + 1);
        }
        if let Some((index, _)) = &self.window {
            let start = f64::from(index * self.window_s);
            let length = (duration_s - start).clamp(0.0, f64::from(self.window_s));
            self.close_window(if length > 0.0 { length } else { f64::from(self.window_s) });
        }
        (self.points, self.point_counters, self.windows, self.window_figures)
    }
}

/// What [`Timeline::finish`] returns.
pub type Finished = (Vec<TimelinePoint>, Vec<[u64; MAX_COUNTERS]>, Vec<Window>, Vec<Figures>);

/// Every recorder's open-model figures, added together (the rest goes through
/// the [`Timeline`]: the whole run's figures are its windows' sum).
#[derive(Debug)]
pub struct Collected {
    pub uncorrected: Histogram<u64>,
    pub lag: Histogram<u64>,
    pub late: u64,
}

impl Default for Collected {
    fn default() -> Self {
        Collected { uncorrected: new_histogram(), lag: new_histogram(), late: 0 }
    }
}
