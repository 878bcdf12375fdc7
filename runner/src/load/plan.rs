//! A load plan: how much load, in which model, for how long. Knows nothing of any
//! workload, flag or file format; the configuration layer builds plans.

use std::time::Duration;

use perfproof_shared::report::{LoadModel, Stage as ReportStage};

/// The load model with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    /// Virtual users, each starting its next operation when the previous one ended
    /// (plus think time).
    Closed { users: u32, think_time: Duration },
    /// Operations started on a schedule at `rate` per second, at most `max_in_flight` at once.
    Open { rate: f64, max_in_flight: u32 },
}

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
    /// Measured time.
    pub duration: Duration,
    /// Stop after this many measured operations.
    pub max_operations: Option<u64>,
    /// Closed model: load threads, each a single-threaded runtime with its share of the users.
    pub threads: usize,
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
        let warmup = if self.warmup.is_zero() {
            String::new()
        } else {
            format!(" after {} warm-up", humantime::format_duration(self.warmup))
        };
        format!("{load} for {}{warmup}", humantime::format_duration(self.duration))
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
            threads: 1,
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
}
