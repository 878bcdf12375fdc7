//! A load plan: how much load, in which model, for how long. Knows nothing of any
//! workload, flag or file format; the configuration layer builds plans.

use std::time::Duration;

use perfproof_shared::report::{LoadModel, Stage as ReportStage};

use super::capacity::CapacityPlan;

/// The load model with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    /// Virtual users, each starting its next operation when the previous one ended
    /// (plus think time).
    Closed { users: u32, think_time: Duration },
    /// Operations started on a schedule at `rate` per second, at most `max_in_flight` at once.
    Open { rate: f64, max_in_flight: u32 },
}

/// The shortest trial a plan is split into.
pub const MIN_TRIAL: Duration = Duration::from_millis(100);

/// A ramp stage: over `duration`, move linearly to `target` users or operations/s.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub duration: Duration,
    pub target: f64,
}

/// Everything the engine needs to offer load, whatever the operation.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadPlan {
    pub model: Model,
    /// Ramp stages; empty for a constant level. With stages, `Model`'s users or
    /// rate is the peak and the measured duration is the stages' total.
    pub stages: Vec<Stage>,
    /// Load offered before measuring; its operations are left out of every figure.
    pub warmup: Duration,
    /// Measured time of each trial.
    pub duration: Duration,
    /// Stop each trial after this many measured operations.
    pub max_operations: Option<u64>,
    /// Trials the measured period is split into, one after another, each with its
    /// own warm-up, connections and target (see [`LoadPlan::split_into_trials`]).
    pub trials: u32,
    /// Closed model: load threads, each a single-threaded runtime with its share of the users.
    pub threads: usize,
    /// Open model: the schedule starts this much after the run (a shard's place
    /// among the others, so that together they follow one schedule).
    pub phase: Duration,
    /// A capacity search to run after the measurement (see [`super::capacity`]).
    pub capacity: Option<CapacityPlan>,
    /// Open model: how long operations still unanswered when the schedule ends are
    /// waited for before they are abandoned (a capacity probe's; see
    /// [`super::capacity`]). `None`: until each completes or its own timeout ends it.
    pub end_grace: Option<EndGrace>,
}

/// How long an open-model plan waits, after its schedule's end, for the operations
/// it scheduled that are still unanswered (in flight, or held by the in-flight
/// limit), before it abandons and counts them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EndGrace {
    /// The longest wait.
    pub most: Duration,
    /// A latency bound and the share of the measured operations that may exceed it
    /// (a probe's SLO: its bound, and 1 − its quantile). Latency counts from each
    /// operation's scheduled start, so once `bound` has passed since the schedule's
    /// end whatever is still unanswered took longer than the bound: when that is more
    /// than the share allows, the bound is broken whatever they do, and nothing more
    /// is waited for. `None`: wait the longest (a bound on a part of the operations,
    /// a cache's reads, says nothing of an operation not yet answered).
    pub bound: Option<(Duration, f64)>,
}

impl LoadPlan {
    /// The level (users, or operations per second) the plan asks for at `t` seconds
    /// into the measured period. During the warm-up (`t` < 0) it is the first
    /// stage's target, so a ramp that starts from 0 still warms the target up.
    pub fn level_at(&self, t: f64) -> f64 {
        let constant = match &self.model {
            Model::Closed { users, .. } => f64::from(*users),
            Model::Open { rate, .. } => *rate,
        };
        let Some(first) = self.stages.first() else { return constant };
        if t < 0.0 {
            return first.target;
        }
        let mut start = 0.0;
        let mut from = 0.0;
        for stage in &self.stages {
            let length = stage.duration.as_secs_f64();
            if t < start + length || length == 0.0 {
                let fraction = if length > 0.0 { (t - start) / length } else { 1.0 };
                return from + (stage.target - from) * fraction.min(1.0);
            }
            start += length;
            from = stage.target;
        }
        from
    }

    /// Mean of the level over the first `duration_s` seconds of measurement.
    pub fn mean_level(&self, duration_s: f64) -> f64 {
        if duration_s <= 0.0 {
            return self.level_at(0.0);
        }
        let steps = 1000;
        (0..steps).map(|i| self.level_at((i as f64 + 0.5) * duration_s / steps as f64)).sum::<f64>() / steps as f64
    }

    /// The load model as the report states it.
    pub fn report_model(&self) -> LoadModel {
        let stages = self
            .stages
            .iter()
            .map(|s| ReportStage { duration_s: s.duration.as_secs_f64(), target: s.target })
            .collect();
        match &self.model {
            Model::Closed { users, think_time } => {
                LoadModel::Closed { users: *users, think_time_ms: think_time.as_secs_f64() * 1000.0, stages }
            }
            Model::Open { rate, max_in_flight } => {
                LoadModel::Open { rate_per_s: *rate, stages, max_in_flight: *max_in_flight }
            }
        }
    }

    /// This plan's share as shard `index` of `count`: closed-model users split (the
    /// remainder to the first shards), the open model's rate and in-flight limit
    /// divided, arrivals offset so that the shards interleave, stages scaled.
    /// Fails when a shard would get no users.
    pub fn shard(&mut self, index: u32, count: u32) -> Result<(), String> {
        let n = f64::from(count);
        match &mut self.model {
            Model::Closed { users, .. } => {
                let share = *users / count + u32::from(index < *users % count);
                if share == 0 {
                    return Err(format!(
                        "{users} users cannot be split over {count} shards: shard {index} would have none"
                    ));
                }
                *users = share;
            }
            Model::Open { rate, max_in_flight } => {
                self.phase = Duration::from_secs_f64(f64::from(index) / *rate);
                *rate /= n;
                *max_in_flight = max_in_flight.div_ceil(count).max(1);
            }
        }
        for stage in &mut self.stages {
            stage.target /= n;
        }
        Ok(())
    }

