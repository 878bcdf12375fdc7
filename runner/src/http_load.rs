//! The HTTP load generator.
//!
//! - Closed model: virtual users, each sending its next request when the previous
//!   one completed (plus think time); stages ramp the number of active users.
//! - Open model: requests sent on a schedule at the arrival rate (stages ramp it),
//!   whatever the target's response time. Latency counts from each request's
//!   *scheduled* time, so a stalled target shows in the percentiles (coordinated
//!   omission corrected, as wrk2 does); the uncorrected latency and the schedule lag
//!   are reported too. When `max_in_flight` requests are pending, the next one waits
//!   for a slot and its wait counts in its latency.
//!
//! Every request ends in exactly one outcome class and is sent to the
//! [`Collector`] as a [`Sample`]. A request in flight when the duration ends is
//! completed (bounded by the request timeout) and counted; a stop signal abandons it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use perfproof_shared::report::{EndpointResult, GeneratorStats, HttpResult, LoadModel, Schedule, Stage as ReportStage};
use perfproof_shared::{Latency, TimeUnit};
use tokio::sync::{mpsc, watch, Semaphore};

use crate::collector::{Collected, Collector, Sample, LATE_THRESHOLD};
use crate::config::{Endpoint, HttpPlan, Model, Stage};
use crate::http_client::{self, Client, Targets, Transport};
use crate::progress::{CpuSampler, Progress};

/// How a run is watched and reported on.
pub struct RunContext {
    /// Fires (becomes true) when the run must stop now.
    pub stop: watch::Receiver<bool>,
    pub progress: Progress,
    /// The target runs inside this process (the embedded demo service).
    pub target_in_process: bool,
}

/// State shared by every task of one run.
struct Shared {
    client: Arc<Client>,
    plan: HttpPlan,
    targets: Targets,
    samples: mpsc::UnboundedSender<Vec<Sample>>,
    stop: watch::Receiver<bool>,
    measure_start: Instant,
    end: Instant,
    /// Measured requests started so far (for the request limit).
    started: AtomicU64,
    limit_reached: AtomicBool,
    /// Weighted round robin over endpoints.
    cycle: Vec<usize>,
    next_in_cycle: AtomicU64,
}

impl Shared {
    /// Claims the right to send a request due at `due`; false once the request limit is reached.
    fn claim(&self, due: Instant) -> bool {
        if due < self.measure_start {
            return true;
        }
        let n = self.started.fetch_add(1, Ordering::Relaxed);
        match self.plan.max_requests {
            Some(max) if n >= max => {
                self.limit_reached.store(true, Ordering::Relaxed);
                false
            }
            _ => true,
        }
    }

    fn next_endpoint(&self) -> usize {
        let i = self.next_in_cycle.fetch_add(1, Ordering::Relaxed) as usize;
        self.cycle[i % self.cycle.len()]
    }

    fn stopped(&self) -> bool {
        *self.stop.borrow() || self.limit_reached.load(Ordering::Relaxed)
    }

    /// Seconds into the measured period (negative during the warm-up).
    fn offset(&self, at: Instant) -> f64 {
        if at >= self.measure_start {
            at.duration_since(self.measure_start).as_secs_f64()
        } else {
            -self.measure_start.duration_since(at).as_secs_f64()
        }
    }
}

