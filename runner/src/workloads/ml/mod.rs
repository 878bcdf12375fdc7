//! The ML inference workload: requests of `B` samples each against a model, at one
//! or several batch sizes, on the load engine; requests/s, samples/s, per-request
//! and per-sample latency, and the speedup of batching.
//!
//! Two backends:
//! - `oip`: an Open Inference Protocol (KServe v2 REST) server ([`oip`]): readiness
//!   and the model's metadata are checked first, then each operation is one
//!   `POST /v2/models/{name}/infer` whose answer is checked ([`answer`]: output
//!   names, datatype, shape, values): a wrong answer counts as `bad_output`, never
//!   as a success. With no
//!   server named, the embedded one ([`server`]) serves the digits model.
//! - `in_process`: the model run by tract in the runner ([`model`]), so that model
//!   time can be told from serving overhead.
//!
//! Inputs are rows of a `.json` or `.csv` file ([`inputs`]), checked against the
//! model's declared width and datatype; else the digits model's held-out samples
//! when the model takes 64 FP32 values per sample, else values generated to its
//! declared width and datatype ([`samples`]). Each batch size (× each load level of
//! a `[ml.sweep]`) is one engine run; the headline `result` of the report is batch
//! size 1 (the individual mode) at the first level when it was measured.

pub mod answer;
pub mod inputs;
pub mod model;
pub mod oip;
pub mod samples;
pub mod section;
pub mod server;
pub mod tensor;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use bytes::Bytes;
use hyper::Uri;
use perfproof_shared::report::{self, BatchPoint, MlModel, MlResult, WorkloadKind};
use perfproof_shared::TimeUnit;
use url::Url;

use crate::load::{self, Context, LoadPlan, Measured, Operation, Outcome, Vocabulary};
use crate::workloads::profile::Profile;
use crate::workloads::KindPlan;
use inputs::Inputs;
use model::Model;
use oip::{Client, Exchange, Server};
use server::MlDemoServer;

/// How an inference request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The connection could not be made, or was lost before the answer.
    Connect,
    /// No whole answer within the request timeout.
    Timeout,
    /// The server answered 4xx (a bad request, an unknown model).
    Http4xx,
    /// The server answered 5xx (a failing or loading model).
    Http5xx,
    /// The answer was not HTTP, or not an inference response document.
    Protocol,
    /// An inference response with a missing output, or the wrong datatype, shape or size.
    BadOutput,
    /// The in-process model failed.
    Inference,
}

impl ErrorClass {
    /// As the report names it ([`MlResult::INFO`]'s error classes, in the enum's order).
    pub fn name(self) -> &'static str {
        MlResult::INFO.error_classes[self as usize]
    }
}

const _: () = assert!(ErrorClass::Inference as usize + 1 == MlResult::INFO.error_classes.len());

fn vocabulary() -> Vocabulary {
    Vocabulary {
        kind: &MlResult::INFO,
        resolution: TimeUnit::Microseconds,
        counters: &[],
        spans: &["per_sample"],
        parts: 1,
    }
}

/// Which way the model is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An Open Inference Protocol server over HTTP.
    Oip,
    /// tract, in the runner's process.
    InProcess,
}

impl Backend {
    pub const NAMES: [&'static str; 2] = ["oip", "in_process"];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Oip => "oip",
            Backend::InProcess => "in_process",
        }
    }
}

/// Where the model is.
#[derive(Debug, Clone)]
pub enum Service {
    /// A server the user named; `display` is what may be shown of the URL.
    Url { url: Url, display: String },
    /// The embedded server, started for the run in this profile.
    Embedded(Profile),
    /// The model run in process: an ONNX file, or the embedded digits model.
    InProcess { file: Option<PathBuf> },
}

/// A resolved ML inference workload.
#[derive(Debug, Clone)]
pub struct MlPlan {
    pub name: String,
    pub target: Service,
    /// The model's name on the server.
    pub model: String,
    /// The model's version on the server, when one is asked for.
    pub version: Option<String>,
    /// Samples read from a file; `None`: the held-out digits or generated values.
    pub inputs: Option<Inputs>,
    /// Samples per request, one engine run each (per level), in this order.
    pub batch_sizes: Vec<u32>,
    /// `[ml.sweep]`: users (closed model) or arrival rates (open model) run at every
    /// batch size; empty: the load plan's one level.
    pub levels: Vec<f64>,
    /// Most time one request may take.
    pub timeout: Duration,
    pub load: LoadPlan,
}

