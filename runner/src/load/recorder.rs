//! Recording outcomes into the workload's figures, on the thread that produced them.
//!
//! Each load thread owns a [`Recorder`] (behind a mutex only the ticker ever
//! contends for, once a second): whole-run and per-part [`Tally`]s, the open
//! model's uncorrected latency and schedule lag, and the current second. Once a
//! second the engine's ticker takes every recorder's finished seconds into the
//! [`Timeline`], which closes them into timeline points, the live figures of the
//! progress bar, and time windows of whole seconds (each a histogram: the evidence
//! of intervals that survive autocorrelation). At the end the recorders' tallies
//! are added together: histograms add exactly, so the result is the same as one
//! recorder that saw every sample.
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
    error_classes: usize,
    total: Tally,
    parts: Vec<Tally>,
    /// The second being filled, by completion time.
    current: Option<(u32, Tally)>,
    /// Seconds this recorder has moved past, waiting for the ticker.
    finished: Vec<(u32, Tally)>,
    /// Open model only: operations have a schedule to keep (or miss).
    scheduled: bool,
    uncorrected: Histogram<u64>,
    lag: Histogram<u64>,
    late: u64,
    spans: Spans,
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

impl Recorder {
    /// `scheduled`: the open model, whose uncorrected latency and schedule lag are kept too.
    pub fn new(measure_start: Instant, vocabulary: &Vocabulary, scheduled: bool) -> Self {
        let classes = vocabulary.kind.error_classes.len();
        Recorder {
            measure_start,
            unit: vocabulary.resolution,
            error_classes: classes,
            total: Tally::new(classes),
            parts: (0..vocabulary.parts.max(1)).map(|_| Tally::new(classes)).collect(),
            current: None,
            finished: Vec::new(),
            scheduled,
            uncorrected: new_histogram(),
            lag: new_histogram(),
            late: 0,
            spans: Spans::new(vocabulary.spans.len()),
        }
    }

    /// Adds one finished operation; operations due during the warm-up are left out.
    pub fn record(&mut self, sample: &Sample) {
        if sample.due < self.measure_start {
            return;
        }
        let corrected = in_unit(sample.done.saturating_duration_since(sample.due), self.unit);
        self.total.record(&sample.outcome, corrected);
        self.spans.record(&sample.outcome);
        // With one part, the part's figures are the total's (see `drain_into`).
        if self.parts.len() > 1 {
            if let Some(part) = self.parts.get_mut(usize::from(sample.outcome.part)) {
                part.record(&sample.outcome, corrected);
            }
        }
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
            Some((open, tally)) if *open == second => tally.record(&sample.outcome, corrected),
            current => {
                let mut tally = Tally::new(self.error_classes);
                tally.record(&sample.outcome, corrected);
                if let Some(done) = current.replace((second, tally)) {
                    self.finished.push(done);
                }
            }
        }
    }

    /// Hands the seconds before `second` to the timeline.
    pub fn hand_over(&mut self, second: u32, timeline: &mut Timeline) {
        for (s, tally) in self.finished.drain(..) {
            timeline.add(s, &tally);
        }
        if matches!(self.current, Some((s, _)) if s < second) {
            if let Some((s, tally)) = self.current.take() {
                timeline.add(s, &tally);
            }
        }
    }

    /// Adds everything this recorder holds into `into` and `timeline`.
    pub fn drain_into(&mut self, into: &mut Collected, timeline: &mut Timeline) {
        self.hand_over(u32::MAX, timeline);
        into.total.add(&self.total);
        if self.parts.len() > 1 {
            for (a, b) in into.parts.iter_mut().zip(&self.parts) {
                a.add(b);
            }
        } else if let Some(part) = into.parts.first_mut() {
            part.add(&self.total);
        }
        let _ = into.uncorrected.add(&self.uncorrected);
        let _ = into.lag.add(&self.lag);
        into.late += self.late;
        into.spans.add(&self.spans);
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
    error_classes: usize,
    /// The unit the tallies' latencies are in.
    unit: TimeUnit,
    /// First second not yet closed.
    next: u32,
    open: BTreeMap<u32, Tally>,
    points: Vec<TimelinePoint>,
    /// Each point's counters, in the order of `points`.
    point_counters: Vec<[u64; MAX_COUNTERS]>,
    live: Live,
    /// Whole seconds per window.
    window_s: u32,
    /// The window being filled: its index and the seconds closed into it.
    window: Option<(u32, Tally)>,
    windows: Vec<Window>,
    /// Each window's span totals, in seconds, in the order of `windows`.
    window_spans: Vec<[f64; MAX_SPANS]>,
}

