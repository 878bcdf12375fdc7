//! The load engine: offers load to any workload and measures it, the same way for every tier.
//!
//! A workload supplies an [`Operation`] (send one HTTP request, run one query, ...)
//! that turns a per-user session and an operation index into a classified
//! [`Outcome`], and a [`Vocabulary`] naming its error classes, counters and parts.
//! The engine owns everything else, once: the closed and open models and their
//! stages ([`plan`]), warm-up, duration and operation limit, the schedule and
//! coordinated-omission correction ([`driver`]), recording on the thread that made
//! the sample and the per-second timeline ([`recorder`]), the progress bar and the
//! generator's CPU check ([`progress`]), and stop signals: a stopped run still
//! returns what it measured, marked incomplete.

pub mod capacity;
pub mod driver;
pub mod plan;
pub mod progress;
pub mod recorder;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use perfproof_shared::format;
use perfproof_shared::report::{GeneratorStats, KindInfo, LoadResult, OperationStats, Schedule, TimelinePoint, Window};
use perfproof_shared::{Latency, TimeUnit};
use tokio::sync::watch;

pub use plan::{EndGrace, LoadPlan, Model, Stage};
use progress::{CpuSampler, Progress};
use recorder::{Collected, Figures, Recorder, Timeline, LATE_THRESHOLD};

/// Most counters an operation can report.
pub const MAX_COUNTERS: usize = 8;
/// An outcome's counters from the first few: the rest are 0.
pub fn counters(first: &[u64]) -> [u64; MAX_COUNTERS] {
    let mut all = [0; MAX_COUNTERS];
    for (slot, value) in all.iter_mut().zip(first) {
        *slot = *value;
    }
    all
}

/// Most spans an operation can report.
pub const MAX_SPANS: usize = 2;

/// Windows a run's measured period (all its trials) is cut into. Batch means work
/// with 10 to 30 batches (Schmeiser 1982); 20 keeps the report small: a 10-minute
/// run's 20 windows of 30 s take some 75 KB (30 windows would take 110 KB).
pub const WINDOWS: u32 = 20;

/// Whole seconds per window for a plan: the planned measured period, every trial
/// of it, over [`WINDOWS`], at least 1 (a trial of 2 s has two windows of 1 s).
pub fn window_seconds(plan: &LoadPlan) -> u32 {
    let period = plan.duration.as_secs_f64() * f64::from(plan.trials.max(1));
    (period / f64::from(WINDOWS)).ceil().max(1.0) as u32
}

/// How one operation ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The part of the workload it went to (HTTP: the endpoint's index).
    pub part: u16,
    /// `None` for a success, else an index into the kind's [`KindInfo::error_classes`].
    pub error: Option<u8>,
    /// A code the target answered with, counted by value (HTTP: the status).
    pub code: Option<u16>,
    /// Amounts added to [`Vocabulary::counters`], in the same order.
    pub counters: [u64; MAX_COUNTERS],
    /// Durations of the operation's phases named by [`Vocabulary::spans`] (a
    /// database checkout: waiting for a connection, then holding it), when it had them.
    pub spans: [Option<Duration>; MAX_SPANS],
}

/// What a workload's outcomes are called.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// The kind's words: its operations, throughput unit and failure classes
    /// ([`Outcome::error`] indexes [`KindInfo::error_classes`]).
    pub kind: &'static KindInfo,
    /// The unit operations' latencies are recorded in: nanoseconds for a kind whose
    /// operations can take less than a microsecond (an in-process cache read, which
    /// microseconds would record as 0), else microseconds, whose histograms are
    /// less than half the size in a report (3 significant digits either way).
    pub resolution: TimeUnit,
    /// Names of the counters (at most [`MAX_COUNTERS`]).
    pub counters: &'static [&'static str],
    /// Names of the spans (at most [`MAX_SPANS`]): phases of an operation whose
    /// durations the engine keeps apart, for measured operations, as [`Span`]s.
    pub spans: &'static [&'static str],
    /// How many parts outcomes are broken down by (HTTP: endpoints); at least 1.
    pub parts: usize,
}

