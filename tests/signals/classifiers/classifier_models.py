"""Tiny ONNX models and config files for the operator classifier tests.

The model averages each input channel over the picture and maps the three means to outputs
with a fixed matrix (``outputs = means @ weights + bias``), so every expected score can be
computed by hand from a uniformly coloured picture.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Logits (red - blue, blue - red): a red picture says "red", a blue one says "blue".
RED_VS_BLUE = np.array([[1.0, -1.0], [0.0, 0.0], [-1.0, 1.0]], dtype=np.float32)
IDENTITY = np.eye(3, dtype=np.float32)

Dim = int | str


def channel_mean_model(
    path: Path,
    *,
    layout: str = "NCHW",
    weights: np.ndarray = RED_VS_BLUE,
    bias: np.ndarray | None = None,
    input_shape: list[Dim] | None = None,
    input_type: int = TensorProto.FLOAT,
    extra_output: bool = False,
) -> Path:
    """Write the model to ``path``; ``input_shape`` overrides the (dynamic) declared shape."""
    outputs = weights.shape[1]
    if input_shape is None:
        input_shape = ["N", 3, "H", "W"] if layout == "NCHW" else ["N", "H", "W", 3]
    spatial_axes = [2, 3] if layout == "NCHW" else [1, 2]
    bias = np.zeros(outputs, dtype=np.float32) if bias is None else bias
    nodes = []
    source = "image"
    if input_type != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", ["image"], ["image_f"], to=TensorProto.FLOAT))
        source = "image_f"
    nodes += [
        helper.make_node("ReduceMean", [source], ["means"], axes=spatial_axes, keepdims=0),
        helper.make_node("MatMul", ["means", "weights"], ["logits_raw"]),
        helper.make_node("Add", ["logits_raw", "bias"], ["logits"]),
    ]
    graph_outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", outputs])]
    if extra_output:
        nodes.append(helper.make_node("Identity", ["means"], ["means_out"]))
        graph_outputs.append(
            helper.make_tensor_value_info("means_out", TensorProto.FLOAT, ["N", 3])
        )
    graph = helper.make_graph(
        nodes,
        "channel_mean",
        [helper.make_tensor_value_info("image", input_type, input_shape)],
        graph_outputs,
        initializer=[
            numpy_helper.from_array(weights.astype(np.float32), "weights"),
            numpy_helper.from_array(bias.astype(np.float32), "bias"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())
    return path


def flat_input_model(path: Path) -> Path:
    """A model whose input is rank 2 ([N, 3]): it cannot take an image."""
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "weights"], ["y"])],
        "flat",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 2])],
        initializer=[numpy_helper.from_array(RED_VS_BLUE, "weights")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path.write_bytes(model.SerializeToString())
    return path


BASE_CONFIG: dict[str, Any] = {
    "name": "colour",
    "model": "colour.onnx",
    "input_size": [8, 8],
    "layout": "NCHW",
    "channels": "RGB",
    "scale": 255.0,
    "mean": [0.0, 0.0, 0.0],
    "std": [1.0, 1.0, 1.0],
    "labels": ["red", "blue"],
    "output": "softmax",
    "score_label": "red",
}


def toml_value(value: Any) -> str:
    """Strings, numbers, booleans and lists: their JSON form is valid TOML, bar nan and inf."""
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return json.dumps(value)


def toml_text(values: dict[str, Any]) -> str:
    return "".join(f"{key} = {toml_value(value)}\n" for key, value in values.items())


def write_config(folder: Path, file_name: str = "colour.toml", **changes: Any) -> Path:
    """BASE_CONFIG with ``changes`` (a value of None removes the key), written to a file."""
    values = {**BASE_CONFIG, **changes}
    values = {key: value for key, value in values.items() if value is not None}
    path = folder / file_name
    path.write_text(toml_text(values), encoding="utf-8")
    return path


def uniform(rgb: tuple[int, int, int], size: tuple[int, int] = (12, 20)) -> np.ndarray:
    """A (height, width) picture of one colour."""
    return np.full((*size, 3), rgb, dtype=np.uint8)
