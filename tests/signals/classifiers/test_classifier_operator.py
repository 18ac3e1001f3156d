"""Operator classifiers on tiny hand-made ONNX models: every expected score computed by hand."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest
from classifier_models import IDENTITY, channel_mean_model, uniform, write_config

from consentry.errors import ConsentryError
from consentry.signals.classifiers import (
    available_classifiers,
    classifier_inspector,
    load_operator_classifier,
    load_operator_classifiers,
)
from consentry.signals.classifiers.base import load_model
from consentry.signals.findings import CLASSIFIER, Subject

RED, BLUE = (255, 0, 0), (0, 0, 255)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def scores(inspector, rgb: tuple[int, int, int]) -> dict[str, float]:
    (finding,) = inspector.inspect(Subject(data=b"", format="png", image=uniform(rgb)))
    assert finding.error is None, finding.error
    return dict(finding.labels)


@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_softmax_red_and_blue(tmp_path: Path, layout: str) -> None:
    channel_mean_model(tmp_path / "colour.onnx", layout=layout)
    inspector = load_operator_classifier(write_config(tmp_path, layout=layout))
    # Channel means (1, 0, 0) -> logits (1, -1) -> softmax red = 1 / (1 + e^-2).
    assert scores(inspector, RED) == pytest.approx({"red": sigmoid(2), "blue": sigmoid(-2)})
    assert scores(inspector, BLUE) == pytest.approx({"red": sigmoid(-2), "blue": sigmoid(2)})


def test_finding_fields(model_folder: Path) -> None:
    inspector = load_operator_classifier(write_config(model_folder))
    (finding,) = inspector.inspect(Subject(data=b"", format="png", image=uniform(RED)))
    assert inspector.name == "colour"
    assert finding.signal == CLASSIFIER and finding.source == "colour"
    assert finding.score == pytest.approx(sigmoid(2))  # score_label = "red"
    digest = load_model(model_folder / "colour.onnx").sha256[:12]
    assert finding.evidence == {"model": "colour.onnx", "sha256": digest}
    assert inspector.inspect(Subject(data=b"", format="mp3")) == []


def test_sigmoid(model_folder: Path) -> None:
    inspector = load_operator_classifier(write_config(model_folder, output="sigmoid"))
    assert scores(inspector, RED) == pytest.approx({"red": sigmoid(1), "blue": sigmoid(-1)})


def test_channel_order_decides_the_label(model_folder: Path) -> None:
    rgb = load_operator_classifier(write_config(model_folder, channels="RGB"))
    bgr = load_operator_classifier(write_config(model_folder, "bgr.toml", channels="BGR"))
    assert scores(rgb, RED)["red"] > 0.5 > scores(rgb, BLUE)["red"]
    # The same red picture fed blue-first looks blue to the model.
    assert scores(bgr, RED)["blue"] > 0.5 > scores(bgr, BLUE)["blue"]


@pytest.mark.parametrize(
    ("channels", "mean", "std", "expected"),
    [
        ("RGB", [0, 0, 0], [1, 1, 1], [0.2, 0.4, 0.8]),
        ("BGR", [0, 0, 0], [1, 1, 1], [0.8, 0.4, 0.2]),
        # (0.2 - 0.1) / 1, (0.4 - 0.2) / 2, (0.8 - 0.3) / 4
        ("RGB", [0.1, 0.2, 0.3], [1, 2, 4], [0.1, 0.1, 0.125]),
        # mean and std are in the model's channel order: (0.8 - 0.1) / 1, ..., (0.2 - 0) / 4
        ("BGR", [0.1, 0.2, 0.0], [1, 2, 4], [0.7, 0.1, 0.05]),
    ],
)
def test_scale_mean_std_and_order_exactly(
    tmp_path: Path, channels: str, mean: list[float], std: list[float], expected: list[float]
) -> None:
    channel_mean_model(tmp_path / "colour.onnx", weights=IDENTITY)
    config = write_config(
        tmp_path,
        labels=["c0", "c1", "c2"],
        score_label="c2",
        output="probabilities",
        channels=channels,
        mean=mean,
        std=std,
    )
    inspector = load_operator_classifier(config)
    got = scores(inspector, (51, 102, 204))
    assert [got["c0"], got["c1"], got["c2"]] == pytest.approx(expected, abs=1e-5)


def test_probabilities_outside_0_1_are_an_error_finding(tmp_path: Path) -> None:
    channel_mean_model(tmp_path / "colour.onnx", weights=IDENTITY)
    config = write_config(
        tmp_path, labels=["c0", "c1", "c2"], score_label="c0", output="probabilities", scale=1
    )
    inspector = load_operator_classifier(config)
    (finding,) = inspector.inspect(Subject(data=b"", format="png", image=uniform((51, 0, 0))))
    assert finding.score is None
    assert finding.error is not None and finding.error.startswith("classifier-output: ")
    assert "outside 0..1" in finding.error


def test_batch_equals_single_and_keeps_order(model_folder: Path) -> None:
    inspector = load_operator_classifier(write_config(model_folder))
    rng = np.random.default_rng(4)
    images: list[np.ndarray | None] = [
        uniform(tuple(int(v) for v in rng.integers(0, 256, 3)), (5 + i, 9 + 2 * i))
        for i in range(20)
    ]
    images[3] = None
    subjects = [Subject(data=b"", format="png", image=image) for image in images]
    batched = inspector.inspect_many(subjects)
    assert batched[3] == []
    for index, one in enumerate(subjects):
        if one.image is not None:
            assert batched[index][0].labels == pytest.approx(inspector.inspect(one)[0].labels)


def test_fixed_batch_of_one_and_fixed_size(tmp_path: Path) -> None:
    channel_mean_model(tmp_path / "colour.onnx", input_shape=[1, 3, 8, 8])
    inspector = load_operator_classifier(write_config(tmp_path))
    assert inspector.batch_size == 1
    results = inspector.inspect_many(
        [Subject(data=b"", format="png", image=uniform(c)) for c in (RED, BLUE, RED)]
    )
    assert [r[0].labels["red"] > 0.5 for r in results] == [True, False, True]


def test_output_name_picks_one_of_several(tmp_path: Path) -> None:
    channel_mean_model(tmp_path / "colour.onnx", extra_output=True)
    inspector = load_operator_classifier(write_config(tmp_path, output_name="logits"))
    assert scores(inspector, RED)["red"] == pytest.approx(sigmoid(2))
    means = load_operator_classifier(
        write_config(
            tmp_path,
            "means.toml",
            name="means",
            output_name="means_out",
            labels=["r", "g", "b"],
            score_label="b",
            output="probabilities",
        )
    )
    assert scores(means, BLUE) == pytest.approx({"r": 0.0, "g": 0.0, "b": 1.0})


def test_folder_loads_every_toml_in_name_order(model_folder: Path) -> None:
    write_config(model_folder, "b.toml", name="second")
    write_config(model_folder, "a.toml", name="first")
    (model_folder / "notes.txt").write_text("not a config")
    names = [inspector.name for inspector in load_operator_classifiers(model_folder)]
    assert names == ["first", "second"]
    files = [model_folder / "b.toml", str(model_folder / "a.toml")]
    assert [i.name for i in load_operator_classifiers(files)] == ["second", "first"]


def test_two_configs_with_one_name_are_refused(model_folder: Path) -> None:
    write_config(model_folder, "a.toml", name="same")
    write_config(model_folder, "b.toml", name="same")
    with pytest.raises(ConsentryError) as caught:
        load_operator_classifiers(model_folder)
    assert caught.value.code == "invalid-classifier-config"
    assert "b.toml" in caught.value.message and "a.toml" in caught.value.message


def test_missing_config_path(tmp_path: Path) -> None:
    with pytest.raises(ConsentryError) as caught:
        load_operator_classifiers(tmp_path / "nowhere")
    assert caught.value.code == "invalid-classifier-config"
    assert "no such file or folder" in caught.value.message


def test_registry(model_folder: Path) -> None:
    assert set(available_classifiers()) == {"nudity", "nudenet"}
    assert classifier_inspector("nudity").name == "nudity"
    assert classifier_inspector("nudenet").name == "nudenet"
    write_config(model_folder)
    found = classifier_inspector("colour", operator_configs=[model_folder])
    assert found.name == "colour"
    with pytest.raises(ConsentryError) as caught:
        classifier_inspector("deepfake", operator_configs=model_folder)
    assert caught.value.code == "unknown-classifier"
    assert "colour, nudenet, nudity" in caught.value.message


def test_inspectors_can_be_sent_to_worker_processes(model_folder: Path) -> None:
    """They hold paths and settings, not sessions: each process loads its own."""
    for inspector in (
        load_operator_classifier(write_config(model_folder)),
        classifier_inspector("nudity"),
        classifier_inspector("nudenet"),
    ):
        copy = pickle.loads(pickle.dumps(inspector))
        assert copy.name == inspector.name
    copy = pickle.loads(pickle.dumps(load_operator_classifier(write_config(model_folder))))
    assert scores(copy, RED)["red"] == pytest.approx(sigmoid(2))
