//! The ML backend (`workloads::ml::model`) against the committed digits model: tract
//! reproduces onnxruntime's held-out accuracy and labels (from `runner/models/digits.json`,
//! written by `scripts/train-model.py`), one plan serves any batch size, and bad input
//! or a bad file is an error that names it.

use std::path::PathBuf;

use perfproof::workloads::ml::model::{Dim, Model, ModelError, TensorSpec, DIGITS_NAME, DIGITS_ONNX};
use serde::Deserialize;

#[derive(Deserialize)]
struct Digits {
    model: String,
    sha256: String,
    inputs: Vec<Spec>,
    outputs: Vec<Spec>,
    accuracy: Accuracy,
    versions: serde_json::Map<String, serde_json::Value>,
    test: Samples,
}

#[derive(Deserialize)]
struct Spec {
    name: String,
    shape: Vec<serde_json::Value>,
    datatype: String,
}

#[derive(Deserialize)]
struct Accuracy {
    runtime: String,
    correct: usize,
    total: usize,
    accuracy: f64,
}

#[derive(Deserialize)]
struct Samples {
    features: Vec<Vec<f32>>,
    labels: Vec<i64>,
    onnxruntime_labels: Vec<i64>,
}

fn digits_json() -> Digits {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/digits.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn spec_of(spec: &Spec) -> TensorSpec {
    let shape = spec
        .shape
        .iter()
        .map(|dim| match dim {
            serde_json::Value::String(name) => Dim::Batch(name.clone()),
            serde_json::Value::Number(n) => Dim::Fixed(n.as_u64().expect("a size") as usize),
            other => panic!("a dimension is a name or a size, not {other}"),
        })
        .collect();
    TensorSpec { name: spec.name.clone(), shape, datatype: spec.datatype.clone() }
}

#[test]
fn the_embedded_model_is_the_committed_file_and_json_describes_it() {
    let on_disk = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/digits.onnx")).unwrap();
    assert_eq!(on_disk, DIGITS_ONNX, "the embedded bytes are runner/models/digits.onnx");

    let digits = digits_json();
    assert_eq!(digits.model, "digits");
    assert_eq!(digits.sha256.len(), 64, "the model file's SHA-256, recorded by the training script");
    for package in ["scikit-learn", "skl2onnx", "onnx", "onnxruntime"] {
        assert!(digits.versions.contains_key(package), "digits.json records the {package} version");
    }

    let model = Model::digits().expect("the embedded model loads");
    assert_eq!(model.name(), DIGITS_NAME);
    let inputs: Vec<TensorSpec> = digits.inputs.iter().map(spec_of).collect();
    let outputs: Vec<TensorSpec> = digits.outputs.iter().map(spec_of).collect();
    assert_eq!(std::slice::from_ref(model.input()), &inputs[..]);
    assert_eq!(model.outputs(), &outputs[..]);
    assert_eq!(model.input().to_string(), "input float32 [N, 64]");
    assert_eq!(model.label_output().to_string(), "label int64 [N]");
    assert_eq!(model.probabilities_output().to_string(), "probabilities float32 [N, 10]");
    assert_eq!((model.features(), model.classes()), (64, 10));
}

#[test]
fn tract_reproduces_onnxruntimes_held_out_accuracy_and_labels() {
    let digits = digits_json();
    let samples = &digits.test;
    assert_eq!(samples.features.len(), digits.accuracy.total);
    assert_eq!(samples.labels.len(), digits.accuracy.total);
    assert_eq!(digits.accuracy.runtime, "onnxruntime");

    let model = Model::digits().unwrap();
    let prediction = model.predict(&samples.features).unwrap();
    assert_eq!(prediction.labels.len(), samples.labels.len());

    let correct = prediction.labels.iter().zip(&samples.labels).filter(|(got, want)| got == want).count();
    let accuracy = correct as f64 / samples.labels.len() as f64;
    eprintln!(
        "held-out accuracy: tract {correct}/{} = {accuracy:.4}, onnxruntime {}/{} = {:.4}",
        samples.labels.len(),
        digits.accuracy.correct,
        digits.accuracy.total,
        digits.accuracy.accuracy
    );
    assert_eq!(correct, digits.accuracy.correct, "tract's correct predictions = onnxruntime's");
    assert_eq!(accuracy, digits.accuracy.accuracy);

    // Not only as many right: the same label for every sample.
    let differing: Vec<usize> =
        (0..samples.labels.len()).filter(|&i| prediction.labels[i] != samples.onnxruntime_labels[i]).collect();
    assert!(differing.is_empty(), "tract and onnxruntime disagree on samples {differing:?}");

    // Each row of probabilities is a distribution whose most likely class is the label.
    for (i, (row, label)) in prediction.probabilities.iter().zip(&prediction.labels).enumerate() {
        assert_eq!(row.len(), 10);
        let sum: f32 = row.iter().sum();
        assert!((sum - 1.0).abs() < 1e-4, "sample {i}: probabilities sum to {sum}");
        assert!(row.iter().all(|p| (0.0..=1.0).contains(p)), "sample {i}: {row:?}");
        let best = (0..row.len()).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
        assert_eq!(best as i64, *label, "sample {i}: the label is the most likely class");
    }
}

#[test]
fn one_plan_gives_the_same_answers_in_batches_of_one_and_of_32() {
    let digits = digits_json();
    let features = &digits.test.features;
    let model = Model::digits().unwrap();

    let mut ones = Vec::new();
    for sample in features {
        ones.push(model.predict(std::slice::from_ref(sample)).unwrap());
    }
    // 450 = 14 × 32 + 2: the last batch is a short one.
    let thirty_twos: Vec<_> = features.chunks(32).map(|batch| model.predict(batch).unwrap()).collect();
    assert_eq!(thirty_twos.len(), 15);
    assert_eq!(thirty_twos.last().unwrap().labels.len(), 2);

    let one_labels: Vec<i64> = ones.iter().flat_map(|p| p.labels.clone()).collect();
    let batch_labels: Vec<i64> = thirty_twos.iter().flat_map(|p| p.labels.clone()).collect();
    assert_eq!(one_labels, batch_labels);
    assert_eq!(batch_labels, model.predict(features).unwrap().labels, "and as one batch of 450");

    let one_rows = ones.iter().flat_map(|p| p.probabilities.clone());
    let batch_rows = thirty_twos.iter().flat_map(|p| p.probabilities.clone());
    for (i, (a, b)) in one_rows.zip(batch_rows).enumerate() {
        let gap = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(gap <= 1e-6, "sample {i}: probabilities differ by {gap} between batch sizes");
    }

    // Clones share the plan and can run from other threads.
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Model>();
    let shared = model.clone();
    let first = features[0].clone();
    let label = std::thread::spawn(move || shared.predict(&[first]).unwrap().labels[0]).join().unwrap();
    assert_eq!(label, batch_labels[0]);
    assert!(model.predict::<Vec<f32>>(&[]).unwrap().labels.is_empty(), "an empty batch is empty");
}

#[test]
fn a_sample_of_the_wrong_width_is_an_error_naming_it() {
    let model = Model::digits().unwrap();
    let mut batch = vec![vec![0.0f32; 64]; 3];
    batch[2].pop();
    let err = model.predict(&batch).unwrap_err();
    assert!(matches!(err, ModelError::InputWidth { index: 2, width: 63, expected: 64, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the embedded model runner/models/digits.onnx: sample 2 of the batch has 63 features, \
         but the input `input` takes 64"
    );
    let err = model.predict(&[vec![1.0f32; 65]]).unwrap_err();
    assert!(err.to_string().contains("sample 0 of the batch has 65 features"), "{err}");
}

#[test]
fn a_garbage_or_missing_model_file_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();

    let garbage = dir.path().join("garbage.onnx");
    std::fs::write(&garbage, b"this is not an ONNX model\n\x00\xff\x13\x37").unwrap();
    let err = Model::from_path(&garbage).unwrap_err();
    assert!(matches!(err, ModelError::Load { .. }), "{err:?}");
    let message = err.to_string();
    eprintln!("{message}");
    assert!(
        message.starts_with(&format!("{} is not an ONNX model that tract can run:", garbage.display())),
        "{message}"
    );

    // The real model cut in half: protobuf that ends early.
    let truncated = dir.path().join("truncated.onnx");
    std::fs::write(&truncated, &DIGITS_ONNX[..DIGITS_ONNX.len() / 2]).unwrap();
    let err = Model::from_path(&truncated).unwrap_err();
    eprintln!("{err}");
    assert!(err.to_string().contains(&truncated.display().to_string()), "{err}");

    let empty = dir.path().join("empty.onnx");
    std::fs::write(&empty, b"").unwrap();
    let err = Model::from_path(&empty).unwrap_err();
    eprintln!("{err}");
    assert!(err.to_string().contains(&empty.display().to_string()), "{err}");

    let missing = dir.path().join("missing.onnx");
    let err = Model::from_path(&missing).unwrap_err();
    assert!(matches!(err, ModelError::Read { .. }), "{err:?}");
    assert!(err.to_string().starts_with(&format!("cannot read the model file {}:", missing.display())), "{err}");

    // The real file from its path loads as the embedded bytes do.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/digits.onnx");
    let model = Model::from_path(&path).unwrap();
    assert_eq!(model.name(), path.display().to_string());
    assert_eq!(model.input().to_string(), "input float32 [N, 64]");
}

/// The digits model, changed by `edit`, as ONNX bytes.
fn edited_digits(edit: impl FnOnce(&mut tract_onnx::pb::GraphProto)) -> Vec<u8> {
    use prost::Message;
    let mut model = tract_onnx::pb::ModelProto::decode(DIGITS_ONNX).expect("the digits model decodes");
    edit(model.graph.as_mut().expect("a graph"));
    model.encode_to_vec()
}

fn tensor_type(value: &mut tract_onnx::pb::ValueInfoProto) -> &mut tract_onnx::pb::type_proto::Tensor {
    match value.r#type.as_mut().and_then(|t| t.value.as_mut()) {
        Some(tract_onnx::pb::type_proto::Value::TensorType(tensor)) => tensor,
        None => panic!("`{}` has no tensor type", value.name),
    }
}

#[test]
fn a_model_without_a_classifiers_interface_is_an_error_saying_what_differs() {
    // A float64 input.
    let bytes = edited_digits(|graph| tensor_type(&mut graph.input[0]).elem_type = 11);
    let err = Model::from_bytes("double.onnx", &bytes).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ModelError::Interface { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "double.onnx is not a classifier this backend can run: the input `input` is float64, not float32"
    );

    // Only the labels as output.
    let bytes = edited_digits(|graph| {
        graph.output.pop();
    });
    let err = Model::from_bytes("labels-only.onnx", &bytes).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ModelError::Interface { .. }), "{err:?}");
    assert!(err.to_string().ends_with("this one has: label int64 [N]"), "{err}");

    // An operator tract does not know.
    let bytes = edited_digits(|graph| graph.node[0].op_type = "NoSuchClassifier".to_owned());
    let err = Model::from_bytes("unknown-op.onnx", &bytes).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ModelError::Load { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "unknown-op.onnx is not an ONNX model that tract can run: \
         node `LinearClassifier` uses the operator ai.onnx.ml:NoSuchClassifier, which tract does not support"
    );

    // A graph output that names no value (tract would panic on it).
    let bytes = edited_digits(|graph| graph.output[0].name = "nowhere".to_owned());
    let err = Model::from_bytes("dangling-output.onnx", &bytes).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err, ModelError::Load { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "dangling-output.onnx is not an ONNX model that tract can run: \
         the graph output `nowhere` is not produced by any node"
    );
}

#[test]
fn a_file_with_a_fixed_batch_still_runs_any_batch_size() {
    use tract_onnx::pb::tensor_shape_proto::{dimension::Value, Dimension};
    let bytes = edited_digits(|graph| {
        for value in graph.input.iter_mut().chain(graph.output.iter_mut()) {
            let shape = tensor_type(value).shape.as_mut().expect("a shape");
            shape.dim[0] = Dimension { value: Some(Value::DimValue(1)), ..Dimension::default() };
        }
    });
    let model = Model::from_bytes("batch-of-one.onnx", &bytes).unwrap();
    assert_eq!(model.input().to_string(), "input float32 [N, 64]", "the batch is made symbolic");
    let features = &digits_json().test.features[..32];
    assert_eq!(model.predict(features).unwrap(), Model::digits().unwrap().predict(features).unwrap());
}