    /// Splits the measured period into `trials` trials: each measures `duration /
    /// trials` (its stages scaled alike) and stops at its share of the operation
    /// limit. Fails when a trial would measure less than [`MIN_TRIAL`].
    pub fn split_into_trials(&mut self, trials: u32) -> Result<(), String> {
        let k = trials.max(1);
        let each = self.duration / k;
        if k > 1 && each < MIN_TRIAL {
            return Err(format!(
                "{} in {k} trials would measure {} each, less than {}: give a longer duration or fewer trials",
                humantime::format_duration(self.duration),
                humantime::format_duration(each),
                humantime::format_duration(MIN_TRIAL)
            ));
        }
        self.duration = each;
        for stage in &mut self.stages {
            stage.duration /= k;
        }
        self.max_operations = self.max_operations.map(|n| n.div_ceil(u64::from(k)));
        self.trials = k;
        Ok(())
    }

    /// One line for people: the load, its length and the warm-up.
    pub fn describe(&self, unit: &str) -> String {
        let load = match (&self.model, self.stages.len()) {
            (Model::Closed { users, think_time }, 0) => {
                format!("{users} users (closed model, think time {})", humantime::format_duration(*think_time))
            }
            (Model::Closed { users, .. }, n) => format!("up to {users} users in {n} stages (closed model)"),
            (Model::Open { rate, .. }, 0) => format!("{rate} {unit} (open model)"),
            (Model::Open { rate, .. }, n) => format!("up to {rate} {unit} in {n} stages (open model)"),
        };
        let each = if self.trials > 1 { " each" } else { "" };
        let warmup = if self.warmup.is_zero() {
            String::new()
        } else {
            format!(" after {} warm-up{each}", humantime::format_duration(self.warmup))
        };
        let length = match self.trials {
            0 | 1 => humantime::format_duration(self.duration).to_string(),
            k => format!(
                "{} in {k} trials of {}",
                humantime::format_duration(self.duration * k),
                humantime::format_duration(self.duration)
            ),
        };
        format!("{load} for {length}{warmup}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(model: Model) -> LoadPlan {
        LoadPlan {
            model,
            stages: vec![
                Stage { duration: Duration::from_secs(2), target: 8.0 },
                Stage { duration: Duration::from_secs(2), target: 4.0 },
            ],
            warmup: Duration::from_secs(1),
            duration: Duration::from_secs(4),
            max_operations: None,
            trials: 1,
            threads: 1,
            phase: Duration::ZERO,
            capacity: None,
            end_grace: None,
        }
    }

    #[test]
    fn stages_ramp_linearly_and_hold_the_last_target() {
        let plan = ramp(Model::Closed { users: 8, think_time: Duration::ZERO });
        assert_eq!(plan.level_at(0.0), 0.0);
        assert_eq!(plan.level_at(1.0), 4.0);
        assert_eq!(plan.level_at(3.0), 6.0);
        assert_eq!(plan.level_at(10.0), 4.0);
    }

    #[test]
    fn warm_up_runs_at_the_first_stage_target_in_both_models() {
        // A ramp from 0 used to leave the warm-up without any load.
        for model in
            [Model::Closed { users: 8, think_time: Duration::ZERO }, Model::Open { rate: 8.0, max_in_flight: 10 }]
        {
            assert_eq!(ramp(model).level_at(-0.5), 8.0);
        }
    }

    #[test]
    fn shards_share_users_and_rate() {
        let closed = |users| LoadPlan {
            model: Model::Closed { users, think_time: Duration::ZERO },
            ..ramp(Model::Closed { users, think_time: Duration::ZERO })
        };
        let shares: Vec<u32> = (0..3)
            .map(|i| {
                let mut plan = closed(10);
                plan.shard(i, 3).unwrap();
                match plan.model {
                    Model::Closed { users, .. } => users,
                    Model::Open { .. } => unreachable!(),
                }
            })
            .collect();
        assert_eq!(shares, [4, 3, 3], "the remainder goes to the first shards");
        assert!(closed(2).shard(2, 3).is_err());

        let mut open = ramp(Model::Open { rate: 300.0, max_in_flight: 10 });
        open.shard(2, 3).unwrap();
        assert_eq!(open.model, Model::Open { rate: 100.0, max_in_flight: 4 });
        assert_eq!(open.phase, Duration::from_secs_f64(2.0 / 300.0));
        assert_eq!(open.stages[0].target, 8.0 / 3.0);
    }

    #[test]
    fn trials_split_the_measured_period_and_the_operation_limit() {
        let mut plan = ramp(Model::Closed { users: 8, think_time: Duration::ZERO });
        plan.max_operations = Some(1_001);
        plan.split_into_trials(4).unwrap();
        assert_eq!((plan.duration, plan.trials, plan.max_operations), (Duration::from_secs(1), 4, Some(251)));
        assert_eq!(plan.stages[1].duration, Duration::from_millis(500));
        assert_eq!(
            plan.describe("req/s"),
            "up to 8 users in 2 stages (closed model) for 4s in 4 trials of 1s after 1s warm-up each"
        );
        let err = plan.split_into_trials(20).unwrap_err();
        assert!(err.starts_with("1s in 20 trials would measure 50ms each, less than 100ms"), "{err}");
    }
}
