//! Live feedback while a workload runs, and the runner's own CPU sampling.
//!
//! The progress bar (elapsed against planned time, live throughput, errors, p95)
//! draws on stderr only when it is a terminal, so logs and CI output stay clean.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use perfproof_shared::format;
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use super::recorder::Live;

/// The progress bar of one workload.
pub struct Progress {
    bar: ProgressBar,
    /// Unit of the live throughput (`req/s`).
    unit: &'static str,
}

impl Progress {
    /// A bar for a run of `planned` length; hidden when `quiet` or stderr is not a terminal.
    pub fn new(planned: Duration, quiet: bool, unit: &'static str) -> Self {
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
        let bar = ProgressBar::with_draw_target(Some(planned.as_millis() as u64), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}%  {msg}")
                .expect("the template is valid"),
        );
        Progress { bar, unit }
    }

    /// Shows the latest figures; `elapsed` is time since the run started.
    pub fn update(&self, elapsed: Duration, live: &Live, warming_up: bool) {
        self.bar.set_position(elapsed.as_millis() as u64);
        let phase = if warming_up { "warm-up · " } else { "" };
        self.bar.set_message(format!(
            "{phase}{} {} · {} done · {} errors · p95 {}",
            format::count(live.recent_per_s),
            self.unit,
            format::count(live.operations),
            format::count(live.errors),
            format::latency_ms(live.recent_p95_ms)
        ));
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Samples this process's CPU use.
pub struct CpuSampler {
    system: System,
    pid: Option<Pid>,
    sum: f64,
    count: u32,
    max: f64,
}

impl CpuSampler {
    pub fn new() -> Self {
        let mut sampler =
            CpuSampler { system: System::new(), pid: sysinfo::get_current_pid().ok(), sum: 0.0, count: 0, max: 0.0 };
        sampler.read();
        sampler
    }

    fn read(&mut self) -> Option<f64> {
        let pid = self.pid?;
        self.system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[pid]),
            true,
            ProcessRefreshKind::nothing().with_cpu(),
        );
        self.system.process(pid).map(|p| p.cpu_usage() as f64)
    }

    /// Takes one sample: CPU use since the previous one, in percent of one core.
    pub fn sample(&mut self) {
        if let Some(percent) = self.read() {
            self.sum += percent;
            self.count += 1;
            self.max = self.max.max(percent);
        }
    }

    /// Mean and highest sample, in percent of one core.
    pub fn summary(&self) -> (f64, f64) {
        let mean = if self.count == 0 { 0.0 } else { self.sum / self.count as f64 };
        (mean, self.max)
    }
}

impl Default for CpuSampler {
    fn default() -> Self {
        Self::new()
    }
}