impl MlPlan {
    /// Every (batch size, load plan) to run, batch-major, in order.
    pub fn points(&self) -> Vec<(u32, LoadPlan)> {
        let mut points = Vec::new();
        for &batch in &self.batch_sizes {
            if self.levels.is_empty() {
                points.push((batch, self.load.clone()));
            }
            for &level in &self.levels {
                let mut plan = self.load.clone();
                match &mut plan.model {
                    load::Model::Closed { users, .. } => *users = level as u32,
                    load::Model::Open { rate, .. } => *rate = level,
                }
                points.push((batch, plan));
            }
        }
        points
    }

    /// The batch size of the report's headline: 1 when it runs, else the smallest
    /// (as shared's `headline_point` picks it from the points).
    fn headline_batch_size(&self) -> u32 {
        if self.batch_sizes.contains(&1) {
            1
        } else {
            self.batch_sizes.iter().copied().min().unwrap_or(1)
        }
    }

    fn server(&self, base: Url, display: String) -> Server {
        Server { base, display, model: self.model.clone(), version: self.version.clone() }
    }

    /// The samples to send to a model whose input is `input`.
    fn rows(&self, input: &tensor::TensorMetadata) -> anyhow::Result<Vec<Vec<f32>>> {
        match &self.inputs {
            Some(inputs) => inputs.rows_for(input).context("ml.inputs"),
            None => Ok(samples::rows_for(input.shape.get(1).map_or(1, |&w| w.max(1) as usize), &input.datatype)),
        }
    }

    pub fn backend(&self) -> Backend {
        match self.target {
            Service::InProcess { .. } => Backend::InProcess,
            _ => Backend::Oip,
        }
    }

    /// Where it runs, as people may read it.
    pub fn display_target(&self) -> String {
        match &self.target {
            Service::Url { display, .. } => display.clone(),
            Service::Embedded(profile) => format!("the embedded inference server ({})", profile.label()),
            Service::InProcess { file: Some(path) } => format!("in-process ({})", path.display()),
            Service::InProcess { file: None } => "in-process (the embedded digits model)".into(),
        }
    }
}

impl KindPlan for MlPlan {
    type Part = MlResult;

    fn name(&self) -> &str {
        &self.name
    }

    fn load(&self) -> &LoadPlan {
        &self.load
    }

    fn load_mut(&mut self) -> &mut LoadPlan {
        &mut self.load
    }

    /// A sweep of load levels has no one load to search from.
    fn searches_capacity(&self) -> bool {
        self.levels.is_empty()
    }

    /// A probe measures the headline batch size only: the capacity is that batch
    /// size's, in requests/s.
    fn probe(&self, load: LoadPlan) -> Self {
        MlPlan { batch_sizes: vec![self.headline_batch_size()], levels: Vec::new(), load, ..self.clone() }
    }

    fn describe(&self) -> String {
        format!(
            "ml `{}`: model `{}` on {}, batch sizes {:?}, with {}",
            self.name,
            self.model,
            self.display_target(),
            self.batch_sizes,
            self.load.describe("req/s")
        )
    }

    /// Checks that a named server is ready and serves the model, and that the inputs
    /// suit the model (a named server's, the embedded digits model, or the file run in
    /// process), before any load.
    async fn check_reachable(&self) -> anyhow::Result<()> {
        let plan = self;
        let metadata = match &plan.target {
            Service::Url { url, display } => {
                let server = plan.server(url.clone(), display.clone());
                let client = oip::client(plan.timeout)?;
                server.check_ready(&client, plan.timeout).await?;
                server.metadata(&client, plan.timeout).await?
            }
            Service::Embedded(_) => server::metadata_of(&Model::digits()?),
            Service::InProcess { file } => server::metadata_of(&in_process_model(file)?),
        };
        plan.rows(&metadata.inputs[0])?;
        Ok(())
    }

    /// Runs every batch size of the plan into the report's entry.
    async fn run(&self, context: &Context) -> anyhow::Result<MlResult> {
        let plan = self;
        let mut context = context.clone();
        let (points, model, target) = match &plan.target {
            Service::InProcess { file } => {
                let model = in_process_model(file)?;
                context.target_in_process = true;
                let metadata = server::metadata_of(&model);
                let rows = Arc::new(plan.rows(&metadata.inputs[0])?);
                let described = MlModel { name: plan.model.clone(), version: None, ..metadata.describe() };
                let make =
                    |batch: u32| InProcessOperation { model: model.clone(), rows: rows.clone(), batch: batch as usize };
                (measure_points(plan, &context, make).await?, described, "in-process".to_string())
            }
            Service::Url { url, display } => {
                let server = plan.server(url.clone(), display.clone());
                let (points, model) = run_oip(plan, &context, &server).await?;
                (points, model, display.clone())
            }
            Service::Embedded(profile) => {
                let embedded = MlDemoServer::start(*profile).await.context("starting the embedded inference server")?;
                context.target_in_process = true;
                let base = Url::parse(&embedded.base_url())?;
                let server = plan.server(base, embedded.base_url());
                let (points, model) = run_oip(plan, &context, &server).await?;
                drop(embedded);
                (points, model, format!("embedded ({} profile)", profile.label()))
            }
        };
        finish(plan, points, model, target)
    }
}

