"""The shared session helper, thread settings, pixel normalisation and batch error handling."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from classifier_models import channel_mean_model

from consentry.errors import ConsentryError
from consentry.signals.classifiers import base
from consentry.signals.classifiers.base import (
    ONNX_THREADS_ENV,
    BatchedImageInspector,
    as_rgb,
    load_model,
    onnx_threads,
)
from consentry.signals.findings import Finding, Subject


def test_default_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ONNX_THREADS_ENV, raising=False)
    assert onnx_threads() == min(2, os.cpu_count() or 1)


def test_threads_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ONNX_THREADS_ENV, " 3 ")
    assert onnx_threads() == 3


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5"])
def test_bad_thread_setting(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(ONNX_THREADS_ENV, raw)
    with pytest.raises(ConsentryError) as caught:
        onnx_threads()
    assert caught.value.code == "invalid-onnx-threads"
    assert ONNX_THREADS_ENV in caught.value.message and repr(raw) in caught.value.message


def test_sessions_use_the_thread_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ONNX_THREADS_ENV, "1")
    session = load_model(channel_mean_model(tmp_path / "m.onnx")).session
    options = session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.inter_op_num_threads == 1
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert session.get_providers() == ["CPUExecutionProvider"]


def test_one_session_per_model_even_under_concurrency(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = channel_mean_model(tmp_path / "m.onnx")
    created: list[object] = []
    real = ort.InferenceSession

    def counting(*args: object, **kwargs: object) -> ort.InferenceSession:
        session = real(*args, **kwargs)
        created.append(session)
        return session

    monkeypatch.setattr(base.ort, "InferenceSession", counting)
    start = threading.Barrier(8)
    loaded: list[base.LoadedModel] = []

    def load() -> None:
        start.wait()
        loaded.append(load_model(path))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(created) == 1
    assert all(model is loaded[0] for model in loaded)
    assert load_model(tmp_path / "sub" / ".." / "m.onnx") is loaded[0]


def test_a_forked_process_starts_its_own_sessions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = channel_mean_model(tmp_path / "m.onnx")
    first = load_model(path)
    monkeypatch.setattr(base, "_models_pid", -1)  # as if this were a forked child
    assert load_model(path) is not first


def test_digest_is_the_files(tmp_path: Path) -> None:
    import hashlib

    path = channel_mean_model(tmp_path / "m.onnx")
    model = load_model(path)
    assert model.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert model.short_digest == model.sha256[:12]


def test_as_rgb_normalises_grey_and_alpha() -> None:
    grey = np.array([[0, 128], [255, 7]], dtype=np.uint8)
    assert as_rgb(grey).shape == (2, 2, 3)
    assert np.array_equal(as_rgb(grey)[:, :, 2], grey)
    assert np.array_equal(as_rgb(grey[:, :, np.newaxis]), as_rgb(grey))
    rgba = np.array([[[200, 10, 10, 0], [200, 10, 10, 255]]], dtype=np.uint8)
    # Transparent pixels are white, as consentry.media composites them.
    assert as_rgb(rgba).tolist() == [[[255, 255, 255], [200, 10, 10]]]
    rgb = np.zeros((3, 4, 3), dtype=np.uint8)
    assert as_rgb(rgb) is rgb


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((2, 2, 3), dtype=np.float32),
        np.zeros((2, 2, 2), dtype=np.uint8),
        np.zeros((2, 2, 3, 1), dtype=np.uint8),
        np.zeros((0, 0, 3), dtype=np.uint8),
    ],
)
def test_as_rgb_refuses_what_is_not_a_picture(image: np.ndarray) -> None:
    with pytest.raises(ConsentryError) as caught:
        as_rgb(image)
    assert caught.value.code == "unsupported-image"


class Flaky(BatchedImageInspector):
    """Fails on every batch holding a picture whose first pixel is 13."""

    name = "flaky"
    signal = "classifier"
    source = "flaky"
    batch_size = 2

    def prepare(self, rgb: np.ndarray) -> int:
        return int(rgb[0, 0, 0])

    def run_batch(self, prepared: Sequence[int]) -> list[Finding]:
        if 13 in prepared:
            raise RuntimeError("model exploded")
        return [Finding(signal="classifier", source="flaky", score=v / 255) for v in prepared]


def test_a_failing_batch_becomes_error_findings_for_that_batch_only() -> None:
    values = [1, 2, 13, 4, 5]
    subjects = [Subject(b"", "png", np.full((1, 1, 3), v, np.uint8)) for v in values]
    results = Flaky().inspect_many(subjects)
    assert [r[0].score for r in results[:2]] == pytest.approx([1 / 255, 2 / 255])
    assert (
        results[2][0].error
        == results[3][0].error
        == "classifier-failed: RuntimeError: model exploded"
    )
    assert results[4][0].score == pytest.approx(5 / 255)