/// One kind of operation the engine can drive.
pub trait Operation: Send + Sync + 'static {
    /// What a virtual user keeps between its operations (a dedicated connection).
    type Session: Send + 'static;

    /// A new session: one per closed-model user, made on its load thread `thread`
    /// (0 ≤ `thread` < the plan's threads, so per-thread resources can stay on
    /// their thread); one per operation in the open model (`thread` 0), so it
    /// should be cheap there.
    fn session(&self, thread: usize) -> Self::Session;

    /// The operation's resources are shared by every user and bound to the runtime
    /// that calls [`run`] (a connection pool): the closed model's users then run as
    /// tasks on that runtime, not on load threads of their own.
    const CALLER_RUNTIME: bool = false;

    /// Performs operation number `index` (0, 1, 2, ... over the whole run) and
    /// classifies how it ended. It must not panic, whatever the target does.
    fn perform(&self, session: &mut Self::Session, index: u64) -> impl Future<Output = Outcome> + Send;
}

/// How a run is watched.
#[derive(Debug, Clone)]
pub struct Context {
    /// Becomes true when the run must stop now.
    pub stop: watch::Receiver<bool>,
    /// No progress bar.
    pub quiet: bool,
    /// The target runs inside this process (an embedded target).
    pub target_in_process: bool,
}

/// What the engine measured: the report's common block, the same figures per
/// part, and the spans of the measured operations.
#[derive(Debug)]
pub struct Measured {
    pub result: LoadResult,
    pub parts: Vec<OperationStats>,
    /// One per [`Vocabulary::spans`], in the same order.
    pub spans: Vec<Span>,
    /// Each counter of [`Vocabulary::counters`] per second of the result's
    /// `timeline`, in its order (a cache's hits and misses, second by second).
    pub counters_per_second: Vec<[u64; MAX_COUNTERS]>,
    /// The same figures for each of the result's `windows`, in its order, each of
    /// that window alone (no timeline, windows, schedule or warnings of its own):
    /// what the workload's kind turns into the window's parts' figures
    /// ([`crate::workloads::keep_window_parts`]).
    pub windows: Vec<Measured>,
}

/// One phase of the measured operations: its distribution (in nanoseconds) and its exact totals.
#[derive(Debug, Clone)]
pub struct Span {
    pub latency: Latency,
    /// Sum of every recorded duration, in seconds.
    pub total_s: f64,
    /// The same sum per time window, in the order of the result's `windows`.
    pub windows_s: Vec<f64>,
}

