//! Whether two runs can be compared at all, said out loud before any verdict.
//!
//! A before/after comparison proves an optimization only when both runs offered
//! the same load to the same kind of target from a like machine. [`check`] lists
//! what must match and does not (load model, users or rate, stages, duration
//! within [`DURATION_TOLERANCE`], workloads and their parts, target, tool version,
//! host size) and what must not happen (the same run on both sides, a saturated
//! generator, an interrupted run, a workload that did not run). The CLI prints
//! these above the verdicts (`--strict` makes them errors); the page shows them
//! beside the grade.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::format;
use crate::report::{LoadModel, LoadResult, Workload};
use crate::Report;

/// Relative difference in measured duration tolerated between the two runs.
pub const DURATION_TOLERANCE: f64 = 0.25;
/// Mean CPU share of all cores above which the generator counts as saturated.
pub const SATURATED_CPU_SHARE: f64 = 0.85;

/// One reason the two runs may not be comparable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ComparabilityWarning {
    /// The workload concerned (`http demo`), or `None` for the runs as a whole.
    pub workload: Option<String>,
    /// What differs, with both values.
    pub message: String,
}

impl std::fmt::Display for ComparabilityWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.workload {
            Some(workload) => write!(f, "{workload}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Everything that makes `baseline` and `optimized` less than comparable.
pub fn check(baseline: &Report, optimized: &Report) -> Vec<ComparabilityWarning> {
    let mut out = Vec::new();
    let mut run = |message: String| out.push(ComparabilityWarning { workload: None, message });
    let (a, b) = (&baseline.run, &optimized.run);
    if a.run_id == b.run_id {
        run(format!("both sides are the same run ({}): a run compared with itself proves nothing", a.run_id));
    }
    if a.tool_version != b.tool_version {
        run(format!("measured by perfproof {} and {}", a.tool_version, b.tool_version));
    }
    if (a.host.cpus, a.host.memory_bytes) != (b.host.cpus, b.host.memory_bytes) {
        run(format!(
            "measured from different machines: {} CPUs and {} GiB, then {} CPUs and {} GiB",
            a.host.cpus,
            a.host.memory_bytes >> 30,
            b.host.cpus,
            b.host.memory_bytes >> 30
        ));
    }
    for (label, report) in [("baseline", baseline), ("optimized", optimized)] {
        if !report.run.complete {
            run(format!("the {label} run was interrupted before it finished"));
        }
        for failure in &report.failures {
            run(format!("in the {label} run, {} `{}` did not run: {}", failure.kind, failure.name, failure.error));
        }
    }
    for wa in &baseline.workloads {
        let name = format!("{} {}", wa.kind(), wa.name());
        let mut warn = |message: String| out.push(ComparabilityWarning { workload: Some(name.clone()), message });
        match optimized.workloads.iter().find(|wb| (wb.kind(), wb.name()) == (wa.kind(), wa.name())) {
            None => warn("only in the baseline run".into()),
            Some(wb) => compare_workloads(wa, wb, &mut warn),
        }
    }
    for wb in &optimized.workloads {
        if !baseline.workloads.iter().any(|wa| (wa.kind(), wa.name()) == (wb.kind(), wb.name())) {
            out.push(ComparabilityWarning {
                workload: Some(format!("{} {}", wb.kind(), wb.name())),
                message: "only in the optimized run".into(),
            });
        }
    }
    out
}

fn compare_workloads(a: &Workload, b: &Workload, warn: &mut impl FnMut(String)) {
    let (ra, rb) = (a.result(), b.result());
    compare_load(&ra.load, &rb.load, warn);
    let (da, db) = (ra.duration_s, rb.duration_s);
    if (da - db).abs() > DURATION_TOLERANCE * da.max(db) {
        warn(format!(
            "measured for {}, then {} (more than {} apart)",
            format::value(da, "s"),
            format::value(db, "s"),
            format::share(DURATION_TOLERANCE)
        ));
    }
    if ra.trials.len() != rb.trials.len() {
        warn(format!("{} trials, then {}", ra.trials.len().max(1), rb.trials.len().max(1)));
    }
    for (label, result) in [("baseline", ra), ("optimized", rb)] {
        if let Some(share) = saturation(result) {
            warn(format!(
                "in the {label} run the generator used {} of its cores: it may have limited the load",
                format::share(share)
            ));
        }
    }
    match (&ra.capacity, &rb.capacity) {
        (Some(ca), Some(cb)) => {
            if ca.slo != cb.slo {
                warn(format!(
                    "capacity searched under {}, then under {}: the capacities answer different questions",
                    ca.slo.text(),
                    cb.slo.text()
                ));
            }
            if (ca.resolution - cb.resolution).abs() > 1e-9 {
                warn(format!(
                    "capacity searched to a resolution of {}, then {}",
                    format::share(ca.resolution),
                    format::share(cb.resolution)
                ));
            }
            for (label, search) in [("baseline", ca), ("optimized", cb)] {
                if !search.complete {
                    warn(format!("the {label} capacity search did not finish: {}", search.end.text()));
                }
            }
        }
        (Some(_), None) => warn("only the baseline run searched its capacity".into()),
        (None, Some(_)) => warn("only the optimized run searched its capacity".into()),
        (None, None) => {}
    }
    // Embedded targets get a new address every run: only named targets must match.
    let embedded = ra.generator.target_in_process && rb.generator.target_in_process;
    a.check_comparable(b, embedded, warn);
}

fn compare_load(a: &LoadModel, b: &LoadModel, warn: &mut impl FnMut(String)) {
    match (a, b) {
        (
            LoadModel::Closed { users: ua, think_time_ms: ta, stages: sa },
            LoadModel::Closed { users: ub, think_time_ms: tb, stages: sb },
        ) => {
            if ua != ub {
                warn(format!("{ua} users, then {ub}: a different load"));
            }
            if (ta - tb).abs() > 1e-9 {
                warn(format!("think time {ta} ms, then {tb} ms"));
            }
            if sa != sb {
                warn("the stages differ".into());
            }
        }
        (LoadModel::Open { rate_per_s: ra, stages: sa, .. }, LoadModel::Open { rate_per_s: rb, stages: sb, .. }) => {
            if (ra - rb).abs() > 0.01 * ra.max(*rb) {
                warn(format!("{ra} per second, then {rb}: a different load"));
            }
            if sa != sb {
                warn("the stages differ".into());
            }
        }
        _ => warn("one run used the closed model, the other the open model".into()),
    }
}

/// The generator's mean CPU share when it saturated (only when the target ran
/// elsewhere: an embedded target's CPU counts in the runner's own).
pub(crate) fn saturation(result: &LoadResult) -> Option<f64> {
    let g = &result.generator;
    let share = g.cpu_percent_mean / (f64::from(g.cores.max(1)) * 100.0);
    (!g.target_in_process && share > SATURATED_CPU_SHARE).then_some(share)
}