/// The ONNX file, or the embedded digits model.
fn in_process_model(file: &Option<PathBuf>) -> anyhow::Result<Model> {
    Ok(match file {
        Some(path) => Model::from_path(path)?,
        None => Model::digits()?,
    })
}

/// Puts the points together: rates, speedups, the headline.
fn finish(plan: &MlPlan, mut points: Vec<BatchPoint>, model: MlModel, target: String) -> anyhow::Result<MlResult> {
    for point in &mut points {
        point.derive_rates();
    }
    report::derive_speedups(&mut points);
    let headline =
        report::headline_point(&points).ok_or_else(|| anyhow!("stopped before the first batch size was measured"))?;
    Ok(MlResult {
        name: plan.name.clone(),
        target,
        backend: plan.backend().name().into(),
        model,
        headline_batch_size: points[headline].batch_size,
        result: points[headline].result.clone(),
        points,
    })
}

async fn run_oip(plan: &MlPlan, context: &Context, server: &Server) -> anyhow::Result<(Vec<BatchPoint>, MlModel)> {
    let client = oip::client(plan.timeout)?;
    server.check_ready(&client, plan.timeout).await?;
    let metadata = Arc::new(server.metadata(&client, plan.timeout).await?);
    let rows = plan.rows(&metadata.inputs[0])?;
    let uri = server.infer_uri()?;
    let threads = plan.load.threads.max(1);
    let first_errors: Arc<Mutex<Vec<Option<String>>>> =
        Arc::new(Mutex::new(vec![None; MlResult::INFO.error_classes.len()]));
    let make = |batch: u32| {
        let batch = batch as usize;
        // Request i carries samples i·B … i·B + B − 1 (mod the samples): one body per start.
        let starts = rows.len() / gcd(batch, rows.len());
        let bodies: Vec<Bytes> = (0..starts)
            .map(|k| {
                let picked: Vec<&[f32]> = (0..batch).map(|j| rows[(k * batch + j) % rows.len()].as_slice()).collect();
                oip::infer_body(&metadata.inputs[0], &picked)
            })
            .collect();
        // Closed-model users on plain HTTP keep a connection of their own.
        let dedicated = matches!(plan.load.model, load::Model::Closed { .. }) && oip::Dedicated::new(&uri).is_some();
        let wires = match dedicated {
            true => bodies.iter().map(|body| oip::Dedicated::wire(&uri, body)).collect(),
            false => Vec::new(),
        };
        OipOperation {
            uri: uri.clone(),
            bodies: Arc::new(bodies),
            wires: Arc::new(wires),
            batch,
            expected: answer::Expected::new(&metadata.outputs, batch),
            timeout: plan.timeout,
            clients: Arc::new((0..threads).map(|_| OnceLock::new()).collect()),
            first_errors: first_errors.clone(),
        }
    };
    let mut points = measure_points(plan, context, make).await?;
    let firsts = std::mem::take(&mut *first_errors.lock().unwrap_or_else(|p| p.into_inner()));
    let notes: Vec<String> = firsts.into_iter().flatten().map(|m| format!("first error of its class: {m}")).collect();
    for point in &mut points {
        point.result.warnings.extend(notes.iter().cloned());
    }
    let mut model = metadata.describe();
    if plan.version.is_some() {
        model.version = plan.version.clone();
    }
    Ok((points, model))
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a.max(1)
    } else {
        gcd(b, a % b)
    }
}

/// One engine run per batch size and level; a stop ends the sweep after the point it interrupted.
async fn measure_points<O: Operation>(
    plan: &MlPlan,
    context: &Context,
    make: impl Fn(u32) -> O,
) -> anyhow::Result<Vec<BatchPoint>> {
    let words = vocabulary();
    let planned = plan.points();
    let mut points = Vec::with_capacity(planned.len());
    for (i, (batch, load_plan)) in planned.iter().enumerate() {
        let batch = *batch;
        if *context.stop.borrow() {
            break;
        }
        if planned.len() > 1 && !context.quiet {
            eprintln!("  point {}/{}: batch size {batch}, {}", i + 1, planned.len(), load_plan.describe("req/s"));
        }
        let Measured { result, spans, .. } = load::run(make(batch), &words, load_plan, context).await?;
        let [per_sample] = &spans[..] else { anyhow::bail!("the engine returned {} spans, not 1", spans.len()) };
        points.push(BatchPoint {
            batch_size: batch,
            requests_per_s: 0.0,
            samples_per_s: 0.0,
            speedup: None,
            amortization: None,
            sample_latency: per_sample.latency.clone(),
            result,
        });
    }
    Ok(points)
}

