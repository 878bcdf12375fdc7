//! The ML inference workload (groundwork): an ONNX classifier run in process by tract,
//! a pure-Rust runtime, with the committed digits model (`runner/models/digits.onnx`,
//! made by `scripts/train-model.sh`) embedded as the default target. No plan, section
//! or report part yet: [`model`] loads a model, describes its interface and classifies
//! batches of samples.

pub mod model;