/// Runs the plan. Returns what was measured, also when the run was stopped.
pub async fn run(plan: &HttpPlan, context: RunContext) -> anyhow::Result<HttpResult> {
    let client = Arc::new(http_client::build(plan)?);
    let targets = Targets::new(plan)?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<Sample>>();
    let start = Instant::now();
    let measure_start = start + plan.warmup;
    let shared = Arc::new(Shared {
        client,
        plan: plan.clone(),
        targets,
        samples: tx,
        stop: context.stop.clone(),
        measure_start,
        end: measure_start + plan.duration,
        started: AtomicU64::new(0),
        limit_reached: AtomicBool::new(false),
        cycle: weighted_cycle(&plan.endpoints),
        next_in_cycle: AtomicU64::new(0),
    });

    let progress = context.progress;
    let endpoint_count = plan.endpoints.len();
    let scheduled = matches!(plan.model, Model::Open { .. });
    let collecting = tokio::spawn(async move {
        let mut collector = Collector::new(measure_start, endpoint_count, scheduled);
        let mut cpu = CpuSampler::new();
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            tokio::select! {
                batch = rx.recv() => match batch {
                    Some(batch) => batch.iter().for_each(|sample| collector.record(sample)),
                    None => break,
                },
                _ = ticks.tick() => {
                    let now = Instant::now();
                    collector.tick(now);
                    if now >= measure_start {
                        cpu.sample();
                    }
                    progress.update(now - start, &collector.live(), now < measure_start);
                }
            }
        }
        progress.finish();
        (collector.finish(), cpu.summary())
    });

    match &plan.model {
        Model::Closed { users, think_time, .. } => run_closed(&shared, *users, *think_time).await?,
        Model::Open { max_in_flight, .. } => run_open(&shared, *max_in_flight).await,
    }
    let finished = Instant::now();
    let limit_reached = shared.limit_reached.load(Ordering::Relaxed);
    // Every sender is gone once the shared state is: the collector then drains and ends.
    drop(shared);
    let (collected, (cpu_mean, cpu_max)) = collecting.await.context("the collector task failed")?;
    let duration_s = finished.saturating_duration_since(measure_start).as_secs_f64();
    let generator = GeneratorStats {
        cpu_percent_mean: cpu_mean,
        cpu_percent_max: cpu_max,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        target_in_process: context.target_in_process,
    };
    assemble(plan, collected, duration_s, generator, limit_reached)
}

/// Endpoint indices repeated by weight (weights reduced by their common divisor).
fn weighted_cycle(endpoints: &[Endpoint]) -> Vec<usize> {
    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let divisor = endpoints.iter().map(|e| e.weight).fold(0, gcd).max(1);
    let mut cycle = Vec::new();
    let mut remaining: Vec<u32> = endpoints.iter().map(|e| e.weight / divisor).collect();
    // Interleave rather than run each endpoint's share back to back.
    while remaining.iter().any(|&w| w > 0) {
        for (i, w) in remaining.iter_mut().enumerate() {
            if *w > 0 {
                cycle.push(i);
                *w -= 1;
            }
        }
    }
    cycle
}

/// A virtual user's samples on their way to the collector, sent in batches (every
/// 64 samples or 20 ms) so that a fast target does not cost a cross-thread wake-up
/// per request. The rest is sent when the user ends, however it ends.
struct SampleBatch<'a> {
    to: &'a mpsc::UnboundedSender<Vec<Sample>>,
    samples: Vec<Sample>,
    since: Instant,
}

impl<'a> SampleBatch<'a> {
    const SIZE: usize = 64;
    const AGE: Duration = Duration::from_millis(20);

    fn new(to: &'a mpsc::UnboundedSender<Vec<Sample>>) -> Self {
        SampleBatch { to, samples: Vec::with_capacity(Self::SIZE), since: Instant::now() }
    }

    fn push(&mut self, sample: Sample) {
        self.samples.push(sample);
    }

    fn flush_if_due(&mut self, now: Instant) {
        if self.samples.len() >= Self::SIZE || now.duration_since(self.since) >= Self::AGE {
            self.flush(now);
        }
    }

    fn flush(&mut self, now: Instant) {
        if !self.samples.is_empty() {
            let _ = self.to.send(std::mem::replace(&mut self.samples, Vec::with_capacity(Self::SIZE)));
        }
        self.since = now;
    }
}

impl Drop for SampleBatch<'_> {
    fn drop(&mut self) {
        self.flush(Instant::now());
    }
}

/// Runs the virtual users on one single-threaded runtime per core, each with its
/// own HTTP client (connection pool): no work stealing or pool contention between
/// cores, which is most of the generator's overhead at high request rates.
async fn run_closed(shared: &Arc<Shared>, users: u32, think_time: Duration) -> anyhow::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(users as usize).max(1);
    let mut handles = Vec::with_capacity(threads);
    for thread in 0..threads {
        let shared = shared.clone();
        let client = Arc::new(http_client::build(&shared.plan)?);
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting a load thread")?;
        let handle = std::thread::Builder::new().name(format!("perfproof-load-{thread}")).spawn(move || {
            runtime.block_on(async move {
                let mut tasks = tokio::task::JoinSet::new();
                for user in (thread as u32..users).step_by(threads) {
                    tasks.spawn(virtual_user(
                        shared.clone(),
                        Transport::for_user(&shared.targets, &client),
                        user,
                        think_time,
                    ));
                }
                while tasks.join_next().await.is_some() {}
            })
        })?;
        handles.push(handle);
    }
    tokio::task::spawn_blocking(move || handles.into_iter().try_for_each(|h| h.join()))
        .await
        .context("waiting for the load threads")?
        .map_err(|_| anyhow::anyhow!("a load thread panicked"))
}

