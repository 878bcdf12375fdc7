#!/usr/bin/env python3
"""Trains the digits classifier that the runner's ML backend serves, and writes
runner/models/digits.onnx and runner/models/digits.json.

Run it through scripts/train-model.sh, which provides the pinned packages.

- Data: scikit-learn's bundled digits (1797 images of 8x8 pixels, 64 features valued
  0-16, 10 classes), nothing downloaded. A stratified split keeps 25 % for testing.
- Model: multinomial logistic regression on the raw pixels, exported by skl2onnx as one
  `LinearClassifier` (softmax) and an L1 `Normalizer` (both ai.onnx.ml), without ZipMap,
  so the outputs are plain tensors:
  `label` int64 [N] and `probabilities` float32 [N, 10] for `input` float32 [N, 64].
  A linear model on the raw features keeps the graph to ops that pure-Rust runtimes
  (tract) support: no Scaler, no ArrayFeatureExtractor.
- Accuracy is measured on the test split by onnxruntime running the exported file, not
  by scikit-learn, and the test samples are stored beside it with onnxruntime's label
  for each, so the Rust side can check it gets the same answers.
"""

import argparse
import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import scipy
import skl2onnx
import sklearn
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

SEED = 0
TEST_SIZE = 0.25
BATCH = "N"  # the symbolic batch dimension's name in the ONNX file
OPSET = {"": 17, "ai.onnx.ml": 3}

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "runner" / "models")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)

    digits = load_digits()
    x = digits.data.astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_SIZE, random_state=SEED, stratify=y
    )

    classifier = LogisticRegression(max_iter=5000, random_state=SEED)
    classifier.fit(x_train, y_train)
    sklearn_accuracy = float(classifier.score(x_test, y_test))

    onx = convert_sklearn(
        classifier,
        name="digits",
        initial_types=[("input", FloatTensorType([None, x.shape[1]]))],
        final_types=None,
        options={id(classifier): {"zipmap": False}},
        target_opset=OPSET,
    )
    # Name the batch dimension (skl2onnx leaves it unnamed) and check the interface.
    for value in list(onx.graph.input) + list(onx.graph.output):
        dim = value.type.tensor_type.shape.dim[0]
        dim.ClearField("dim_value")
        dim.dim_param = BATCH
    # skl2onnx lists the default domain twice; once is enough.
    opsets = {}
    for entry in onx.opset_import:
        opsets[entry.domain] = max(opsets.get(entry.domain, 0), entry.version)
    del onx.opset_import[:]
    for domain, version in sorted(opsets.items()):
        onx.opset_import.add(domain=domain, version=version)
    onx.doc_string = "Digits classifier (scikit-learn LogisticRegression), trained by scripts/train-model.py"
    onnx.checker.check_model(onx, full_check=True)
    interface = describe(onx)
    expected = {
        "inputs": [{"name": "input", "shape": [BATCH, 64], "datatype": "float32"}],
        "outputs": [
            {"name": "label", "shape": [BATCH], "datatype": "int64"},
            {"name": "probabilities", "shape": [BATCH, 10], "datatype": "float32"},
        ],
    }
    if interface != expected:
        sys.exit(f"train-model: unexpected interface {interface}, wanted {expected}")

    model_bytes = onx.SerializeToString()
    model_path = args.out_dir / "digits.onnx"
    model_path.write_bytes(model_bytes)

    # Accuracy as onnxruntime measures it, on the file just written.
    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    labels, probabilities = session.run(["label", "probabilities"], {"input": x_test})
    if not np.array_equal(labels, probabilities.argmax(axis=1)):
        sys.exit("train-model: onnxruntime's labels are not the argmax of its probabilities")
    correct = int((labels == y_test).sum())
    accuracy = correct / len(y_test)

    document = {
        "model": "digits",
        "description": "Handwritten digit (0-9) from an 8x8 grey image; features are the 64 pixels, "
        "row by row, valued 0-16 as float32.",
        "file": "digits.onnx",
        "sha256": hashlib.sha256(model_bytes).hexdigest(),
        "classifier": {
            "kind": "sklearn.linear_model.LogisticRegression",
            "params": {"max_iter": 5000, "random_state": SEED},
            "onnx_ops": sorted({f"{n.domain or 'ai.onnx'}:{n.op_type}" for n in onx.graph.node}),
            "opset": {entry.domain or "ai.onnx": entry.version for entry in onx.opset_import},
        },
        "dataset": {
            "name": "sklearn.datasets.load_digits",
            "samples": int(len(y)),
            "split": {"test_size": TEST_SIZE, "random_state": SEED, "stratify": True},
            "train_samples": int(len(y_train)),
            "test_samples": int(len(y_test)),
        },
        **interface,
        "accuracy": {
            "runtime": "onnxruntime",
            "correct": correct,
            "total": int(len(y_test)),
            "accuracy": accuracy,
            "sklearn": sklearn_accuracy,
        },
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "skl2onnx": skl2onnx.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
        "test": {
            # The pixels are whole numbers 0-16, so the floats are exact in any format.
            "features": [[float(v) for v in row] for row in x_test],
            "labels": [int(v) for v in y_test],
            "onnxruntime_labels": [int(v) for v in labels],
        },
    }
    json_path = args.out_dir / "digits.json"
    json_path.write_text(to_json(document))

    print(
        f"train-model: {model_path} ({len(model_bytes)} bytes), {json_path} ({json_path.stat().st_size} bytes); "
        f"held-out accuracy {correct}/{len(y_test)} = {accuracy:.4f} (onnxruntime), "
        f"{sklearn_accuracy:.4f} (scikit-learn)"
    )
    return 0


def to_json(document: dict) -> str:
    """Indented JSON, but each test sample's 64 features on one line and each list of
    labels on one line (a diffable file of about 100 KB instead of one number a line)."""
    test = document["test"]
    compact = {key: f"@{key}@" for key in test}
    text = json.dumps({**document, "test": compact}, indent=1)
    for key, value in test.items():
        if key == "features":
            inline = "[\n  " + ",\n  ".join(json.dumps(row, separators=(",", ":")) for row in value) + "\n ]"
        else:
            inline = json.dumps(value, separators=(",", ":"))
        text = text.replace(json.dumps(compact[key]), inline)
    return text + "\n"


def describe(model: onnx.ModelProto) -> dict:
    """The graph's inputs and outputs: name, shape (symbolic dims by name), datatype."""

    def one(value: onnx.ValueInfoProto) -> dict:
        tensor = value.type.tensor_type
        shape = [d.dim_param if d.HasField("dim_param") else d.dim_value for d in tensor.shape.dim]
        datatype = onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type).name
        return {"name": value.name, "shape": shape, "datatype": datatype}

    return {
        "inputs": [one(v) for v in model.graph.input],
        "outputs": [one(v) for v in model.graph.output],
    }


if __name__ == "__main__":
    sys.exit(main())
