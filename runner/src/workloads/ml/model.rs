//! An ONNX classifier, loaded by tract into a runnable plan with a symbolic batch
//! dimension, and run on batches of samples in process.
//!
//! The interface a classifier must have (what skl2onnx writes without ZipMap):
//! one input, float32 `[batch, features]`; two outputs, the labels (int64 `[batch]`)
//! and the class probabilities (float32 `[batch, classes]`), recognised by their type
//! and rank whatever their names. The batch dimension is made symbolic on load, so one
//! plan runs batches of any size; its name is the file's (`dim_param`) or else `N`.
//!
//! Nothing here panics on a bad file or bad input: every failure is a [`ModelError`]
//! naming the model (its path, or the embedded file) and what is wrong. tract itself
//! can panic on some malformed graphs (an output naming no value, for one, which is
//! checked before tract sees it); loading and running are also guarded, so that a
//! panic we did not foresee becomes an error too (its message still reaches stderr
//! through the panic hook).

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::Factoid;

/// The digits classifier (`runner/models/digits.onnx`): 64 pixel values (0–16) of an
/// 8×8 image in, digit 0–9 out. Made by `scripts/train-model.sh`; its interface, its
/// held-out accuracy and the held-out samples are in `runner/models/digits.json`.
pub const DIGITS_ONNX: &[u8] = include_bytes!("../../../models/digits.onnx");

/// How errors name the embedded digits model.
pub const DIGITS_NAME: &str = "the embedded model runner/models/digits.onnx";

/// The batch dimension's name when the file gives it none (a fixed or unnamed dimension).
pub const DEFAULT_BATCH: &str = "N";

/// What went wrong, always naming the model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file could not be read.
    #[error("cannot read the model file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// tract could not parse the file, or could not turn the graph into a plan
    /// (not protobuf, not an ONNX graph, an operator tract does not know, ...).
    #[error("{model} is not an ONNX model that tract can run: {reason}")]
    Load { model: String, reason: String },
    /// The model loads, but its inputs or outputs are not those of a classifier.
    #[error("{model} is not a classifier this backend can run: {reason}")]
    Interface { model: String, reason: String },
    /// A sample of the batch does not have the model's number of features.
    #[error("{model}: sample {index} of the batch has {width} features, but the input `{input}` takes {expected}")]
    InputWidth { model: String, input: String, index: usize, width: usize, expected: usize },
    /// tract failed (or its outputs were not as declared) while running a batch.
    #[error("{model}: running a batch of {batch} sample(s) failed: {reason}")]
    Run { model: String, batch: usize, reason: String },
}

/// One dimension of an input or output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dim {
    /// The symbolic batch dimension, by name.
    Batch(String),
    /// A fixed size.
    Fixed(usize),
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Batch(name) => f.write_str(name),
            Dim::Fixed(size) => write!(f, "{size}"),
        }
    }
}

/// An input or output of the model: its name, shape and element type (named as ONNX
/// and numpy name them: `float32`, `int64`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorSpec {
    pub name: String,
    pub shape: Vec<Dim>,
    pub datatype: String,
}

impl fmt::Display for TensorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shape: Vec<String> = self.shape.iter().map(Dim::to_string).collect();
        write!(f, "{} {} [{}]", self.name, self.datatype, shape.join(", "))
    }
}

/// What the model says about a batch: one label and one row of class probabilities
/// per sample, in the batch's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub labels: Vec<i64>,
    pub probabilities: Vec<Vec<f32>>,
}

