"""A naive attempt to rebuild a registered photo from its fingerprint gives nothing like it.

The attack: each tile's 64 bits are read as DCT coefficients (+1/-1, or large/small
magnitudes), inverse-transformed, pasted at the tile's place and size, and averaged. Our
bits say whether each frequency's *magnitude* is above the patch's median, never its sign,
so the picture cannot come back. As a control, the same attack on the coefficients' signs
(what a sign-based tile hash would store) does bring the picture back: the test can fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from consentry.signals import regions
from consentry.signals.pdq import MATCH_DISTANCE, hamming, pdq_from_rgb
from consentry.signals.regions import tile_layout, working_luma

PHOTOS = ["astronaut", "chelsea", "coffee"]


def rebuilt(fingerprint, bits: np.ndarray, low: float) -> np.ndarray:
    """Average of each tile's inverse DCT of (bit ? 1 : low) coefficients, at its place."""
    pairs, basis, _ = regions._dct_tables()
    width, height = fingerprint.frame
    short = min(width, height)
    total, weight = np.zeros((height, width)), np.zeros((height, width))
    for (x, y, side), tile_bits in zip(tile_layout(fingerprint), bits, strict=True):
        coefficients = np.zeros((basis.shape[0], basis.shape[0]))
        coefficients[pairs[:, 1], pairs[:, 0]] = np.where(tile_bits, 1.0, low)
        patch = (basis.T @ coefficients @ basis).astype(np.float32)
        pixels = max(2, round(side * short))
        tile = np.asarray(Image.fromarray(patch).resize((pixels, pixels)))
        left, top = round(x * short - pixels / 2), round(y * short - pixels / 2)
        y0, x0 = max(top, 0), max(left, 0)
        y1, x1 = min(top + pixels, height), min(left + pixels, width)
        total[y0:y1, x0:x1] += tile[y0 - top : y1 - top, x0 - left : x1 - left]
        weight[y0:y1, x0:x1] += 1
    return total / np.maximum(weight, 1)


def bits_of(hashes: np.ndarray) -> np.ndarray:
    return ((hashes[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)).astype(bool)


def correlation(image: np.ndarray, rgb: np.ndarray) -> float:
    luma = working_luma(rgb)
    luma = np.asarray(Image.fromarray(luma).resize((image.shape[1], image.shape[0])))
    return float(np.corrcoef(image.ravel(), luma.ravel())[0, 1])


def as_rgb(image: np.ndarray) -> np.ndarray:
    scaled = (image - image.mean()) / (image.std() + 1e-9) * 50 + 128
    return np.dstack([np.clip(scaled, 0, 255).astype(np.uint8)] * 3)


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("low", [-1.0, 0.2], ids=["signs", "magnitudes"])
def test_naive_inversion_is_not_the_photo(photos, registered, name, low):
    fingerprint = registered[name]
    image = rebuilt(fingerprint, bits_of(fingerprint.hashes), low)
    own = correlation(image, photos[name])
    others = [correlation(image, photos[other]) for other in photos if other != name]
    assert abs(own) < 0.15
    assert own < max(others) + 0.1
    distance = hamming(pdq_from_rgb(as_rgb(image)).hash, pdq_from_rgb(photos[name]).hash)
    assert distance > MATCH_DISTANCE


@pytest.mark.parametrize("name", PHOTOS)
def test_control_the_same_attack_on_dct_signs_brings_the_photo_back(photos, registered, name):
    luma = working_luma(photos[name])
    found, scale_space = regions.detect_blobs(luma)
    blobs = regions.select_blobs(found, luma.shape, regions.REGISTERED_TILES)
    signs = regions._coefficients(scale_space, blobs, 0.0) > 0
    same_tiles = regions.RegionFingerprint(
        np.zeros(len(blobs), np.uint64),
        regions._geometry(blobs[:, :3], luma.shape),
        np.zeros(len(blobs), np.uint8),
        False,
        (luma.shape[1], luma.shape[0]),
    )
    assert correlation(rebuilt(same_tiles, signs, -1.0), photos[name]) > 0.3
