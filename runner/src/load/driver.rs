//! Offering load: the closed and open models, generic over the [`Operation`].
//!
//! - Closed model: virtual users, each starting its next operation when the
//!   previous one ended (plus think time); stages ramp the number of active users.
//!   Users run on `plan.threads` single-threaded runtimes, each recording into its
//!   own [`Recorder`]: no work stealing, no channel and no shared counter per
//!   operation, which is most of a generator's overhead at high rates. An
//!   operation whose resources are bound to the caller's runtime (a pool shared by
//!   every user, [`Operation::CALLER_RUNTIME`]) has its users run there instead.
//! - Open model: operations started on a schedule at the arrival rate (stages ramp
//!   it), whatever the target's response time. Latency counts from each operation's
//!   *scheduled* time, so a stalled target shows in the percentiles (coordinated
//!   omission corrected, as wrk2 does); the uncorrected latency and the schedule lag
//!   are kept too. When `max_in_flight` operations are pending, the next one waits
//!   for a slot and its wait counts in its latency.
//!
//! An operation in flight when the duration ends is completed (bounded by the
//! operation's own timeout) and counted; a stop signal abandons it, and so does
//! the end of an open-model plan's `end_grace` (a capacity probe's: its longest
//! wait, or sooner once its latency bound cannot hold), which counts what it
//! abandoned.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::{watch, Semaphore};

use super::recorder::{Recorder, Sample};
use super::{lock, LoadPlan, Model, Operation};

/// State shared by every task of one run.
struct Shared<O> {
    operation: O,
    plan: LoadPlan,
    stop: watch::Receiver<bool>,
    measure_start: Instant,
    end: Instant,
    /// Operations started so far, warm-up included: the next operation's index.
    next_index: AtomicU64,
    /// Measured operations started so far (for the operation limit).
    measured: AtomicU64,
    limit_reached: AtomicBool,
    recorders: Arc<Vec<Mutex<Recorder>>>,
}

/// What the open model's operations in flight are told once its schedule is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InFlight {
    /// Carry on.
    Run,
    /// A stop: end now, uncounted.
    Stop,
    /// The plan's grace ran out: end now, and count yourself abandoned.
    Abandon,
}

