"""What a protected-photo fingerprint holds, and clear errors for pictures it cannot hold."""

from __future__ import annotations

import numpy as np
import pytest
from regions_samples import jpeg

from consentry.index.regions import RADIUS
from consentry.signals.base import SignalError
from consentry.signals.regions import (
    MIN_SIDE,
    QUERY_ANGLES,
    REGISTERED_TILES,
    FlatImage,
    ImageTooSmall,
    RegionFingerprint,
    region_fingerprint,
    tile_layout,
)


def test_registered_fingerprint_shape_and_size(registered):
    for fingerprint in registered.values():
        n = len(fingerprint)
        assert 8 <= n <= REGISTERED_TILES.count
        assert fingerprint.hashes.dtype == np.uint64 and fingerprint.hashes.shape == (n,)
        assert fingerprint.geometry.dtype == np.uint8 and fingerprint.geometry.shape == (n, 3)
        assert not fingerprint.dense and not fingerprint.flags.any()
        assert fingerprint.nbytes < 2000  # about 1.5 KB of text for 128 tiles
    assert len(registered["astronaut"]) == REGISTERED_TILES.count


def test_tile_hashes_are_balanced_and_distinct(registered):
    hashes = registered["astronaut"].hashes
    ones = np.bitwise_count(hashes)
    assert ones.min() >= 28 and ones.max() <= 36  # above/below the patch's median
    assert len(np.unique(hashes)) == len(hashes)


def test_tiles_lie_within_the_image_at_registered_sizes(registered):
    for fingerprint in registered.values():
        width, height = fingerprint.frame
        layout = tile_layout(fingerprint)
        assert (layout[:, 0] >= 0).all() and (layout[:, 0] <= width / min(width, height)).all()
        assert (layout[:, 1] >= 0).all() and (layout[:, 1] <= height / min(width, height)).all()
        assert layout[:, 2].min() >= 0.09 and layout[:, 2].max() <= 0.51


def test_computation_is_deterministic(photos, registered):
    assert region_fingerprint(photos["coffee"]) == registered["coffee"]


def test_query_fingerprint_hashes_each_tile_at_every_angle(photos):
    query = region_fingerprint(photos["chelsea"], dense=True)
    assert query.dense
    angles = query.flags >> 1
    assert sorted(set(angles.tolist())) == list(range(len(QUERY_ANGLES)))
    per_angle = np.bincount(angles)
    assert (per_angle == per_angle[0]).all()
    upright = query.geometry[angles == 0]
    assert (query.geometry[angles == 3] == upright).all()  # same tiles, turned


def test_grey_and_rgb_pixels_give_the_same_fingerprint(photos):
    grey = photos["camera"][:, :, 0]
    assert region_fingerprint(grey) == region_fingerprint(photos["camera"])


def test_recompression_moves_tile_hashes_by_a_few_bits(photos, registered):
    again = region_fingerprint(jpeg(photos["astronaut"], 50))
    before = registered["astronaut"].hashes
    nearest = np.bitwise_count(before[:, None] ^ again.hashes[None, :]).min(axis=1)
    assert np.mean(nearest <= RADIUS) > 0.8
    unrelated = region_fingerprint(photos["coffee"]).hashes
    assert np.bitwise_count(before[:, None] ^ unrelated[None, :]).min() > RADIUS


def test_tiny_image_is_refused_with_the_minimum_size(photos):
    tiny = photos["astronaut"][: MIN_SIDE - 1, :200]
    with pytest.raises(ImageTooSmall) as raised:
        region_fingerprint(tiny)
    assert raised.value.code == "image-too-small"
    assert f"at least {MIN_SIDE} pixels" in raised.value.message
    assert isinstance(raised.value, SignalError)


def test_very_narrow_image_is_refused(photos):
    strip = np.ascontiguousarray(np.tile(photos["astronaut"][:40], (1, 60, 1)))  # 40 x 30720
    with pytest.raises(ImageTooSmall, match="too narrow"):
        region_fingerprint(strip)


def test_smallest_accepted_image_is_fingerprinted(photos):
    small = np.ascontiguousarray(photos["astronaut"][::8, ::8][: MIN_SIDE + 20, : MIN_SIDE + 20])
    assert len(region_fingerprint(small, dense=True)) > 0


@pytest.mark.parametrize(
    "picture",
    [
        np.full((300, 400, 3), 128, np.uint8),
        np.dstack([np.tile(np.linspace(0, 255, 400, dtype=np.uint8), (300, 1))] * 3),
    ],
    ids=["flat", "gradient"],
)
def test_flat_image_is_refused(picture):
    with pytest.raises(FlatImage) as raised:
        region_fingerprint(picture)
    assert raised.value.code == "flat-image"
    assert "too little detail" in raised.value.message


@pytest.mark.parametrize(
    "pixels",
    [
        np.zeros((100, 100, 3), np.float32),
        np.zeros((100,), np.uint8),
        np.zeros((2, 100, 100, 3), np.uint8),
    ],
    ids=["float", "1-d", "4-d"],
)
def test_pixels_of_the_wrong_type_are_refused(pixels):
    with pytest.raises(ValueError, match="uint8"):
        region_fingerprint(pixels)


def test_fingerprint_arrays_must_agree():
    with pytest.raises(ValueError, match="same tiles"):
        RegionFingerprint(
            np.zeros(3, np.uint64), np.zeros((2, 3), np.uint8), np.zeros(3, np.uint8), False, (4, 3)
        )