/// A classifier ready to run. Cheap to clone (the plan is shared), and `Send + Sync`:
/// every run has its own state, so load threads can share one.
#[derive(Clone)]
pub struct Model {
    name: String,
    plan: Arc<TypedRunnableModel>,
    input: TensorSpec,
    outputs: Vec<TensorSpec>,
    /// Which output holds the labels and which the probabilities.
    label_output: usize,
    probabilities_output: usize,
    features: usize,
    classes: usize,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.name)
            .field("input", &self.input)
            .field("outputs", &self.outputs)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// The embedded digits classifier ([`DIGITS_ONNX`]).
    pub fn digits() -> Result<Model, ModelError> {
        Model::from_bytes(DIGITS_NAME, DIGITS_ONNX)
    }

    /// Loads the ONNX file at `path`; errors name the path.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Model, ModelError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| ModelError::Read { path: path.to_owned(), source })?;
        Model::from_bytes(&path.display().to_string(), &bytes)
    }

    /// Loads an ONNX model from its bytes; `name` is how errors will name it (a path, or
    /// a phrase like [`DIGITS_NAME`]).
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Model, ModelError> {
        guarded(|| load(name, bytes)).unwrap_or_else(|panic| {
            Err(ModelError::Load { model: name.to_owned(), reason: format!("tract panicked: {panic}") })
        })
    }

    /// How errors name the model: its path, or [`DIGITS_NAME`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The input, `[batch, features]` float32.
    pub fn input(&self) -> &TensorSpec {
        &self.input
    }

    /// The outputs, in the file's order.
    pub fn outputs(&self) -> &[TensorSpec] {
        &self.outputs
    }

    /// The output holding the labels, int64 `[batch]`.
    pub fn label_output(&self) -> &TensorSpec {
        &self.outputs[self.label_output]
    }

    /// The output holding the class probabilities, float32 `[batch, classes]`.
    pub fn probabilities_output(&self) -> &TensorSpec {
        &self.outputs[self.probabilities_output]
    }

    /// The number of features a sample has.
    pub fn features(&self) -> usize {
        self.features
    }

    /// The number of classes (the width of a row of probabilities).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Classifies a batch of samples (each of [`Model::features`] values) in one run of
    /// the plan. An empty batch gives an empty prediction without running.
    pub fn predict<R: AsRef<[f32]>>(&self, samples: &[R]) -> Result<Prediction, ModelError> {
        let batch = samples.len();
        if batch == 0 {
            return Ok(Prediction { labels: Vec::new(), probabilities: Vec::new() });
        }
        let mut values = Vec::with_capacity(batch * self.features);
        for (index, sample) in samples.iter().enumerate() {
            let sample = sample.as_ref();
            if sample.len() != self.features {
                return Err(ModelError::InputWidth {
                    model: self.name.clone(),
                    input: self.input.name.clone(),
                    index,
                    width: sample.len(),
                    expected: self.features,
                });
            }
            values.extend_from_slice(sample);
        }
        let run_error = |reason: String| ModelError::Run { model: self.name.clone(), batch, reason };
        let outcome =
            guarded(|| self.run(batch, &values)).map_err(|panic| run_error(format!("tract panicked: {panic}")))?;
        outcome.map_err(|e| run_error(format!("{e:#}")))
    }

    /// Runs a batch laid out flat (`batch` × [`Model::features`] values) and checks the
    /// outputs' shapes without copying them out: what the in-process backend measures.
    pub fn run_checked(&self, batch: usize, values: &[f32]) -> Result<(), ModelError> {
        let run_error = |reason: String| ModelError::Run { model: self.name.clone(), batch, reason };
        if values.len() != batch * self.features {
            return Err(run_error(format!("{} values are not {batch} samples of {}", values.len(), self.features)));
        }
        let outcome = guarded(|| self.run_outputs(batch, values))
            .map_err(|panic| run_error(format!("tract panicked: {panic}")))?;
        outcome.map(drop).map_err(|e| run_error(format!("{e:#}")))
    }

    /// One run of the plan, its outputs' shapes checked.
    fn run_outputs(&self, batch: usize, values: &[f32]) -> TractResult<TVec<TValue>> {
        let input = Tensor::from_shape(&[batch, self.features], values)?;
        let outputs = self.plan.run(tvec![input.into_tvalue()])?;
        let labels = &outputs[self.label_output];
        let probabilities = &outputs[self.probabilities_output];
        anyhow::ensure!(labels.shape() == [batch], "the labels have shape {:?}, not [{batch}]", labels.shape());
        anyhow::ensure!(
            probabilities.shape() == [batch, self.classes],
            "the probabilities have shape {:?}, not [{batch}, {}]",
            probabilities.shape(),
            self.classes
        );
        Ok(outputs)
    }

    fn run(&self, batch: usize, values: &[f32]) -> TractResult<Prediction> {
        let outputs = self.run_outputs(batch, values)?;
        let labels = &outputs[self.label_output];
        let probabilities = &outputs[self.probabilities_output];
        let labels: Vec<i64> = labels.to_plain_array_view::<i64>()?.iter().copied().collect();
        let flat: Vec<f32> = probabilities.to_plain_array_view::<f32>()?.iter().copied().collect();
        let probabilities = flat.chunks(self.classes).map(<[f32]>::to_vec).collect();
        Ok(Prediction { labels, probabilities })
    }
}

