//! The in-process ML backend's harness overhead: samples/s of perfproof's
//! `in_process` backend (one user, one load thread, on the engine) beside a plain
//! loop that calls tract directly on the same batches (the same rows, in the same
//! order, from the same ONNX file), at batch sizes 1 and 32. Prints the ratio per
//! round; the target is within 5 % (ratio ≥ 0.95).
//!
//! Run: `nice cargo bench -p perfproof --bench ml_in_process`
//! (`SECONDS=3 ROUNDS=3` to change the length of each measurement and the rounds).

use std::sync::Arc;
use std::time::{Duration, Instant};

use perfproof::config::LoadOverrides;
use perfproof::load::Context;
use perfproof::workloads::ml::model::DIGITS_ONNX;
use perfproof::workloads::ml::section::{plan, MlOverrides, MlSection};
use perfproof::workloads::ml::{self, samples};
use perfproof::workloads::profile::Profile;
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

/// Samples/s of tract called in a loop on batches of `batch` rows for `seconds`.
fn direct(plan: &Arc<TypedRunnableModel>, rows: &[Vec<f32>], batch: usize, seconds: f64) -> TractResult<f64> {
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
    let warm = Instant::now();
    let mut index = 0;
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

/// Samples/s of perfproof's in-process backend at `batch` for `seconds`.
async fn harness(batch: u32, seconds: f64) -> anyhow::Result<f64> {
    let section =
        MlSection { backend: Some("in_process".into()), batch_sizes: Some(vec![batch]), ..MlSection::default() };
    let load = LoadOverrides {
        users: Some(1),
        threads: Some(1),
        duration: Some(Duration::from_secs_f64(seconds)),
        warmup: Some(Duration::from_millis(500)),
        ..LoadOverrides::default()
    };
    let plan = plan(&section, &MlOverrides::default(), &load, Profile::Baseline, false)?;
    let (_tx, stop) = tokio::sync::watch::channel(false);
    let context = Context { stop, quiet: true, target_in_process: true };
    let result = ml::run(&plan, &context).await?;
    Ok(result.points[0].samples_per_s)
}

fn main() -> anyhow::Result<()> {
    let seconds = env_number("SECONDS", 3.0);
    let rounds = env_number("ROUNDS", 3.0) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let plan = tract_plan()?;
    let rows = &samples::digits().features;
    println!("in-process backend vs tract called directly, same batches, {seconds} s each, {rounds} rounds");
    println!("{:<6} {:>6} {:>16} {:>16} {:>8}", "round", "batch", "tract samples/s", "perfproof", "ratio");
    for batch in [1u32, 32] {
        let mut ratios = Vec::new();
        for round in 1..=rounds {
            let alone = direct(&plan, rows, batch as usize, seconds)?;
            let measured = runtime.block_on(harness(batch, seconds))?;
            let ratio = measured / alone;
            ratios.push(format!("{ratio:.3}"));
            println!("{round:<6} {batch:>6} {alone:>16.0} {measured:>16.0} {ratio:>7.3}x");
        }
        println!("batch {batch}: perfproof / tract per round: {} (target >= 0.95)", ratios.join(" "));
    }
    Ok(())
}