impl<O> Shared<O> {
    /// Claims the right to start an operation due at `due`: its index, or `None`
    /// once the operation limit is reached.
    fn claim(&self, due: Instant) -> Option<u64> {
        if due >= self.measure_start {
            let n = self.measured.fetch_add(1, Ordering::Relaxed);
            if self.plan.max_operations.is_some_and(|max| n >= max) {
                self.limit_reached.store(true, Ordering::Relaxed);
                return None;
            }
        }
        Some(self.next_index.fetch_add(1, Ordering::Relaxed))
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

/// How a drive ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Driven {
    /// The operation limit ended it.
    pub limit_reached: bool,
    /// Operations the schedule held that were still unanswered (in flight, or held
    /// by the in-flight limit) when the plan's `end_grace` ended its wait: neither
    /// counted nor measured.
    pub abandoned: u64,
}

/// Offers the plan's load until its end, the operation limit or a stop.
pub async fn drive<O: Operation>(
    operation: O,
    plan: &LoadPlan,
    measure_start: Instant,
    stop: watch::Receiver<bool>,
    recorders: Arc<Vec<Mutex<Recorder>>>,
) -> anyhow::Result<Driven> {
    let shared = Arc::new(Shared {
        operation,
        plan: plan.clone(),
        stop,
        measure_start,
        end: measure_start + plan.duration,
        next_index: AtomicU64::new(0),
        measured: AtomicU64::new(0),
        limit_reached: AtomicBool::new(false),
        recorders,
    });
    let abandoned = match plan.model {
        Model::Closed { users, think_time } => {
            run_closed(&shared, users, think_time).await?;
            0
        }
        Model::Open { max_in_flight, .. } => run_open(&shared, max_in_flight).await,
    };
    Ok(Driven { limit_reached: shared.limit_reached.load(Ordering::Relaxed), abandoned })
}

/// Runs the virtual users on one single-threaded runtime per load thread, user
/// `u` on thread `u % threads`, each thread recording into its own recorder.
async fn run_closed<O: Operation>(shared: &Arc<Shared<O>>, users: u32, think_time: Duration) -> anyhow::Result<()> {
    let threads = shared.recorders.len();
    if O::CALLER_RUNTIME {
        let mut tasks = tokio::task::JoinSet::new();
        for user in 0..users {
            tasks.spawn(virtual_user(shared.clone(), user as usize % threads, user, think_time));
        }
        while let Some(joined) = tasks.join_next().await {
            joined.context("a virtual user failed")?;
        }
        return Ok(());
    }
    let mut handles = Vec::with_capacity(threads);
    for thread in 0..threads {
        let shared = shared.clone();
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting a load thread")?;
        let handle = std::thread::Builder::new().name(format!("perfproof-load-{thread}")).spawn(move || {
            runtime.block_on(async move {
                let mut tasks = tokio::task::JoinSet::new();
                for user in (thread as u32..users).step_by(threads) {
                    tasks.spawn(virtual_user(shared.clone(), thread, user, think_time));
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

async fn virtual_user<O: Operation>(shared: Arc<Shared<O>>, thread: usize, user: u32, think_time: Duration) {
    let mut stop = shared.stop.clone();
    // One wait on the stop flag for the user's whole life (not one per operation):
    // a stop drops the loop, abandoning the operation in flight.
    tokio::select! {
        _ = user_loop(&shared, thread, user, think_time) => {}
        _ = stop.wait_for(|s| *s) => {}
    }
}

async fn user_loop<O: Operation>(shared: &Shared<O>, thread: usize, user: u32, think_time: Duration) {
    let mut session = shared.operation.session(thread);
    let recorder = &shared.recorders[thread];
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
        let Some(index) = shared.claim(now) else { return };
        let outcome = shared.operation.perform(&mut session, index).await;
        let done = Instant::now();
        lock(recorder).record(&Sample { due: now, sent: now, done, outcome });
        if !think_time.is_zero() {
            tokio::time::sleep(think_time).await;
        }
    }
}

/// The open model's schedule: each operation's due time at the plan's rate
/// (stages ramp it), from the first until the schedule's end.
struct Arrivals<'a, O> {
    shared: &'a Shared<O>,
    due: Instant,
    /// Operations owed by the schedule: the integral of the rate since the start,
    /// minus the operations due so far. One is owed at the start.
    owed: f64,
}

impl<'a, O> Arrivals<'a, O> {
    fn new(shared: &'a Shared<O>, first: Instant) -> Self {
        Arrivals { shared, due: first, owed: 1.0 }
    }
}

impl<O> Iterator for Arrivals<'_, O> {
    type Item = Instant;

    fn next(&mut self) -> Option<Instant> {
        while self.due < self.shared.end {
            if self.owed >= 1.0 - 1e-9 {
                self.owed -= 1.0;
                return Some(self.due);
            }
            // Advance by one inter-arrival time, at most 10 ms at a time so that a
            // ramp from a low rate is followed closely.
            let t = self.shared.offset(self.due);
            let plan = &self.shared.plan;
            let rate = plan.level_at(t);
            let step = if rate > 0.0 { (1.0 / rate).min(0.01) } else { 0.01 };
            self.owed += plan.level_at(t + step / 2.0) * step;
            self.due += Duration::from_secs_f64(step);
        }
        None
    }
}

/// Runs the open model; returns the operations it abandoned: those it scheduled
/// that were still unanswered (in flight, or held by the in-flight limit) when the
/// plan's `end_grace` ended its wait.
async fn run_open<O: Operation>(shared: &Arc<Shared<O>>, max_in_flight: u32) -> u64 {
    let slots = Arc::new(Semaphore::new(max_in_flight as usize));
    // Each operation in flight watches this one signal (as it would watch the stop
    // alone), so a grace costs an operation nothing until it runs out.
    let (tell, told) = watch::channel(InFlight::Run);
    let abandoned = Arc::new(AtomicU64::new(0));
    // Measured operations sent and not yet answered.
    let measured_in_flight = Arc::new(AtomicU64::new(0));
    // Only a grace that may end at a bound needs them counted.
    let count_in_flight = shared.plan.end_grace.is_some_and(|grace| grace.bound.is_some());
    let first = Instant::now() + shared.plan.phase;
    // What the schedule holds, every operation and the measured ones, when a grace
    // may have to count what it did not send.
    let scheduled = shared.plan.end_grace.map(|_| {
        Arrivals::new(shared, first)
            .fold((0u64, 0u64), |(all, measured), due| (all + 1, measured + u64::from(due >= shared.measure_start)))
    });
    let schedule = async {
        let mut stop = shared.stop.clone();
        for due in Arrivals::new(shared, first) {
            if shared.stopped() {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(due.into()) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
                _ = stop.wait_for(|s| *s) => break,
            };
            let Some(index) = shared.claim(due) else { break };
            let measured = count_in_flight && due >= shared.measure_start;
            if measured {
                measured_in_flight.fetch_add(1, Ordering::Relaxed);
            }
            let task_shared = shared.clone();
            let (mut told, abandoned, measured_in_flight) =
                (told.clone(), abandoned.clone(), measured_in_flight.clone());
            tokio::spawn(async move {
                let sent = Instant::now();
                let mut session = task_shared.operation.session(0);
                let outcome = tokio::select! {
                    outcome = task_shared.operation.perform(&mut session, index) => outcome,
                    said = told.wait_for(|t| *t != InFlight::Run) => {
                        if said.is_ok_and(|t| *t == InFlight::Abandon) {
                            abandoned.fetch_add(1, Ordering::Relaxed);
                        }
                        return;
                    }
                };
                let done = Instant::now();
                let recorders = &task_shared.recorders;
                lock(&recorders[index as usize % recorders.len()]).record(&Sample { due, sent, done, outcome });
                if measured {
                    measured_in_flight.fetch_sub(1, Ordering::Relaxed);
                }
                drop(slot);
            });
        }
        // Every operation sent is answered (each bounded by its timeout).
        let _ = slots.acquire_many(max_in_flight).await;
    };
    // The grace, from the schedule's end: until the bound is broken whatever the
    // unanswered operations do, else its longest.
    let give_up = async {
        let (Some(grace), Some((_, measured))) = (shared.plan.end_grace, scheduled) else {
            return std::future::pending().await;
        };
        if let Some((bound, share)) = grace.bound {
            tokio::time::sleep_until((shared.end + bound).into()).await;
            let unsent = measured.saturating_sub(shared.measured.load(Ordering::Relaxed));
            let unanswered = measured_in_flight.load(Ordering::Relaxed) + unsent;
            if unanswered as f64 > share * measured as f64 {
                return;
            }
        }
        tokio::time::sleep_until((shared.end + grace.most).into()).await;
    };
    let mut stop = shared.stop.clone();
    tokio::select! {
        _ = schedule => return 0,
        _ = stop.wait_for(|s| *s) => {
            let _ = tell.send(InFlight::Stop);
            return 0;
        }
        _ = give_up => {}
    }
    // Each operation still in flight counts itself and gives its slot back; those
    // the schedule had not sent count too.
    let _ = tell.send(InFlight::Abandon);
    let _ = slots.acquire_many(max_in_flight).await;
    let unsent = scheduled.map_or(0, |(all, _)| all.saturating_sub(shared.next_index.load(Ordering::Relaxed)));
    abandoned.load(Ordering::Relaxed) + unsent
}
