//! The embedded inference server: the digits model (`runner/models/digits.onnx`) run
//! by tract behind a real Open Inference Protocol endpoint (axum on a loopback
//! port), so that `perfproof run` measures a real model over real HTTP when no
//! server is named.
//!
//! One model instance, as a serving runtime starts by default: a worker thread
//! runs the model, fed by a queue. The demo profiles differ the way a serving
//! optimization does:
//! - `baseline`: every request runs alone (one tract run per request);
//! - `optimized`: dynamic batching without a window. The worker takes the first
//!   waiting request and every request already queued behind it (up to
//!   [`MAX_BATCH`] samples) and runs them as one batch: a lone request never
//!   waits, requests that pile up while the model runs share one run. (A batching
//!   window of 2 ms was measured slower here: a run of this small model takes about
//!   10 µs, far less than the window.)

use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::model::{Model, Prediction, TensorSpec};
use super::oip::ModelMetadata;
use super::tensor::TensorMetadata;
use crate::workloads::profile::Profile;

/// The name the embedded server serves the digits model under.
pub const MODEL_NAME: &str = "digits";
/// Most samples in one batch run.
pub const MAX_BATCH: usize = 256;
/// Most samples one request may carry.
const MAX_REQUEST_SAMPLES: usize = 4096;

/// A running embedded inference server; dropping it stops it.
pub struct MlDemoServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

/// One request's samples waiting for the model.
struct Job {
    rows: Vec<Vec<f32>>,
    reply: oneshot::Sender<Result<Prediction, String>>,
}

struct AppState {
    metadata: ModelMetadata,
    features: usize,
    /// The output that holds the labels (the other holds the probabilities).
    labels: String,
    queue: Mutex<mpsc::Sender<Job>>,
}

impl MlDemoServer {
    /// Starts the server for `profile` on an ephemeral loopback port.
    pub async fn start(profile: Profile) -> anyhow::Result<Self> {
        let model = Model::digits()?;
        Self::serve(model, profile).await
    }

    /// Serves `model` (under [`MODEL_NAME`]) in `profile`.
    pub async fn serve(model: Model, profile: Profile) -> anyhow::Result<Self> {
        let metadata = metadata_of(&model);
        let features = model.features();
        let labels = model.label_output().name.clone();
        let (tx, rx) = mpsc::channel::<Job>();
        let batching = profile == Profile::Optimized;
        std::thread::Builder::new().name("perfproof-ml-model".into()).spawn(move || worker(&model, &rx, batching))?;
        let state = Arc::new(AppState { metadata, features, labels, queue: Mutex::new(tx) });
        let listener = crate::workloads::listen_on_loopback(0).await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route(
                "/v2",
                get(|| async {
                    Json(json!({"name": "perfproof-demo", "version": env!("CARGO_PKG_VERSION"), "extensions": []}))
                }),
            )
            .route("/v2/health/live", get(|| async { StatusCode::OK }))
            .route("/v2/health/ready", get(|| async { StatusCode::OK }))
            .route("/v2/models/{name}", get(model_metadata))
            .route("/v2/models/{name}/ready", get(model_ready))
            .route("/v2/models/{name}/infer", post(infer))
            .route("/v2/models/{name}/versions/{version}", get(versioned_metadata))
            .route("/v2/models/{name}/versions/{version}/ready", get(versioned_ready))
            .route("/v2/models/{name}/versions/{version}/infer", post(versioned_infer))
            .with_state(state);
        let task = tokio::spawn(async move {
            // The server runs until the task is aborted on drop.
            let _ = axum::serve(listener, app).await;
        });
        Ok(MlDemoServer { addr, task })
    }

    /// The server's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for MlDemoServer {
    fn drop(&mut self) {
        // The worker thread ends when the last sender (in the server's state) is gone.
        self.task.abort();
    }
}

