"""Fixtures of the live index tests."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pytest
import skimage.data

from consentry.signals import FileFingerprint, fingerprint
from consentry.store import Store

from .helpers import encode, rgb


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20250201)


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    """Benign sample photos from scikit-image."""
    names = ("astronaut", "coffee", "chelsea", "rocket", "camera")
    return {name: rgb(getattr(skimage.data, name)()) for name in names}


@pytest.fixture(scope="session")
def fp_of() -> Callable[..., FileFingerprint]:
    def compute(image: np.ndarray, format: str = "PNG", **options: object) -> FileFingerprint:
        rotations = bool(options.pop("rotations", False))
        result = fingerprint(encode(image, format, **options), rotations=rotations)
        assert result.error is None, result.error
        return result

    return compute


@pytest.fixture
def store(db_store: Store) -> Store:
    """Every test here runs on SQLite and on PostgreSQL (see tests/conftest.py)."""
    return db_store
