"""Fixtures for the signals tests: scikit-image sample photos only (benign)."""

from __future__ import annotations

import numpy as np
import pytest
from signal_samples import grey_to_rgb
from skimage import data


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return data.astronaut()


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    return {
        "astronaut": data.astronaut(),
        "coffee": data.coffee(),
        "chelsea": data.chelsea(),
        "rocket": data.rocket(),
        "camera": grey_to_rgb(data.camera()),
    }
