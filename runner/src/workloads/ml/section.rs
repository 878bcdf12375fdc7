//! The `[ml]` table of a scenario file and the `--ml-url` flag, resolved into an
//! [`MlPlan`]: the backend (`oip`, a server from `--ml-url`, `PERFPROOF_ML_URL` or
//! the file, or the embedded server when none is named; `in_process`, an ONNX file
//! or the embedded digits model run by tract), the model's name and version, the
//! inputs file, the batch sizes, the `[ml.sweep]` of load levels, the `[ml.load]`
//! table and the `[ml.capacity]` search. See `examples/scenario.toml`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use perfproof_shared::report::{MlResult, WorkloadKind};
use serde::Deserialize;

use super::inputs::Inputs;
use super::{Backend, MlPlan, Service};
use crate::config::capacity::{capacity_plan, CapacitySection};
use crate::config::load::{load_plan, positive_duration, LoadOverrides};
use crate::config::secrets::{display_url, expand_env};
use crate::load::Model;
use crate::workloads::http::parse_url;
use crate::workloads::profile::Profile;
use crate::workloads::{KindSection, UrlFlag};

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
    /// `oip` only: the model's version (`/v2/models/{name}/versions/{v}/…`).
    pub version: Option<String>,
    /// The samples to send: a `.json` or `.csv` file of rows (default: the digits
    /// model's held-out samples, or values generated to the model's input).
    pub inputs: Option<PathBuf>,
    /// `in_process` only: the ONNX file to run (default: the embedded digits model).
    pub model_file: Option<PathBuf>,
    /// Samples per request, one measured run each (default `[1, 8, 32]`; `[1]` with trials or shards).
    pub batch_sizes: Option<Vec<u32>>,
    pub timeout: Option<String>,
    pub sweep: Option<SweepSection>,
    #[serde(default)]
    pub load: crate::config::load::LoadSection,
    /// `[ml.capacity]`: search this workload's capacity at its headline batch size
    /// after measuring it.
    pub capacity: Option<CapacitySection>,
}

/// `[ml.sweep]`: load levels run at every batch size: users (closed model) or
/// arrival rates (open model).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSection {
    #[serde(default)]
    pub users: Vec<u32>,
    #[serde(default)]
    pub rates: Vec<f64>,
}

/// ML values given on the command line; they win over the `[ml]` table.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct MlOverrides {
    /// `--ml-url` (or `PERFPROOF_ML_URL`).
    pub url: Option<String>,
}

/// The sweep's users or rates, checked against the load model.
fn levels(sweep: &SweepSection, load: &crate::load::LoadPlan) -> anyhow::Result<Vec<f64>> {
    if !load.stages.is_empty() {
        bail!("ml.sweep: each point runs at a constant load; remove ml.load.stages");
    }
    let open = matches!(load.model, Model::Open { .. });
    match (sweep.users.is_empty(), sweep.rates.is_empty()) {
        (false, false) => bail!("ml.sweep: give users (closed model) or rates (open model), not both"),
        (true, true) => bail!("ml.sweep: list users = [1, 4, 16] (closed model) or rates = [...] (open model)"),
        (false, true) if open => bail!("ml.sweep.users needs the closed model: remove ml.load.rate (or --rate)"),
        (true, false) if !open => bail!("ml.sweep.rates needs the open model: set ml.load.rate (or --rate)"),
        (false, true) if sweep.users.contains(&0) => bail!("ml.sweep.users: at least 1 user per point"),
        (false, true) => Ok(sweep.users.iter().map(|&u| f64::from(u)).collect()),
        (true, false) => match sweep.rates.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
            Some(bad) => bail!("ml.sweep.rates: arrival rates must be positive numbers per second, not {bad}"),
            None => Ok(sweep.rates.clone()),
        },
    }
}

impl KindSection for MlSection {
    type Plan = MlPlan;
    type Overrides = MlOverrides;

    const URL_FLAG: UrlFlag = UrlFlag {
        long: "ml-url",
        env: "PERFPROOF_ML_URL",
        help: "Open Inference Protocol (KServe v2) server for the ml workload (its base URL). Default: the embedded inference server (the digits model run by tract).",
    };

    fn url_overrides(url: Option<String>) -> MlOverrides {
        MlOverrides { url }
    }

    fn names_target(flags: &MlOverrides) -> bool {
        flags.url.is_some()
    }

    /// Combines the `[ml]` table, the flags and the load flags (flags win) into a checked
    /// plan. `sharded`: the run is one shard of several, whose merges take one batch size and load.
    fn plan(
        &self,
        flags: &MlOverrides,
        load: &LoadOverrides,
        profile: Profile,
        sharded: bool,
    ) -> anyhow::Result<MlPlan> {
        let section = self;
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
            (Backend::InProcess, None) => Service::InProcess { file: section.model_file.clone() },
            (Backend::Oip, _) if section.model_file.is_some() => {
                bail!("ml.model_file: only the in_process backend runs a file; a server loads its own models")
            }
            (Backend::Oip, Some(template)) => {
                let url = parse_url(&expand_env(template).context("ml.url")?).context("ml.url")?;
                Service::Url { url, display: display_url(template) }
            }
            (Backend::Oip, None) => Service::Embedded(profile),
        };
        let model = section.model.clone().unwrap_or_else(|| super::server::MODEL_NAME.into());
        if model.is_empty() || model.contains(['/', '?', '#']) || model.chars().any(char::is_whitespace) {
            bail!("ml.model: `{model}` is not a model name (no slashes, spaces, `?` or `#`)");
        }
        let version = match (&section.version, backend) {
            (None, _) => None,
            (Some(_), Backend::InProcess) => {
                bail!("ml.version: a version is asked of a server; the in_process backend runs one file")
            }
            (Some(v), Backend::Oip) => {
                if v.is_empty() || v.contains(['/', '?', '#']) || v.chars().any(char::is_whitespace) {
                    bail!("ml.version: `{v}` is not a version (no slashes, spaces, `?` or `#`)");
                }
                Some(v.clone())
            }
        };
        let inputs = section.inputs.as_deref().map(Inputs::read).transpose().context("ml.inputs")?;
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
                if sharded && sizes.len() > 1 {
                    bail!("ml.batch_sizes: a sweep of batch sizes runs on one machine; give shards one batch size");
                }
                sizes.clone()
            }
            None if sharded => vec![1],
            None => DEFAULT_BATCH_SIZES.to_vec(),
        };
        let timeout = positive_duration(section.timeout.as_deref(), "ml.timeout", DEFAULT_TIMEOUT)?;
        let mut load = load_plan(&section.load, load, "ml.load").map_err(|e| anyhow!("{e:#}"))?;
        load.capacity =
            section.capacity.as_ref().map(|c| capacity_plan(c, &MlResult::INFO, "ml.capacity")).transpose()?;
        let levels = match &section.sweep {
            None => Vec::new(),
            Some(_) if sharded => bail!("ml.sweep: a sweep of loads runs on one machine; give shards one load"),
            Some(_) if section.capacity.is_some() => {
                bail!("ml.sweep: a capacity search probes rates of its own; drop [ml.sweep] or [ml.capacity]")
            }
            Some(sweep) => {
                let levels = levels(sweep, &load)?;
                if let Some((i, l)) = levels.iter().enumerate().find(|(i, l)| levels[..*i].contains(l)) {
                    bail!("ml.sweep: the level {l} is listed twice (at {i})");
                }
                levels
            }
        };
        Ok(MlPlan { name, target, model, version, inputs, batch_sizes, levels, timeout, load })
    }
}
