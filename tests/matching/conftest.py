from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
import skimage.data
from PIL import Image

from consentry.signals import FileFingerprint, fingerprint


def _rgb(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.stack([image] * 3, axis=-1) if image.ndim == 2 else image)


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    """Benign sample photos from scikit-image."""
    return {
        "astronaut": _rgb(skimage.data.astronaut()),
        "coffee": _rgb(skimage.data.coffee()),
        "chelsea": _rgb(skimage.data.chelsea()),
        "rocket": _rgb(skimage.data.rocket()),
        "camera": _rgb(skimage.data.camera()),
    }


def encode(rgb: np.ndarray, format: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format, **options)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def fp_of() -> Callable[..., FileFingerprint]:
    def compute(rgb: np.ndarray, format: str = "PNG", **options: object) -> FileFingerprint:
        rotations = bool(options.pop("rotations", False))
        result = fingerprint(encode(rgb, format, **options), rotations=rotations)
        assert result.error is None, result.error
        return result

    return compute
