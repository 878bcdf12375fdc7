//! The in-process ML backend's harness overhead: perfproof's `in_process` backend
//! (one user, one load thread, on the engine) beside a plain loop that calls tract
//! directly on the same batches (the same rows, in the same order, from the same
//! ONNX file), at batch sizes 1 and 32. The target is within 5 % (ratio ≥ 0.95).
//!
//! Two ways to run it:
//! - **Timed** (the default): `cargo bench --profile release -p perfproof --bench ml_in_process`.
//!   Each round measures tract alone and the harness for `SECONDS` (1) each, in
//!   alternating order so that a drift of the machine's speed hits both; prints
//!   each round's ratio of samples/s, their median and range over `ROUNDS` (11).
//!   On a shared 2-core VM one round can be off by 20 %: read the median.
//! - **Counted**: `MODE=direct|harness BATCH=32 OPERATIONS=200` runs exactly that
//!   many batches and exits, for `bench/ml-in-process-instructions.sh`, which runs
//!   it under callgrind: instructions per sample do not depend on what else the
//!   machine is doing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use perfproof::config::load::LoadOverrides;
use perfproof::load::Context;
use perfproof::workloads::ml::model::DIGITS_ONNX;
use perfproof::workloads::ml::samples;
use perfproof::workloads::ml::section::{MlOverrides, MlSection};
use perfproof::workloads::profile::Profile;
use perfproof::workloads::{KindPlan, KindSection};
use tract_onnx::prelude::*;

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The digits model planned by tract as any program would: a symbolic batch.
fn tract_plan() -> TractResult<Arc<TypedRunnableModel>> {
    let mut model = tract_onnx::onnx().model_for_read(&mut &DIGITS_ONNX[..])?;
    let batch = model.sym("N");
    model.set_input_fact(0, f32::fact([TDim::Sym(batch), 64.to_dim()]).into())?;
    for ix in 0..model.output_outlets()?.len() {
        model.set_output_fact(ix, InferenceFact::default())?;
    }
    model.into_optimized()?.into_runnable()
}

/// How long, or how many batches.
#[derive(Clone, Copy)]
enum Span {
    /// A 500 ms warm-up, then this many seconds measured.
    Seconds(f64),
    /// Exactly this many batches, no warm-up.
    Operations(u64),
}

/// Samples/s of tract called in a loop on batches of `batch` rows.
fn direct(plan: &Arc<TypedRunnableModel>, rows: &[Vec<f32>], batch: usize, span: Span) -> TractResult<f64> {
    let n = rows.len();
    let run = |index: usize| -> TractResult<()> {
        let start = index.wrapping_mul(batch) % n;
        let mut values = Vec::with_capacity(batch * 64);
        for j in 0..batch {
            values.extend_from_slice(&rows[(start + j) % n]);
        }
        let outputs = plan.run(tvec![Tensor::from_shape(&[batch, 64], &values)?.into_tvalue()])?;
        std::hint::black_box(outputs);
        Ok(())
    };
    let mut index = 0;
    let seconds = match span {
        Span::Operations(operations) => {
            for i in 0..operations as usize {
                run(i)?;
            }
            return Ok(0.0);
        }
        Span::Seconds(seconds) => seconds,
    };
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(500) {
        run(index)?;
        index += 1;
    }
    let began = Instant::now();
    let mut runs = 0usize;
    while began.elapsed().as_secs_f64() < seconds {
        run(index)?;
        index += 1;
        runs += 1;
    }
    Ok((runs * batch) as f64 / began.elapsed().as_secs_f64())
}

/// Samples/s of perfproof's in-process backend at `batch`.
async fn harness(batch: u32, span: Span) -> anyhow::Result<f64> {
    let section =
        MlSection { backend: Some("in_process".into()), batch_sizes: Some(vec![batch]), ..MlSection::default() };
    let (duration, warmup, max_operations) = match span {
        Span::Seconds(seconds) => (Duration::from_secs_f64(seconds), Duration::from_millis(500), None),
        Span::Operations(operations) => (Duration::from_secs(3600), Duration::ZERO, Some(operations)),
    };
    let load = LoadOverrides {
        users: Some(1),
        threads: Some(1),
        duration: Some(duration),
        warmup: Some(warmup),
        max_operations,
        ..LoadOverrides::default()
    };
    let plan = section.plan(&MlOverrides::default(), &load, Profile::Baseline, false)?;
    let (_tx, stop) = tokio::sync::watch::channel(false);
    let context = Context { stop, quiet: true, target_in_process: true };
    let result = plan.run(&context).await?;
    Ok(result.points[0].samples_per_s)
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let plan = tract_plan()?;
    let rows = &samples::digits().features;
    if let Ok(mode) = std::env::var("MODE") {
        let batch = env_number("BATCH", 32.0) as u32;
        let operations = env_number("OPERATIONS", 200.0) as u64;
        match mode.as_str() {
            "direct" => direct(&plan, rows, batch as usize, Span::Operations(operations))?,
            "harness" => runtime.block_on(harness(batch, Span::Operations(operations)))?,
            other => anyhow::bail!("MODE must be direct or harness, not {other:?}"),
        };
        return Ok(());
    }
    let seconds = env_number("SECONDS", 1.0);
    let rounds = env_number("ROUNDS", 11.0) as usize;
    let span = Span::Seconds(seconds);
    println!("in-process backend vs tract called directly, same batches, {seconds} s each, {rounds} rounds");
    println!("{:<6} {:>6} {:>16} {:>16} {:>8}", "round", "batch", "tract samples/s", "perfproof", "ratio");
    for batch in [1u32, 32] {
        let mut ratios = Vec::with_capacity(rounds);
        for round in 1..=rounds {
            // Alternate which goes first, so a machine slowing down or speeding up
            // over the round favours neither.
            let (alone, measured) = if round % 2 == 1 {
                let alone = direct(&plan, rows, batch as usize, span)?;
                (alone, runtime.block_on(harness(batch, span))?)
            } else {
                let measured = runtime.block_on(harness(batch, span))?;
                (direct(&plan, rows, batch as usize, span)?, measured)
            };
            let ratio = measured / alone;
            ratios.push(ratio);
            println!("{round:<6} {batch:>6} {alone:>16.0} {measured:>16.0} {ratio:>7.3}x");
        }
        ratios.sort_by(f64::total_cmp);
        let median = ratios.get(ratios.len() / 2).context("ROUNDS must be at least 1")?;
        println!(
            "batch {batch}: perfproof / tract, median {median:.3} (range {:.3} to {:.3}) over {rounds} rounds (target >= 0.95)",
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
    Ok(())
}