async fn virtual_user(shared: Arc<Shared>, mut transport: Transport, user: u32, think_time: Duration) {
    let mut batch = SampleBatch::new(&shared.samples);
    let mut stop = shared.stop.clone();
    // One wait on the stop flag for the user's whole life (not one per request): a
    // stop drops the loop, abandoning the request in flight; `batch` still flushes.
    tokio::select! {
        _ = user_loop(&shared, &mut transport, user, think_time, &mut batch) => {}
        _ = stop.wait_for(|s| *s) => {}
    }
}

async fn user_loop(
    shared: &Shared,
    transport: &mut Transport,
    user: u32,
    think_time: Duration,
    batch: &mut SampleBatch<'_>,
) {
    loop {
        let now = Instant::now();
        if now >= shared.end || shared.stopped() {
            return;
        }
        if f64::from(user) >= shared.plan.level_at(shared.offset(now)) {
            // Not active at this point of the ramp: look again shortly.
            tokio::time::sleep(Duration::from_millis(20).min(shared.end - now)).await;
            continue;
        }
        if !shared.claim(now) {
            return;
        }
        let endpoint = shared.next_endpoint();
        let outcome = transport.send(&shared.targets, endpoint).await;
        let done = Instant::now();
        batch.push(Sample { endpoint, due: now, sent: now, done, outcome });
        batch.flush_if_due(done);
        if !think_time.is_zero() {
            tokio::time::sleep(think_time).await;
        }
    }
}

async fn run_open(shared: &Arc<Shared>, max_in_flight: u32) {
    let slots = Arc::new(Semaphore::new(max_in_flight as usize));
    let mut stop = shared.stop.clone();
    let mut due = Instant::now();
    // Requests owed by the schedule: the integral of the rate since the start, minus
    // the requests sent. One is owed at the start.
    let mut owed = 1.0;
    loop {
        if due >= shared.end || shared.stopped() {
            break;
        }
        if owed < 1.0 - 1e-9 {
            // Advance the schedule by one inter-arrival time, at most 10 ms at a time
            // so that a ramp from a low rate is followed closely.
            let t = shared.offset(due);
            let rate = shared.plan.level_at(t);
            let step = if rate > 0.0 { (1.0 / rate).min(0.01) } else { 0.01 };
            owed += shared.plan.level_at(t + step / 2.0) * step;
            due += Duration::from_secs_f64(step);
            continue;
        }
        owed -= 1.0;
        tokio::select! {
            _ = tokio::time::sleep_until(due.into()) => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        if !shared.claim(due) {
            break;
        }
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = stop.wait_for(|s| *s) => break,
        };
        let task_shared = shared.clone();
        tokio::spawn(async move {
            let mut stop = task_shared.stop.clone();
            let sent = Instant::now();
            let endpoint = task_shared.next_endpoint();
            let mut transport = Transport::Pooled(task_shared.client.clone());
            let outcome = tokio::select! {
                outcome = transport.send(&task_shared.targets, endpoint) => outcome,
                _ = stop.wait_for(|s| *s) => return,
            };
            let done = Instant::now();
            let _ = task_shared.samples.send(vec![Sample { endpoint, due, sent, done, outcome }]);
            drop(slot);
        });
    }
    // Wait for the requests still in flight (each bounded by the timeout), unless stopped.
    tokio::select! {
        _ = slots.acquire_many(max_in_flight) => {}
        _ = stop.wait_for(|s| *s) => {}
    }
}

fn report_stages(stages: &[Stage]) -> Vec<ReportStage> {
    stages.iter().map(|s| ReportStage { duration_s: s.duration.as_secs_f64(), target: s.target }).collect()
}