/// Runs `operation` under `plan`. Returns what was measured, also when the run was stopped.
pub async fn run<O: Operation>(
    operation: O,
    vocabulary: &Vocabulary,
    plan: &LoadPlan,
    context: &Context,
) -> anyhow::Result<Measured> {
    let start = Instant::now();
    let measure_start = start + plan.warmup;
    let scheduled = matches!(plan.model, Model::Open { .. });
    let recorder_count = match plan.model {
        Model::Closed { users, .. } => plan.threads.min(users as usize).max(1),
        Model::Open { .. } => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let recorders: Arc<Vec<Mutex<Recorder>>> = Arc::new(
        (0..recorder_count).map(|_| Mutex::new(Recorder::new(measure_start, vocabulary, scheduled))).collect(),
    );
    let (done_tx, mut done_rx) = watch::channel(false);
    let progress = Progress::new(plan.warmup + plan.duration, context.quiet, vocabulary.kind.throughput_unit);
    let ticking = {
        let recorders = recorders.clone();
        let vocabulary = vocabulary.clone();
        let window_s = window_seconds(plan);
        tokio::spawn(async move {
            let mut timeline = Timeline::new(&vocabulary, window_s);
            let mut cpu = CpuSampler::new();
            let mut ticks = tokio::time::interval(Duration::from_secs(1));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                tokio::select! {
                    _ = done_rx.wait_for(|d| *d) => break,
                    _ = ticks.tick() => {
                        let now = Instant::now();
                        if now > measure_start {
                            let second = u32::try_from((now - measure_start).as_secs()).unwrap_or(u32::MAX);
                            for recorder in recorders.iter() {
                                lock(recorder).hand_over(second, &mut timeline);
                            }
                            timeline.close_before(second);
                            cpu.sample();
                        }
                        progress.update(now - start, &timeline.live(), now < measure_start);
                    }
                }
            }
            progress.finish();
            (timeline, cpu.summary())
        })
    };

    let outcome = driver::drive(operation, plan, measure_start, context.stop.clone(), recorders.clone()).await;
    let finished = Instant::now();
    let _ = done_tx.send(true);
    let (mut timeline, (cpu_mean, cpu_max)) = ticking.await.context("the progress task failed")?;
    let driven = outcome?;
    let mut collected = Collected::default();
    for recorder in recorders.iter() {
        lock(recorder).drain_into(&mut collected, &mut timeline);
    }
    let duration_s = finished.saturating_duration_since(measure_start).as_secs_f64();
    let generator = GeneratorStats {
        cpu_percent_mean: cpu_mean,
        cpu_percent_max: cpu_max,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        threads: recorder_count as u32,
        target_in_process: context.target_in_process,
    };
    let stopped = *context.stop.borrow();
    let (timeline, counters_per_second, windows, window_figures) = timeline.finish(duration_s);
    let measured = Measurement {
        timeline,
        counters_per_second,
        windows,
        window_figures,
        window_s: window_seconds(plan),
        duration_s,
    };
    assemble(vocabulary, plan, collected, measured, generator, driven, !stopped)
}

/// A recorder's lock; a poisoned one (a panic elsewhere) still holds valid counts.
fn lock(recorder: &Mutex<Recorder>) -> std::sync::MutexGuard<'_, Recorder> {
    recorder.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the timeline measured over the run's time.
struct Measurement {
    timeline: Vec<TimelinePoint>,
    counters_per_second: Vec<[u64; MAX_COUNTERS]>,
    windows: Vec<Window>,
    /// Each window's figures, in the order of `windows`.
    window_figures: Vec<Figures>,
    window_s: u32,
    duration_s: f64,
}