impl Timeline {
    pub fn new(error_classes: usize, unit: TimeUnit, window_s: u32) -> Self {
        Timeline {
            error_classes,
            unit,
            next: 0,
            open: BTreeMap::new(),
            points: Vec::new(),
            point_counters: Vec::new(),
            live: Live::default(),
            window_s: window_s.max(1),
            window: None,
            windows: Vec::new(),
            window_spans: Vec::new(),
        }
    }

    /// Adds a recorder's second; one that arrives after its second was closed
    /// counts in the first open one.
    fn add(&mut self, second: u32, tally: &Tally) {
        let classes = self.error_classes;
        self.open.entry(second.max(self.next)).or_insert_with(|| Tally::new(classes)).add(tally);
    }

    /// Closes every second before `second`, empty ones included.
    pub fn close_before(&mut self, second: u32) {
        while self.next < second {
            let tally = self.open.remove(&self.next).unwrap_or_else(|| Tally::new(self.error_classes));
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
            self.add_to_window(self.next, &tally);
            self.next += 1;
        }
    }

    /// Adds a closed second to its window, first closing the window before it.
    fn add_to_window(&mut self, second: u32, tally: &Tally) {
        let index = second / self.window_s;
        if self.window.as_ref().is_some_and(|(open, _)| *open != index) {
            self.close_window(f64::from(self.window_s));
        }
        let classes = self.error_classes;
        self.window.get_or_insert_with(|| (index, Tally::new(classes))).1.add(tally);
    }

    fn close_window(&mut self, duration_s: f64) {
        if let Some((index, tally)) = self.window.take() {
            // Encoding an auto-resizing histogram cannot fail; an empty one stands in if it did.
            let latency = Latency::from_histogram(&tally.latency, self.unit)
                .or_else(|_| Latency::from_histogram(&new_histogram(), self.unit));
            if let Ok(latency) = latency {
                self.window_spans.push(tally.span_totals_s());
                self.windows.push(Window {
                    trial: 0,
                    index,
                    duration_s,
                    operations: tally.operations(),
                    errors: tally.failures(),
                    latency,
                });
            }
        }
    }

    pub fn live(&self) -> Live {
        self.live
    }

    /// Ends the timeline after `duration_s` measured seconds; the last (partial)
    /// second joins it only if it saw operations. Returns the timeline, each of
    /// its points' counters, the windows (the last one as long as the measured
    /// time it covers) and each window's span totals.
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
        (self.points, self.point_counters, self.windows, self.window_spans)
    }
}

/// What [`Timeline::finish`] returns.
pub type Finished = (Vec<TimelinePoint>, Vec<[u64; MAX_COUNTERS]>, Vec<Window>, Vec<[f64; MAX_SPANS]>);

/// Every recorder's figures, added together.
#[derive(Debug)]
pub struct Collected {
    pub total: Tally,
    pub parts: Vec<Tally>,
    pub uncorrected: Histogram<u64>,
    pub lag: Histogram<u64>,
    pub late: u64,
    pub spans: Spans,
}

impl Collected {
    pub fn new(vocabulary: &Vocabulary) -> Self {
        let classes = vocabulary.kind.error_classes.len();
        Collected {
            total: Tally::new(classes),
            parts: (0..vocabulary.parts.max(1)).map(|_| Tally::new(classes)).collect(),
            uncorrected: new_histogram(),
            lag: new_histogram(),
            late: 0,
            spans: Spans::new(vocabulary.spans.len()),
        }
    }
}
