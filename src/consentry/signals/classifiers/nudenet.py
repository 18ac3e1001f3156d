"""NudeNet's region detector (YOLOv8n, 320x320), an opt-in extra.

NudeNet's code is MIT but its model weights are AGPL-3.0, so it is never a default dependency:
``pip install 'consentry[nudenet]'``. The package is imported only when the inspector is built.

We run the package's own ``NudeDetector`` on the in-memory array, with its session swapped for
our shared one (thread settings, one session per process). Only ``detect_batch`` is called:
never ``censor`` or anything else that writes files. Given a path, the package reads it with
OpenCV (BGR); we hand it BGR arrays too, so scores equal the package's on the same pixels.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from consentry.errors import ConsentryError
from consentry.signals.classifiers.base import BatchedImageInspector, load_model
from consentry.signals.findings import NUDITY, Finding

MODEL_FILE = "320n.onnx"
INPUT_SIZE = 320
INSTALL = "pip install 'consentry[nudenet]'"

# The classes that make a picture intimate. NudeNet also reports FEET/ARMPITS/BELLY/
# MALE_BREAST _EXPOSED; they are kept in ``labels`` but do not raise the headline score, or
# every beach photo would score like nudity.
EXPOSED_CLASSES = frozenset(
    {
        "FEMALE_BREAST_EXPOSED",
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "BUTTOCKS_EXPOSED",
        "ANUS_EXPOSED",
    }
)


def import_nudenet() -> ModuleType:
    try:
        return importlib.import_module("nudenet")
    except ImportError as error:
        raise ConsentryError(
            f"The NudeNet detector is an optional extra and is not installed ({error}). "
            f"Install it with: {INSTALL}. Its model weights are licensed AGPL-3.0: read "
            "docs/classifiers.md before deploying it.",
            code="nudenet-not-installed",
        ) from error


class NudeNetInspector(BatchedImageInspector):
    """Exposed-body-part regions: headline score, per-class scores and relative boxes."""

    name: ClassVar[str] = "nudenet"
    signal: ClassVar[str] = NUDITY
    source = "nudenet"

    def __init__(self) -> None:
        module = import_nudenet()
        self.model_path = Path(module.__file__ or "").parent / MODEL_FILE
        if not self.model_path.is_file():
            raise ConsentryError(
                f"NudeNet's model {self.model_path} is missing; Consentry never downloads "
                "models: reinstall the extra with: pip install --force-reinstall "
                "'consentry[nudenet]'",
                code="model-missing",
            )

    def detector(self) -> Any:
        """The package's NudeDetector, on our shared session instead of one of its own.

        Built per batch (it is four attributes) so the inspector holds no session and can be
        sent to worker processes.
        """
        session = load_model(self.model_path).session
        cls = import_nudenet().NudeDetector
        detector = cls.__new__(cls)
        detector.onnx_session = session
        detector.input_width = detector.input_height = INPUT_SIZE
        detector.input_name = session.get_inputs()[0].name
        return detector

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        import cv2  # a NudeNet dependency; ~6x faster than numpy's strided channel copy

        return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)

    def run_batch(self, prepared: Sequence[np.ndarray]) -> list[Finding]:
        digest = load_model(self.model_path).short_digest
        batches = self.detector().detect_batch(list(prepared), batch_size=len(prepared))
        return [
            self._finding(detections, image.shape[1], image.shape[0], digest)
            for detections, image in zip(batches, prepared, strict=True)
        ]

    def _finding(self, detections: list[dict], width: int, height: int, digest: str) -> Finding:
        detections = sorted(detections, key=lambda d: -float(d["score"]))
        labels: dict[str, float] = {}
        for detection in detections:
            name = str(detection["class"])
            labels[name] = max(labels.get(name, 0.0), float(detection["score"]))
        score = max((s for c, s in labels.items() if c in EXPOSED_CLASSES), default=0.0)
        regions = [_region(detection, width, height) for detection in detections]
        return Finding(
            signal=NUDITY,
            source=self.source,
            score=score,
            labels=labels,
            evidence={"model": "nudenet-320n", "sha256": digest, "detections": regions},
        )


def _region(detection: dict, width: int, height: int) -> dict[str, Any]:
    """A detection with its box as fractions of the picture's width and height."""
    x, y, w, h = (float(v) for v in detection["box"])
    return {
        "class": str(detection["class"]),
        "score": round(float(detection["score"]), 4),
        "box": [
            round(x / width, 4),
            round(y / height, 4),
            round(w / width, 4),
            round(h / height, 4),
        ],
    }