/// Builds the common block and its warnings.
fn assemble(
    vocabulary: &Vocabulary,
    plan: &LoadPlan,
    collected: Collected,
    measured: Measurement,
    generator: GeneratorStats,
    driven: driver::Driven,
    complete: bool,
) -> anyhow::Result<Measured> {
    let limit_reached = driven.limit_reached;
    let Measurement { timeline, counters_per_second, windows, window_figures, window_s, duration_s } = measured;
    let mut whole = Figures::new(vocabulary);
    for figures in &window_figures {
        whole.add(figures);
    }
    let stats = whole.total.stats(vocabulary)?;
    let per_second = |n: u64| if duration_s > 0.0 { n as f64 / duration_s } else { 0.0 };
    let mut warnings = Vec::new();
    let schedule = match plan.model {
        Model::Closed { .. } => None,
        Model::Open { max_in_flight, .. } => Some(open_schedule(
            vocabulary,
            plan,
            max_in_flight,
            &collected,
            stats.operations,
            duration_s,
            driven,
            &mut warnings,
        )?),
    };
    let busy = generator.cpu_percent_mean / (f64::from(generator.cores) * 100.0);
    if busy > 0.85 {
        let whose = if generator.target_in_process { "the runner and the embedded target" } else { "the runner" };
        warnings.push(format!(
            "{whose} used {} of {} cores on average: the load generator may have been the bottleneck; run \
             perfproof on another machine, or with less load",
            format::percent(generator.cpu_percent_mean),
            generator.cores
        ));
    }
    if limit_reached {
        warnings.push(format!(
            "stopped at the limit of {} {}",
            format::count(plan.max_operations.unwrap_or(0)),
            vocabulary.kind.operations_text
        ));
    }
    if stats.successes < 100 {
        warnings.push(format!(
            "only {} successful {}: p99 and above are not meaningful",
            stats.successes, vocabulary.kind.operations_text
        ));
    }
    let window_spans: Vec<_> = window_figures.iter().map(|f| f.total.span_totals_s()).collect();
    let mut spans = spans_of(&whole)?;
    for (i, span) in spans.iter_mut().enumerate() {
        span.windows_s = window_spans.iter().map(|w| w[i]).collect();
    }
    let result = LoadResult {
        load: plan.report_model(),
        warmup_s: plan.warmup.as_secs_f64(),
        duration_s,
        complete,
        throughput_per_s: per_second(stats.successes),
        stats,
        timeline: Vec::new(),
        schedule: None,
        windows: Vec::new(),
        window_s: f64::from(window_s),
        trials: Vec::new(),
        generator,
        capacity: None,
        warnings: Vec::new(),
    };
    let sections = windows
        .iter()
        .zip(&window_figures)
        .map(|(window, figures)| {
            let stats = figures.total.stats(vocabulary)?;
            let throughput_per_s =
                if window.duration_s > 0.0 { stats.successes as f64 / window.duration_s } else { 0.0 };
            Ok(Measured {
                result: LoadResult { duration_s: window.duration_s, throughput_per_s, stats, ..result.clone() },
                parts: figures.part_stats(vocabulary)?,
                spans: spans_of(figures)?,
                counters_per_second: Vec::new(),
                windows: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, perfproof_shared::LatencyError>>()?;
    Ok(Measured {
        result: LoadResult { timeline, schedule, windows, warnings, ..result },
        parts: whole.part_stats(vocabulary)?,
        spans,
        counters_per_second,
        windows: sections,
    })
}

/// The spans of `figures` (each window's share left empty).
fn spans_of(figures: &Figures) -> Result<Vec<Span>, perfproof_shared::LatencyError> {
    let totals = figures.total.span_totals_s();
    figures
        .spans
        .histograms
        .iter()
        .zip(totals)
        .map(|(h, total_s)| {
            Ok(Span { latency: Latency::from_histogram(h, TimeUnit::Nanoseconds)?, total_s, windows_s: Vec::new() })
        })
        .collect()
}

/// How well the open model kept its schedule, with the warnings that follow from it.
#[allow(clippy::too_many_arguments)]
fn open_schedule(
    vocabulary: &Vocabulary,
    plan: &LoadPlan,
    max_in_flight: u32,
    collected: &Collected,
    operations: u64,
    duration_s: f64,
    driven: driver::Driven,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Schedule> {
    let unit = vocabulary.kind.throughput_unit;
    let target_rate_per_s = plan.mean_level(duration_s);
    let achieved_rate_per_s = if duration_s > 0.0 { operations as f64 / duration_s } else { 0.0 };
    if !driven.limit_reached && achieved_rate_per_s < 0.95 * target_rate_per_s {
        warnings.push(format!(
            "achieved {} of the {} asked for: the target or the in-flight limit ({max_in_flight}) held the load back",
            format::value(achieved_rate_per_s, unit),
            format::value(target_rate_per_s, unit)
        ));
    }
    let late_share = if operations > 0 { collected.late as f64 / operations as f64 } else { 0.0 };
    if late_share > 0.01 {
        warnings.push(format!(
            "{} of {} started more than {} ms after their scheduled time: the generator could not keep the \
             schedule (latency still counts from the schedule)",
            format::share(late_share),
            vocabulary.kind.operations_text,
            LATE_THRESHOLD.as_millis()
        ));
    }
    Ok(Schedule {
        target_rate_per_s,
        achieved_rate_per_s,
        late_operations: collected.late,
        late_threshold_ms: LATE_THRESHOLD.as_secs_f64() * 1000.0,
        uncorrected_latency: Latency::from_histogram(&collected.uncorrected, vocabulary.resolution)?,
        lag: Latency::from_histogram(&collected.lag, vocabulary.resolution)?,
        abandoned: driven.abandoned,
    })
}
