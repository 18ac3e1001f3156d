"""All 8 EXIF orientations come out as the same upright pixels."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from consentry.media import decode_image

from .helpers import encode, mean_abs_diff

EXIF_ORIENTATION = 0x0112


def stored_pixels(upright: np.ndarray, orientation: int) -> np.ndarray:
    """What a camera stores so that a viewer honouring ``orientation`` shows ``upright``.

    Written from the EXIF definitions of how a viewer displays each value (2: mirror; 3: rotate
    180; 4: flip vertically; 5: mirror then rotate 270 CW; 6: rotate 90 CW; 7: mirror then
    rotate 90 CW; 8: rotate 270 CW), inverted, and independent of the code under test.
    """
    cw90 = lambda a: np.rot90(a, -1)  # noqa: E731
    ccw90 = lambda a: np.rot90(a, 1)  # noqa: E731
    stored = {
        1: lambda a: a,
        2: np.fliplr,
        3: lambda a: np.rot90(a, 2),
        4: np.flipud,
        5: lambda a: np.fliplr(cw90(a)),
        6: ccw90,
        7: lambda a: np.fliplr(ccw90(a)),
        8: cw90,
    }[orientation](upright)
    return np.ascontiguousarray(stored)


def _with_orientation(stored: np.ndarray, fmt: str, orientation: int, **options) -> bytes:
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return encode(Image.fromarray(stored), fmt, exif=exif.tobytes(), **options)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_lossless_formats_give_the_exact_upright_pixels(photo, fmt, orientation):
    options = {"lossless": True} if fmt == "WEBP" else {}
    data = _with_orientation(stored_pixels(photo, orientation), fmt, orientation, **options)
    decoded = decode_image(data)
    assert np.array_equal(decoded.frames[0], photo)
    assert (decoded.width, decoded.height) == (300, 200)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg(photo, orientation):
    data = _with_orientation(stored_pixels(photo, orientation), "JPEG", orientation, quality=95)
    decoded = decode_image(data)
    assert (decoded.width, decoded.height) == (300, 200)
    assert mean_abs_diff(decoded.frames[0], photo) < 3


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_avif(photo, orientation):
    data = _with_orientation(stored_pixels(photo, orientation), "AVIF", orientation, quality=95)
    assert mean_abs_diff(decode_image(data).frames[0], photo) < 4


def test_invalid_orientation_value_is_ignored(photo):
    data = _with_orientation(photo, "PNG", 9)
    assert np.array_equal(decode_image(data).frames[0], photo)


def test_wrong_orientation_would_be_caught(photo):
    # Guards the test itself: a stored image differs from the upright one.
    assert stored_pixels(photo, 6).shape != photo.shape
    assert not np.array_equal(stored_pixels(photo, 2), photo)
    assert not np.array_equal(stored_pixels(photo, 5).T, stored_pixels(photo, 7).T)
