//! The `[ml]` table of a scenario file and the `--ml-url` flag, resolved into an
//! [`MlPlan`]: the backend (`oip`, a server from `--ml-url`, `PERFPROOF_ML_URL` or
//! the file, or the embedded server when none is named; `in_process`, an ONNX file
//! or the embedded digits model run by tract), the model's name, the batch sizes
//! and the `[ml.load]` table. See `examples/scenario.toml`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;

use super::{Backend, MlPlan, Target};
use crate::config::secrets::{display_url, expand_env};
use crate::config::{load_plan, parse_duration, LoadOverrides};
use crate::workloads::http::parse_url;
use crate::workloads::profile::Profile;

/// Batch sizes of a single run when the file does not say: the individual mode and two batches.
pub const DEFAULT_BATCH_SIZES: [u32; 3] = [1, 8, 32];
/// Most samples in one request.
pub const MAX_BATCH_SIZE: u32 = 4096;
/// Request timeout when the file does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `[ml]` table, as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlSection {
    pub name: Option<String>,
    /// `oip` (default) or `in_process`.
    pub backend: Option<String>,
    /// The Open Inference Protocol server's base URL; `${VAR}` expands.
    pub url: Option<String>,
    /// The model's name on the server (default `digits`, the embedded model's).
    pub model: Option<String>,
    /// `in_process` only: the ONNX file to run (default: the embedded digits model).
    pub model_file: Option<PathBuf>,
    /// Samples per request, one measured run each (default [1, 8, 32]; [1] with trials or shards).
    pub batch_sizes: Option<Vec<u32>>,
    pub timeout: Option<String>,
    #[serde(default)]
    pub load: crate::config::LoadSection,
}

/// ML values given on the command line; they win over the `[ml]` table.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MlOverrides {
    /// `--ml-url` (or `PERFPROOF_ML_URL`).
    pub url: Option<String>,
}

/// Combines the `[ml]` table, the flags and the load flags (flags win) into a checked
/// plan. `repeated`: the run has trials or shards, whose merges take one batch size.
pub fn plan(
    section: &MlSection,
    flags: &MlOverrides,
    load: &LoadOverrides,
    profile: Profile,
    repeated: bool,
) -> anyhow::Result<MlPlan> {
    let backend = match section.backend.as_deref() {
        None | Some("oip") => Backend::Oip,
        Some("in_process") => Backend::InProcess,
        Some(other) => bail!("ml.backend: `{other}` is not one of {}", Backend::NAMES.join(", ")),
    };
    let template = flags.url.clone().or(section.url.clone());
    let target = match (backend, &template) {
        (Backend::InProcess, Some(_)) => {
            bail!(
                "ml.url: the in_process backend runs the model in the runner; remove the URL or use backend = \"oip\""
            )
        }
        (Backend::InProcess, None) => Target::InProcess { file: section.model_file.clone() },
        (Backend::Oip, _) if section.model_file.is_some() => {
            bail!("ml.model_file: only the in_process backend runs a file; a server loads its own models")
        }
        (Backend::Oip, Some(template)) => {
            let url = parse_url(&expand_env(template).context("ml.url")?).context("ml.url")?;
            Target::Url { url, display: display_url(template) }
        }
        (Backend::Oip, None) => Target::Embedded(profile),
    };
    let model = section.model.clone().unwrap_or_else(|| super::server::MODEL_NAME.into());
    if model.is_empty() || model.contains(['/', '?', '#']) || model.chars().any(char::is_whitespace) {
        bail!("ml.model: `{model}` is not a model name (no slashes, spaces, `?` or `#`)");
    }
    let name = section.name.clone().unwrap_or_else(|| model.clone());
    let batch_sizes = match &section.batch_sizes {
        Some(sizes) => {
            if sizes.is_empty() {
                bail!("ml.batch_sizes: list at least one batch size, like [1, 8, 32]");
            }
            if let Some(bad) = sizes.iter().find(|&&b| b == 0 || b > MAX_BATCH_SIZE) {
                bail!("ml.batch_sizes: {bad} is not a batch size from 1 to {MAX_BATCH_SIZE}");
            }
            if let Some((i, b)) = sizes.iter().enumerate().find(|(i, b)| sizes[..*i].contains(b)) {
                bail!("ml.batch_sizes: {b} is listed twice (at {i})");
            }
            if repeated && sizes.len() > 1 {
                bail!(
                    "ml.batch_sizes: a sweep of batch sizes runs as one run; repeat it with separate runs rather \
                     than trials or shards, or give one batch size"
                );
            }
            sizes.clone()
        }
        None if repeated => vec![1],
        None => DEFAULT_BATCH_SIZES.to_vec(),
    };
    let timeout = match &section.timeout {
        Some(text) => {
            let d = parse_duration(text).context("ml.timeout")?;
            if d.is_zero() {
                bail!("ml.timeout must be greater than zero");
            }
            d
        }
        None => DEFAULT_TIMEOUT,
    };
    let load = load_plan(&section.load, load, "ml.load").map_err(|e| anyhow!("{e:#}"))?;
    Ok(MlPlan { name, target, model, batch_sizes, timeout, load })
}
