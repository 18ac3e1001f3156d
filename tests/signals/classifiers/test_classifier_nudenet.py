"""NudeNet on benign photos only: faces found, exposed-class score stays low, opt-in errors."""

from __future__ import annotations

import sys
from pathlib import Path

import nudenet as nudenet_package
import numpy as np
import pytest
from PIL import Image
from skimage import data

from consentry.errors import ConsentryError
from consentry.signals.classifiers import EXPOSED_CLASSES, NudeNetInspector
from consentry.signals.classifiers import nudenet as nudenet_module
from consentry.signals.findings import NUDITY, Subject


def subject(image: np.ndarray | None) -> Subject:
    return Subject(data=b"", format="png", image=image)


def test_astronaut_face_found_and_exposed_score_low(nudenet: NudeNetInspector) -> None:
    (finding,) = nudenet.inspect(subject(data.astronaut()))
    assert finding.error is None
    assert finding.signal == NUDITY and finding.source == "nudenet"
    assert "FACE_FEMALE" in finding.labels
    assert finding.labels["FACE_FEMALE"] > 0.5
    assert finding.score is not None and finding.score < 0.2
    assert not EXPOSED_CLASSES & set(finding.labels)


def test_boxes_are_fractions_of_the_picture(nudenet: NudeNetInspector) -> None:
    astronaut = data.astronaut()  # 512x512; the face is in the upper middle
    (full,) = nudenet.inspect(subject(astronaut))
    faces = [d for d in full.evidence["detections"] if d["class"] == "FACE_FEMALE"]
    assert faces
    x, y, w, h = faces[0]["box"]
    assert 0.25 < x < 0.45 and 0.1 < y < 0.25 and 0.1 < w < 0.3 and 0.1 < h < 0.3
    for side in (384, 1024):  # the same picture decoded at other sizes: the same fractions
        resized = np.asarray(Image.fromarray(astronaut).resize((side, side), Image.LANCZOS))
        (other,) = nudenet.inspect(subject(resized))
        other_faces = [d for d in other.evidence["detections"] if d["class"] == "FACE_FEMALE"]
        assert other_faces
        assert other_faces[0]["box"] == pytest.approx(faces[0]["box"], abs=0.01)


def test_same_detections_as_the_package_on_a_file(
    nudenet: NudeNetInspector, tmp_path: Path
) -> None:
    """Our in-memory call reproduces the package's own path-based detect() (a test fixture
    file in tmp_path; production code never writes one)."""
    picture = data.astronaut()
    path = tmp_path / "astronaut.png"
    Image.fromarray(picture).save(path)
    reference = nudenet_package.NudeDetector().detect(str(path))
    (finding,) = nudenet.inspect(subject(picture))
    ours = finding.evidence["detections"]
    assert [d["class"] for d in ours] == [d["class"] for d in reference]
    for mine, theirs in zip(ours, reference, strict=True):
        assert mine["score"] == pytest.approx(theirs["score"], abs=1e-3)
        pixels = [
            mine["box"][0] * 512,
            mine["box"][1] * 512,
            mine["box"][2] * 512,
            mine["box"][3] * 512,
        ]
        assert pixels == pytest.approx(theirs["box"], abs=1.0)


def test_batch_equals_single(nudenet: NudeNetInspector) -> None:
    images = [data.astronaut(), data.coffee(), None, data.rocket(), np.full((1, 1, 3), 9, np.uint8)]
    images += [data.astronaut()[i * 10 :, : 400 + i] for i in range(14)]  # crosses a chunk
    subjects = [subject(image) for image in images]
    batched = nudenet.inspect_many(subjects)
    assert batched[2] == []
    for index, one in enumerate(subjects):
        if one.image is None:
            continue
        (single,) = nudenet.inspect(one)
        (together,) = batched[index]
        assert together.error is None
        assert set(together.labels) == set(single.labels)
        for name, score in single.labels.items():
            assert together.labels[name] == pytest.approx(score, abs=1e-4)


@pytest.mark.parametrize(
    "image",
    [data.camera(), np.full((1, 1, 3), 200, np.uint8), np.full((3, 2, 3), 5, np.uint8)],
    ids=["grey", "1x1", "3x2"],
)
def test_odd_pictures_do_not_crash(nudenet: NudeNetInspector, image: np.ndarray) -> None:
    (finding,) = nudenet.inspect(subject(image))
    assert finding.error is None and finding.score is not None


def test_headline_score_counts_only_intimate_classes(nudenet: NudeNetInspector) -> None:
    """Class names and scores only (no picture): feet do not make a nudity score."""
    detections = [
        {"class": "FEET_EXPOSED", "score": 0.9, "box": [0, 0, 10, 10]},
        {"class": "FACE_FEMALE", "score": 0.8, "box": [10, 10, 20, 20]},
        {"class": "FACE_FEMALE", "score": 0.6, "box": [50, 10, 20, 20]},
        {"class": "BUTTOCKS_EXPOSED", "score": 0.3, "box": [20, 40, 40, 20]},
    ]
    finding = nudenet._finding(detections, width=100, height=200, digest="abc")
    assert finding.score == pytest.approx(0.3)
    assert finding.labels == pytest.approx(
        {"FEET_EXPOSED": 0.9, "FACE_FEMALE": 0.8, "BUTTOCKS_EXPOSED": 0.3}
    )
    assert finding.evidence["detections"][0] == {
        "class": "FEET_EXPOSED",
        "score": 0.9,
        "box": [0.0, 0.0, 0.1, 0.05],
    }
    assert nudenet._finding([], width=10, height=10, digest="abc").score == 0.0


def test_not_installed_says_how_to_install_and_the_licence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "nudenet", None)  # `import nudenet` now fails
    with pytest.raises(ConsentryError) as caught:
        NudeNetInspector()
    assert caught.value.code == "nudenet-not-installed"
    assert "pip install 'consentry[nudenet]'" in caught.value.message
    assert "AGPL-3.0" in caught.value.message


def test_missing_model_file_is_reported_not_downloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nudenet_module, "MODEL_FILE", "absent-320n.onnx")
    with pytest.raises(ConsentryError) as caught:
        NudeNetInspector()
    assert caught.value.code == "model-missing"
    assert "never downloads" in caught.value.message
    assert "pip install --force-reinstall 'consentry[nudenet]'" in caught.value.message
