"""Fixtures for the protected-photo tests: registered fingerprints of sample photos."""

from __future__ import annotations

import numpy as np
import pytest
from regions_samples import IDS

from consentry.index.regions import RegionIndex
from consentry.signals.regions import RegionFingerprint, region_fingerprint


@pytest.fixture(scope="session")
def registered(photos: dict[str, np.ndarray]) -> dict[str, RegionFingerprint]:
    return {name: region_fingerprint(rgb) for name, rgb in photos.items()}


@pytest.fixture(scope="session")
def protected(registered: dict[str, RegionFingerprint]) -> RegionIndex:
    index = RegionIndex()
    index.add([IDS[name] for name in registered], list(registered.values()))
    return index
