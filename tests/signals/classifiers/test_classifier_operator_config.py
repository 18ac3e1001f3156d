"""Broken operator classifier configs: each is refused up front, naming the file, key, problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from classifier_models import channel_mean_model, flat_input_model, write_config
from onnx import TensorProto

from consentry.errors import ConsentryError
from consentry.signals.classifiers import load_operator_classifier


def refusal(path: Path) -> str:
    with pytest.raises(ConsentryError) as caught:
        load_operator_classifier(path)
    assert caught.value.code == "invalid-classifier-config"
    assert str(path) in caught.value.message
    return caught.value.message


BROKEN: list[tuple[str, dict[str, Any], str, str]] = [
    ("missing", {"labels": None}, "labels", "missing"),
    ("unknown", {"threshold": 0.5}, "threshold", "unknown key (valid keys: name, model"),
    ("name-type", {"name": 7}, "name", "must be a non-empty string, got 7"),
    ("name-empty", {"name": ""}, "name", "must be a non-empty string"),
    ("name-chars", {"name": "Deep Fake"}, "name", "lowercase letters"),
    ("name-built-in", {"name": "nudity"}, "name", "taken by a built-in"),
    ("name-all", {"name": "all"}, "name", "taken by a built-in"),
    ("model-type", {"model": ["a.onnx"]}, "model", "must be a non-empty string"),
    ("size-text", {"input_size": "224x224"}, "input_size", "must be [width, height]"),
    ("size-three", {"input_size": [8, 8, 3]}, "input_size", "must be [width, height]"),
    ("size-zero", {"input_size": [0, 8]}, "input_size", "whole numbers 1..4096"),
    ("size-float", {"input_size": [8.5, 8]}, "input_size", "whole numbers"),
    ("size-huge", {"input_size": [8, 100000]}, "input_size", "1..4096"),
    ("layout", {"layout": "NCWH"}, "layout", 'must be one of "NCHW", "NHWC", got \'NCWH\''),
    ("channels", {"channels": "RGBA"}, "channels", 'must be one of "RGB", "BGR"'),
    ("scale-text", {"scale": "255"}, "scale", "must be a positive number, got '255'"),
    ("scale-zero", {"scale": 0}, "scale", "must be a positive number, got 0"),
    ("scale-bool", {"scale": True}, "scale", "must be a positive number"),
    ("mean-short", {"mean": [0.5, 0.5]}, "mean", "must be a list of 3 numbers"),
    ("mean-text", {"mean": ["a", 0, 0]}, "mean", "must be a list of 3 numbers (one per"),
    ("mean-nan", {"mean": [0, 0, float("nan")]}, "mean", "must be a list of 3 numbers"),
    ("std-zero", {"std": [1, 0, 1]}, "std", "must be a list of 3 positive numbers"),
    ("labels-text", {"labels": "fake"}, "labels", "must be a non-empty list of strings"),
    ("labels-empty", {"labels": []}, "labels", "must be a non-empty list of strings"),
    ("labels-mixed", {"labels": ["real", 1]}, "labels", "must hold only non-empty strings"),
    ("labels-repeat", {"labels": ["red", "red"]}, "labels", "must not repeat a label"),
    ("output", {"output": "logits"}, "output", '"softmax", "sigmoid", "probabilities"'),
    (
        "score-label",
        {"score_label": "fake"},
        "score_label",
        "must be one of the labels (red, blue)",
    ),
    ("output-name-type", {"output_name": 3}, "output_name", "must be a string, got 3"),
]


@pytest.mark.parametrize(
    ("changes", "key", "problem"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_bad_values(model_folder: Path, changes: dict[str, Any], key: str, problem: str) -> None:
    message = refusal(write_config(model_folder, **changes))
    assert f"key `{key}`: " in message
    assert problem in message


def test_bad_toml_says_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "colour"\nmodel = "colour.onnx"\nlayout = NCHW\n')
    message = refusal(path)
    assert "is not valid TOML" in message and "line 3" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    assert "is not UTF-8 text" in refusal(path)


def test_unreadable_config(tmp_path: Path) -> None:
    assert "cannot be read" in refusal(tmp_path / "absent.toml")


def test_model_file_missing(tmp_path: Path) -> None:
    message = refusal(write_config(tmp_path, model="models/absent.onnx"))
    assert "key `model`: model file not found: " in message
    assert str(tmp_path / "models" / "absent.onnx") in message


def test_model_path_is_relative_to_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "configs").mkdir()
    channel_mean_model(tmp_path / "models" / "colour.onnx")
    config = write_config(tmp_path / "configs", model="../models/colour.onnx")
    assert load_operator_classifier(config).name == "colour"


def test_corrupt_model_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "colour.onnx").write_bytes(np.random.default_rng(1).bytes(4096))
    message = refusal(write_config(tmp_path))
    assert "key `model`: " in message and "is not a loadable ONNX model" in message


def test_empty_model_file(tmp_path: Path) -> None:
    (tmp_path / "colour.onnx").write_bytes(b"")
    assert "is not a loadable ONNX model" in refusal(write_config(tmp_path))


def test_input_of_the_wrong_rank(tmp_path: Path) -> None:
    flat_input_model(tmp_path / "colour.onnx")
    message = refusal(write_config(tmp_path))
    assert "key `layout`: " in message
    assert "has shape [?, 3]; layout NCHW needs rank 4 [N, 3, 8, 8]" in message


def test_input_in_the_other_layout(tmp_path: Path) -> None:
    channel_mean_model(tmp_path / "colour.onnx", layout="NHWC", input_shape=["N", 8, 8, 3])
    message = refusal(write_config(tmp_path, layout="NCHW"))
    assert "key `layout`: " in message
    assert "[?, 8, 8, 3], which does not fit layout NCHW" in message


def test_input_of_another_size(tmp_path: Path) -> None:
    channel_mean_model(tmp_path / "colour.onnx", input_shape=["N", 3, 16, 16])
    message = refusal(write_config(tmp_path, input_size=[8, 8]))
    assert "key `input_size`: " in message
    assert "with input_size [8, 8] (expected [N, 3, 8, 8])" in message


def test_dynamic_dims_fit_any_size(tmp_path: Path) -> None:
    channel_mean_model(tmp_path / "colour.onnx", input_shape=["N", 3, "H", 16])
    assert load_operator_classifier(write_config(tmp_path, input_size=[16, 40])).name == "colour"


def test_fixed_batch_above_one(tmp_path: Path) -> None:
    channel_mean_model(tmp_path / "colour.onnx", input_shape=[4, 3, 8, 8])
    message = refusal(write_config(tmp_path))
    assert "key `model`: " in message and "a fixed batch of 4" in message


def test_non_float_input(tmp_path: Path) -> None:
    channel_mean_model(tmp_path / "colour.onnx", input_type=TensorProto.UINT8)
    message = refusal(write_config(tmp_path))
    assert "key `model`: " in message and "tensor(uint8)" in message


def test_output_count_differs_from_labels(model_folder: Path) -> None:
    message = refusal(write_config(model_folder, labels=["red", "green", "blue"]))
    assert "key `labels`: " in message
    assert "output `logits` has 2 values per picture but 3 labels are listed" in message


def test_several_outputs_need_output_name(tmp_path: Path) -> None:
    channel_mean_model(tmp_path / "colour.onnx", extra_output=True)
    message = refusal(write_config(tmp_path))
    assert "key `output_name`: the model has 2 outputs (logits, means_out)" in message
    message = refusal(write_config(tmp_path, output_name="probs"))
    assert "key `output_name`: the model has no output `probs`" in message
