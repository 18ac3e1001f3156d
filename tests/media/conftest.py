"""Fixtures for the media tests: scikit-image sample photos and videos encoded from them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import skimage.data
from PIL import Image

from .helpers import make_video, panning_frames


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """A non-square benign photo (coffee cup, 300x200), so orientation mistakes show."""
    img = Image.fromarray(skimage.data.coffee()).resize((300, 200), Image.Resampling.LANCZOS)
    return np.asarray(img).copy()


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return skimage.data.astronaut()


@pytest.fixture(scope="session")
def clip(photo: np.ndarray) -> bytes:
    """3 seconds at 10 fps of H.264 in MP4: 30 frames."""
    return make_video(panning_frames(photo, 30))


@pytest.fixture
def write(tmp_path) -> Callable[[str, bytes], str]:
    """Write generated benign bytes under tmp_path and return the path."""

    def _write(name: str, data: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return _write