/// Parses, checks the interface, fixes the input to `[batch, features]` with a symbolic
/// batch, optimizes and plans.
fn load(name: &str, bytes: &[u8]) -> Result<Model, ModelError> {
    let load_error =
        |what: &str, e: TractError| ModelError::Load { model: name.to_owned(), reason: format!("{what}: {e:#}") };
    let interface_error = |reason: String| ModelError::Interface { model: name.to_owned(), reason };

    let onnx = tract_onnx::onnx();
    let proto = onnx.proto_model_for_read(&mut &bytes[..]).map_err(|e| load_error("parsing", e))?;
    if let Some(graph) = &proto.graph {
        // tract would keep an unknown operator as a placeholder and fail later, obscurely.
        if let Some(node) = graph.node.iter().find(|node| !onnx.op_register.0.contains_key(&node.op_type)) {
            let domain = if node.domain.is_empty() { "ai.onnx" } else { &node.domain };
            return Err(ModelError::Load {
                model: name.to_owned(),
                reason: format!(
                    "node `{}` uses the operator {domain}:{}, which tract does not support",
                    node.name, node.op_type
                ),
            });
        }
        // tract panics on a graph output that no node, input or initializer produces.
        let produced = |name: &str| {
            graph.input.iter().any(|v| v.name == name)
                || graph.initializer.iter().any(|t| t.name == name)
                || graph.node.iter().any(|n| n.output.iter().any(|o| o == name))
        };
        if let Some(output) = graph.output.iter().find(|output| !produced(&output.name)) {
            return Err(ModelError::Load {
                model: name.to_owned(),
                reason: format!("the graph output `{}` is not produced by any node", output.name),
            });
        }
    }
    let mut model = onnx.model_for_proto_model(&proto).map_err(|e| load_error("parsing", e))?;

    // The input: one, float32, [batch, features].
    let inputs = model.input_outlets().map_err(|e| load_error("reading the inputs", e))?.to_vec();
    let [input_outlet] = inputs[..] else {
        return Err(interface_error(format!("it has {} inputs, a classifier has one", inputs.len())));
    };
    let input_name = outlet_name(&model, input_outlet);
    let fact = model.input_fact(0).map_err(|e| load_error("reading the input", e))?;
    match fact.datum_type.concretize() {
        Some(DatumType::F32) => {}
        Some(other) => {
            return Err(interface_error(format!("the input `{input_name}` is {}, not float32", datatype(other))))
        }
        None => return Err(interface_error(format!("the input `{input_name}` declares no element type"))),
    }
    let dims: Vec<Option<TDim>> = fact.shape.dims().map(|d| d.concretize()).collect();
    if fact.shape.is_open() || dims.len() != 2 {
        return Err(interface_error(format!(
            "the input `{input_name}` must have shape [batch, features], it has {}",
            if fact.shape.is_open() { "no declared shape".to_owned() } else { format!("rank {}", dims.len()) }
        )));
    }
    let features = match dims[1].as_ref().map(TDim::to_i64) {
        Some(Ok(n)) if n > 0 => n as usize,
        _ => {
            return Err(interface_error(format!(
                "the input `{input_name}` must have a fixed number of features, its second dimension is {}",
                dims[1].as_ref().map_or("unknown".to_owned(), TDim::to_string)
            )))
        }
    };
    let batch_name = match &dims[0] {
        Some(dim @ TDim::Sym(_)) => dim.to_string(),
        _ => DEFAULT_BATCH.to_owned(),
    };
    let batch = TDim::Sym(model.sym(&batch_name));

    // Output names, before optimization renames nodes. The declared output facts are
    // dropped: a file with a fixed batch would otherwise contradict the symbolic one.
    let output_outlets = model.output_outlets().map_err(|e| load_error("reading the outputs", e))?.to_vec();
    let output_names: Vec<String> = output_outlets.iter().map(|&outlet| outlet_name(&model, outlet)).collect();
    model
        .set_input_fact(0, f32::fact([batch.clone(), features.to_dim()]).into())
        .map_err(|e| load_error("setting the input shape", e))?;
    for ix in 0..output_outlets.len() {
        model.set_output_fact(ix, InferenceFact::default()).map_err(|e| load_error("resetting the outputs", e))?;
    }
    let typed = model.into_optimized().map_err(|e| load_error("analysing and optimizing the graph", e))?;

    // The outputs: the labels (int64, [batch]) and the probabilities (float32, [batch, classes]).
    let mut outputs = Vec::with_capacity(output_names.len());
    for (ix, name) in output_names.into_iter().enumerate() {
        let fact = typed.output_fact(ix).map_err(|e| load_error("reading the outputs", e))?;
        let shape = fact
            .shape
            .iter()
            .map(|dim| match dim.to_i64() {
                Ok(size) if size >= 0 => Ok(Dim::Fixed(size as usize)),
                _ if *dim == batch => Ok(Dim::Batch(batch_name.clone())),
                _ => Err(interface_error(format!(
                    "the output `{name}` has a dimension `{dim}`, neither fixed nor the batch"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        outputs.push((TensorSpec { name, shape, datatype: datatype(fact.datum_type) }, fact.datum_type));
    }
    let batched = |spec: &TensorSpec| spec.shape.first() == Some(&Dim::Batch(batch_name.clone()));
    let label_output =
        outputs.iter().position(|(spec, dt)| *dt == DatumType::I64 && spec.shape.len() == 1 && batched(spec));
    let probabilities_output =
        outputs.iter().position(|(spec, dt)| *dt == DatumType::F32 && spec.shape.len() == 2 && batched(spec));
    let outputs: Vec<TensorSpec> = outputs.into_iter().map(|(spec, _)| spec).collect();
    let described = || outputs.iter().map(TensorSpec::to_string).collect::<Vec<_>>().join("; ");
    let (Some(label_output), Some(probabilities_output), 2) = (label_output, probabilities_output, outputs.len())
    else {
        return Err(interface_error(format!(
            "a classifier has two outputs, labels int64 [{batch_name}] and probabilities float32 [{batch_name}, classes]; \
             this one has: {}",
            described()
        )));
    };
    let classes = match outputs[probabilities_output].shape[1] {
        Dim::Fixed(n) if n > 0 => n,
        _ => {
            return Err(interface_error(format!(
                "the output `{}` must have a fixed number of classes",
                outputs[probabilities_output].name
            )))
        }
    };

    let plan = typed.into_runnable().map_err(|e| load_error("planning", e))?;
    let input = TensorSpec {
        name: input_name,
        shape: vec![Dim::Batch(batch_name), Dim::Fixed(features)],
        datatype: datatype(DatumType::F32),
    };
    Ok(Model { name: name.to_owned(), plan, input, outputs, label_output, probabilities_output, features, classes })
}

/// The name ONNX gives a value: the outlet's label (the graph's name for it), else its node's.
fn outlet_name(model: &InferenceModel, outlet: OutletId) -> String {
    match model.outlet_label(outlet) {
        Some(label) => label.to_owned(),
        None => model.node(outlet.node).name.clone(),
    }
}

/// An element type as ONNX and numpy name it.
fn datatype(dt: DatumType) -> String {
    match dt {
        DatumType::Bool => "bool".to_owned(),
        DatumType::U8 => "uint8".to_owned(),
        DatumType::U16 => "uint16".to_owned(),
        DatumType::U32 => "uint32".to_owned(),
        DatumType::U64 => "uint64".to_owned(),
        DatumType::I8 => "int8".to_owned(),
        DatumType::I16 => "int16".to_owned(),
        DatumType::I32 => "int32".to_owned(),
        DatumType::I64 => "int64".to_owned(),
        DatumType::F16 => "float16".to_owned(),
        DatumType::F32 => "float32".to_owned(),
        DatumType::F64 => "float64".to_owned(),
        DatumType::String => "string".to_owned(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Runs `f`, turning a panic into its message (tract asserts on some malformed graphs).
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned())
    })
}
