"""Bad inputs give clear, specific errors."""

from __future__ import annotations

import numpy as np
import pytest

from consentry.errors import ConsentryError
from consentry.index import (
    HammingIndex,
    InvalidHashes,
    InvalidRadius,
    hashes_from_hex,
    hex_from_hashes,
)

from .helpers import random_hashes

GOOD = "0123456789abcdef" * 4


def test_hex_round_trip():
    rng = np.random.default_rng(0)
    hashes = random_hashes(rng, 20)
    texts = hex_from_hashes(hashes)
    assert all(len(t) == 64 and t == t.lower() for t in texts)
    assert np.array_equal(hashes_from_hex(texts), hashes)
    assert hashes_from_hex([GOOD])[0].tobytes() == bytes.fromhex(GOOD)
    assert hashes_from_hex([GOOD.upper()])[0].tobytes() == bytes.fromhex(GOOD)
    assert hashes_from_hex([]).shape == (0, 32)


@pytest.mark.parametrize(
    "bad",
    ["", GOOD[:-1], GOOD + "0", "g" + GOOD[1:], "01 23" + GOOD[5:], None, 123, b"\x00" * 32],
)
def test_bad_hex_is_rejected(bad):
    with pytest.raises(InvalidHashes) as raised:
        hashes_from_hex([GOOD, bad])
    assert raised.value.code == "invalid-hashes"
    assert "#1" in raised.value.message


@pytest.mark.parametrize(
    "hashes",
    [
        np.zeros((3, 31), np.uint8),
        np.zeros((3, 32), np.int64),
        np.zeros((3, 32), np.float32),
        np.zeros((3, 4), np.uint64),
        np.zeros((2, 3, 32), np.uint8),
        np.zeros(33, np.uint8),
        [[1, 2, 3]],
    ],
)
def test_wrong_hash_arrays(hashes):
    index = HammingIndex()
    with pytest.raises(InvalidHashes):
        index.add(np.arange(3), hashes)
    with pytest.raises(InvalidHashes):
        index.search(hashes, 31)
    with pytest.raises(InvalidHashes):
        hex_from_hashes(hashes)


@pytest.mark.parametrize(
    "ids",
    [
        np.arange(2),
        np.zeros((3, 1), np.int64),
        np.array([0.0, 1.0, 2.0]),
        ["a", "b", "c"],
        np.array([2**63, 1, 2], dtype=np.uint64),
    ],
)
def test_wrong_ids(ids):
    with pytest.raises(InvalidHashes) as raised:
        HammingIndex().add(ids, np.zeros((3, 32), np.uint8))
    assert raised.value.code == "invalid-hashes"


def test_ids_of_other_integer_types_and_lists_are_fine():
    index = HammingIndex()
    index.add(np.array([1, 2], dtype=np.uint8), np.zeros((2, 32), np.uint8))
    index.add([3], np.ones((1, 32), np.uint8))
    assert index.search(np.zeros((1, 32), np.uint8), 0)[0][0].tolist() == [1, 2]


@pytest.mark.parametrize("radius", [-1, 257, 31.0, "31", True, None])
def test_bad_radius(radius):
    with pytest.raises(InvalidRadius) as raised:
        HammingIndex().search(np.zeros((1, 32), np.uint8), radius)
    assert raised.value.code == "invalid-radius"
    assert isinstance(raised.value, ConsentryError)


def test_numpy_integer_radius_is_fine():
    index = HammingIndex()
    index.add([7], np.zeros((1, 32), np.uint8))
    assert index.search(np.zeros((1, 32), np.uint8), np.int64(0))[0][0].tolist() == [7]


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2"])
def test_bad_workers(workers):
    with pytest.raises(ValueError):
        HammingIndex(workers=workers)