/// Builds the workload's report entry and its warnings.
fn assemble(
    plan: &HttpPlan,
    collected: Collected,
    duration_s: f64,
    generator: GeneratorStats,
    limit_reached: bool,
) -> anyhow::Result<HttpResult> {
    let stats = collected.total.stats()?;
    let per_second = |n: u64| if duration_s > 0.0 { n as f64 / duration_s } else { 0.0 };
    let mut warnings = Vec::new();
    let (load, schedule) = match &plan.model {
        Model::Closed { users, think_time, stages } => (
            LoadModel::Closed {
                users: *users,
                think_time_ms: think_time.as_secs_f64() * 1000.0,
                stages: report_stages(stages),
            },
            None,
        ),
        Model::Open { rate, stages, max_in_flight } => (
            LoadModel::Open { rate_rps: *rate, stages: report_stages(stages), max_in_flight: *max_in_flight },
            Some(open_schedule(
                plan,
                *max_in_flight,
                &collected,
                stats.requests,
                duration_s,
                limit_reached,
                &mut warnings,
            )?),
        ),
    };
    let busy = generator.cpu_percent_mean / (f64::from(generator.cores) * 100.0);
    if busy > 0.85 {
        let whose = if generator.target_in_process { "the runner and the embedded target" } else { "the runner" };
        warnings.push(format!(
            "{whose} used {:.0} % of {} cores on average: the load generator may have been the bottleneck; run \
             perfproof on another machine, or with less load",
            generator.cpu_percent_mean, generator.cores
        ));
    }
    if limit_reached {
        warnings.push(format!("stopped at the request limit ({})", plan.max_requests.unwrap_or(0)));
    }
    if stats.successes < 100 {
        warnings.push(format!("only {} successful requests: p99 and above are not meaningful", stats.successes));
    }
    let endpoints = plan
        .endpoints
        .iter()
        .zip(&collected.endpoints)
        .map(|(endpoint, tally)| {
            Ok(EndpointResult {
                name: endpoint.name.clone(),
                method: endpoint.method.to_string(),
                url: endpoint.display_url.clone(),
                weight: endpoint.weight,
                stats: tally.stats()?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(HttpResult {
        name: plan.name.clone(),
        target: plan.display_target.clone(),
        http_version: plan.http_version.name().into(),
        load,
        warmup_s: plan.warmup.as_secs_f64(),
        duration_s,
        throughput_rps: per_second(stats.successes),
        stats,
        endpoints,
        timeline: collected.timeline,
        schedule,
        generator,
        warnings,
    })
}

/// How well the open model kept its schedule, with the warnings that follow from it.
fn open_schedule(
    plan: &HttpPlan,
    max_in_flight: u32,
    collected: &Collected,
    requests: u64,
    duration_s: f64,
    limit_reached: bool,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Schedule> {
    let target_rate_rps = mean_level(plan, duration_s);
    let achieved_rate_rps = if duration_s > 0.0 { requests as f64 / duration_s } else { 0.0 };
    if !limit_reached && achieved_rate_rps < 0.95 * target_rate_rps {
        warnings.push(format!(
            "achieved {achieved_rate_rps:.1} req/s of the {target_rate_rps:.1} req/s asked for: the target or the \
             in-flight limit ({max_in_flight}) held the load back"
        ));
    }
    let late_share = if requests > 0 { collected.late as f64 / requests as f64 } else { 0.0 };
    if late_share > 0.01 {
        warnings.push(format!(
            "{:.1} % of requests were sent more than {} ms after their scheduled time: the generator could not keep \
             the schedule (latency still counts from the schedule)",
            late_share * 100.0,
            LATE_THRESHOLD.as_millis()
        ));
    }
    Ok(Schedule {
        target_rate_rps,
        achieved_rate_rps,
        late_requests: collected.late,
        late_threshold_ms: LATE_THRESHOLD.as_secs_f64() * 1000.0,
        uncorrected_latency: Latency::from_histogram(&collected.uncorrected_us, TimeUnit::Microseconds)?,
        lag: Latency::from_histogram(&collected.lag_us, TimeUnit::Microseconds)?,
    })
}

/// Mean of the plan's level over the first `duration_s` seconds of measurement.
fn mean_level(plan: &HttpPlan, duration_s: f64) -> f64 {
    if duration_s <= 0.0 {
        return plan.level_at(0.0);
    }
    let steps = 1000;
    (0..steps).map(|i| plan.level_at((i as f64 + 0.5) * duration_s / steps as f64)).sum::<f64>() / steps as f64
}