/// One inference request over the Open Inference Protocol.
struct OipOperation {
    uri: Uri,
    bodies: Arc<Vec<Bytes>>,
    /// The same requests whole, as users with a connection of their own write them
    /// (closed model, plain HTTP); empty otherwise.
    wires: Arc<Vec<Vec<u8>>>,
    batch: usize,
    /// What every answer must hold.
    expected: answer::Expected,
    timeout: Duration,
    /// One pooled client per load thread (its connections live on that thread's runtime).
    clients: Arc<Vec<OnceLock<Client>>>,
    first_errors: Arc<Mutex<Vec<Option<String>>>>,
}

impl OipOperation {
    fn fail(&self, class: ErrorClass, message: impl FnOnce() -> String) -> Outcome {
        let mut first = self.first_errors.lock().unwrap_or_else(|p| p.into_inner());
        let slot = &mut first[class as usize];
        if slot.is_none() {
            *slot = Some(format!("{}: {}", class.name(), message()));
        }
        Outcome { error: Some(class as u8), ..Outcome::default() }
    }

    /// A 2xx answer's outcome: a success with its per-sample latency, or a wrong answer.
    fn checked(&self, answer: &[u8], sent: Instant) -> Outcome {
        match self.expected.check(answer) {
            Ok(()) => Outcome { spans: [Some(sent.elapsed() / self.batch as u32), None], ..Outcome::default() },
            Err(message) => self.fail(ErrorClass::BadOutput, || message),
        }
    }
}

/// How a user reaches the server: its own connection (closed model, plain HTTP), or
/// its load thread's pooled client (open model, HTTPS); `None` if none could be built.
enum Connection {
    Dedicated(oip::Dedicated),
    Pooled(Option<Client>),
}

impl Operation for OipOperation {
    type Session = Connection;

    fn session(&self, thread: usize) -> Connection {
        if !self.wires.is_empty() {
            if let Some(own) = oip::Dedicated::new(&self.uri) {
                return Connection::Dedicated(own);
            }
        }
        let slot = &self.clients[thread.min(self.clients.len() - 1)];
        if let Some(client) = slot.get() {
            return Connection::Pooled(Some(client.clone()));
        }
        Connection::Pooled(oip::client(self.timeout).ok().map(|client| slot.get_or_init(|| client).clone()))
    }

    async fn perform(&self, connection: &mut Connection, index: u64) -> Outcome {
        let i = (index % self.bodies.len() as u64) as usize;
        let sent = Instant::now();
        match connection {
            Connection::Dedicated(own) => match own.exchange(&self.wires[i], self.timeout).await {
                Ok(answer) => self.checked(answer, sent),
                Err((class, message)) => self.fail(class, || message),
            },
            Connection::Pooled(Some(client)) => {
                let request = Server::infer_request(&self.uri, self.bodies[i].clone());
                match oip::exchange(client, request, self.timeout).await {
                    Exchange::Answer(answer) => self.checked(&answer, sent),
                    Exchange::Failed(class, message) => self.fail(class, || message),
                }
            }
            Connection::Pooled(None) => self.fail(ErrorClass::Connect, || "the HTTP client could not be built".into()),
        }
    }
}

/// One batch through the model in process.
struct InProcessOperation {
    model: Model,
    rows: Arc<Vec<Vec<f32>>>,
    batch: usize,
}

impl Operation for InProcessOperation {
    type Session = ();

    fn session(&self, _thread: usize) {}

    async fn perform(&self, _: &mut (), index: u64) -> Outcome {
        let n = self.rows.len();
        let start = (index as usize).wrapping_mul(self.batch) % n;
        let mut values = Vec::with_capacity(self.batch * self.model.features());
        for j in 0..self.batch {
            values.extend_from_slice(&self.rows[(start + j) % n]);
        }
        let began = Instant::now();
        match self.model.run_checked(self.batch, &values) {
            Ok(()) => Outcome { spans: [Some(began.elapsed() / self.batch as u32), None], ..Outcome::default() },
            Err(_) => Outcome { error: Some(ErrorClass::Inference as u8), ..Outcome::default() },
        }
    }
}
