"""Session fixtures for the provenance tests: a test CA, a signer, benign photos as files."""

from __future__ import annotations

import numpy as np
import pytest
from provenance_builders import Credential, encode, make_ca, make_signer
from skimage import data


@pytest.fixture(scope="session")
def test_ca() -> Credential:
    return make_ca("Consentry Test Root")


@pytest.fixture(scope="session")
def other_ca() -> Credential:
    return make_ca("Some Other Root")


@pytest.fixture(scope="session")
def generator_signer(test_ca: Credential) -> Credential:
    return make_signer(test_ca, "Test Generator Signing", "Test Generator Inc")


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    return data.coffee()


@pytest.fixture(scope="session")
def coffee_jpeg(coffee: np.ndarray) -> bytes:
    return encode(coffee, "JPEG", quality=90)


@pytest.fixture(scope="session")
def coffee_png(coffee: np.ndarray) -> bytes:
    return encode(coffee, "PNG")