/// The model's interface in the protocol's words.
pub fn metadata_of(model: &Model) -> ModelMetadata {
    let tensor = |spec: &TensorSpec| TensorMetadata {
        name: spec.name.clone(),
        datatype: oip_datatype(&spec.datatype),
        shape: spec
            .shape
            .iter()
            .map(|d| match d {
                super::model::Dim::Batch(_) => -1,
                super::model::Dim::Fixed(n) => *n as i64,
            })
            .collect(),
    };
    ModelMetadata {
        name: MODEL_NAME.into(),
        versions: vec![MODEL_VERSION.into()],
        platform: "onnx_tract".into(),
        inputs: vec![tensor(model.input())],
        outputs: model.outputs().iter().map(tensor).collect(),
    }
}

/// An ONNX/numpy element type as the Open Inference Protocol names it.
pub fn oip_datatype(onnx: &str) -> String {
    match onnx {
        "float32" => "FP32",
        "float64" => "FP64",
        "float16" => "FP16",
        "int64" => "INT64",
        "int32" => "INT32",
        "int16" => "INT16",
        "int8" => "INT8",
        "uint8" => "UINT8",
        "bool" => "BOOL",
        "string" => "BYTES",
        other => return other.to_uppercase(),
    }
    .into()
}

/// Runs jobs until every sender is gone: one at a time, or gathered into batches.
/// A job whose client has gone (its request dropped, as a load's end drops those
/// in flight) is skipped: like a server that notices the closed connection, the
/// model does not spend the cores on answers nobody reads, which the next load
/// (a capacity search's next probe) would otherwise wait behind.
fn worker(model: &Model, queue: &mpsc::Receiver<Job>, batching: bool) {
    let waited = |job: &Job| !job.reply.is_closed();
    while let Ok(first) = queue.recv() {
        if !waited(&first) {
            continue;
        }
        let mut samples = first.rows.len();
        let mut jobs = vec![first];
        while batching && samples < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) if waited(&job) => {
                    samples += job.rows.len();
                    jobs.push(job);
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        let rows: Vec<&[f32]> = jobs.iter().flat_map(|j| j.rows.iter().map(Vec::as_slice)).collect();
        match model.predict(&rows) {
            Ok(prediction) => {
                let mut at = 0;
                for job in jobs {
                    let n = job.rows.len();
                    let part = Prediction {
                        labels: prediction.labels[at..at + n].to_vec(),
                        probabilities: prediction.probabilities[at..at + n].to_vec(),
                    };
                    at += n;
                    let _ = job.reply.send(Ok(part));
                }
            }
            Err(e) => {
                for job in jobs {
                    let _ = job.reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// A 404 answer unless the server has the model `name`.
fn unknown(state: &AppState, name: &str) -> Option<Response> {
    (name != state.metadata.name)
        .then(|| error(StatusCode::NOT_FOUND, format!("no model `{name}` (this server has `{}`)", state.metadata.name)))
}

async fn model_metadata(State(state): State<Arc<AppState>>, Path(name): Path<String>) -> Response {
    unknown(&state, &name).unwrap_or_else(|| Json(state.metadata.clone()).into_response())
}

async fn model_ready(State(state): State<Arc<AppState>>, Path(name): Path<String>) -> Response {
    unknown(&state, &name).unwrap_or_else(|| StatusCode::OK.into_response())
}

/// The one version the embedded server has.
pub const MODEL_VERSION: &str = "1";

/// A 404 answer unless `version` is [`MODEL_VERSION`].
fn unknown_version(version: &str) -> Option<Response> {
    (version != MODEL_VERSION).then(|| {
        error(StatusCode::NOT_FOUND, format!("no version `{version}` (this server has version {MODEL_VERSION})"))
    })
}

async fn versioned_metadata(state: State<Arc<AppState>>, Path((name, v)): Path<(String, String)>) -> Response {
    match unknown_version(&v) {
        Some(refused) => refused,
        None => model_metadata(state, Path(name)).await,
    }
}

async fn versioned_ready(state: State<Arc<AppState>>, Path((name, v)): Path<(String, String)>) -> Response {
    match unknown_version(&v) {
        Some(refused) => refused,
        None => model_ready(state, Path(name)).await,
    }
}

async fn versioned_infer(
    state: State<Arc<AppState>>,
    Path((name, v)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    match unknown_version(&v) {
        Some(refused) => refused,
        None => infer(state, Path(name), body).await,
    }
}

#[derive(Deserialize)]
struct InferBody {
    #[serde(default)]
    id: Option<String>,
    inputs: Vec<InputBody>,
}

#[derive(Deserialize)]
struct InputBody {
    name: String,
    shape: Vec<i64>,
    datatype: String,
    data: Value,
}

/// Flattens row-major data, nested or flat, into `out`.
fn flatten(value: &Value, out: &mut Vec<f32>) -> Result<(), String> {
    match value {
        Value::Number(n) => {
            out.push(n.as_f64().ok_or("a value is not a number")? as f32);
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|v| flatten(v, out)),
        other => Err(format!("`data` holds {other}, not numbers")),
    }
}

async fn infer(State(state): State<Arc<AppState>>, Path(name): Path<String>, body: axum::body::Bytes) -> Response {
    if let Some(response) = unknown(&state, &name) {
        return response;
    }
    let request: InferBody = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("not an inference request: {e}")),
    };
    let declared = &state.metadata.inputs[0];
    let [input] = &request.inputs[..] else {
        return error(StatusCode::BAD_REQUEST, format!("give one input, `{}`", declared.name));
    };
    if input.name != declared.name || input.datatype != declared.datatype {
        return error(
            StatusCode::BAD_REQUEST,
            format!("the input is `{}` {}, not `{}` {}", input.name, input.datatype, declared.name, declared.datatype),
        );
    }
    let batch = match input.shape[..] {
        [b, f] if b > 0 && f == state.features as i64 && (b as usize) <= MAX_REQUEST_SAMPLES => b as usize,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                format!(
                    "the input's shape is {:?}, not [batch, {}] with 1 to {MAX_REQUEST_SAMPLES} samples",
                    input.shape, state.features
                ),
            )
        }
    };
    let mut values = Vec::with_capacity(batch * state.features);
    if let Err(e) = flatten(&input.data, &mut values) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    if values.len() != batch * state.features {
        return error(
            StatusCode::BAD_REQUEST,
            format!("the input holds {} values, its shape {}", values.len(), batch * state.features),
        );
    }
    let rows = values.chunks(state.features).map(<[f32]>::to_vec).collect();
    let (reply, answer) = oneshot::channel();
    let queued = state.queue.lock().map(|q| q.send(Job { rows, reply }).is_ok()).unwrap_or(false);
    if !queued {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the model is not running");
    }
    let prediction = match answer.await {
        Ok(Ok(prediction)) => prediction,
        Ok(Err(e)) => return error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(_) => return error(StatusCode::SERVICE_UNAVAILABLE, "the model stopped"),
    };
    let meta = &state.metadata;
    let mut outputs = Vec::with_capacity(meta.outputs.len());
    for output in &meta.outputs {
        // A classifier's outputs: labels ([batch]) and probabilities ([batch, classes]).
        let (shape, data): (Vec<usize>, Value) = if output.name == state.labels {
            (vec![batch], json!(prediction.labels))
        } else {
            let classes = prediction.probabilities.first().map_or(0, Vec::len);
            (vec![batch, classes], json!(prediction.probabilities.iter().flatten().collect::<Vec<_>>()))
        };
        outputs.push(json!({"name": output.name, "datatype": output.datatype, "shape": shape, "data": data}));
    }
    let mut answer = json!({"model_name": meta.name, "model_version": MODEL_VERSION, "outputs": outputs});
    if let Some(id) = request.id {
        answer["id"] = Value::String(id);
    }
    Json(answer).into_response()
}
