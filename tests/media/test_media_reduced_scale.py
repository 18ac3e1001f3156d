"""decode_image(min_side=N): JPEG DCT scaling keeps both sides >= N and reports the scale."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from consentry.media import Limits, TooManyPixels, decode_image

from .helpers import encode, mean_abs_diff


@pytest.fixture(scope="module")
def big_jpeg(astronaut) -> bytes:
    """2048x1536: the astronaut tiled 4x3, JPEG quality 90."""
    return encode(Image.fromarray(np.tile(astronaut, (3, 4, 1))), "JPEG", quality=90)


@pytest.mark.parametrize(
    ("min_side", "scale", "shape"),
    [
        (None, 1.0, (1536, 2048)),
        (2000, 1.0, (1536, 2048)),  # 1536 // 2000 = 0: no reduction possible
        (768, 0.5, (768, 1024)),
        (700, 0.5, (768, 1024)),
        (384, 0.25, (384, 512)),
        (192, 0.125, (192, 256)),
        (1, 0.125, (192, 256)),  # 1/8 is the largest reduction
    ],
)
def test_scale_choice(big_jpeg, min_side, scale, shape):
    decoded = decode_image(big_jpeg, min_side=min_side)
    assert decoded.scale == scale
    assert decoded.frames[0].shape == (*shape, 3)
    assert (decoded.width, decoded.height) == (2048, 1536)  # full size is still reported
    if min_side is not None:
        assert min(decoded.frames[0].shape[:2]) >= min(min_side, 1536)


def test_reduced_decode_looks_like_a_downscaled_full_decode(big_jpeg):
    full = decode_image(big_jpeg).frames[0]
    quarter = decode_image(big_jpeg, min_side=384).frames[0]
    expected = np.asarray(Image.fromarray(full).resize((512, 384), Image.Resampling.BOX))
    assert mean_abs_diff(quarter, expected) < 3


def test_orientation_is_applied_after_reduction(astronaut):
    stored = np.ascontiguousarray(np.rot90(astronaut[:, :400], 1))  # orientation 6 stores CCW
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(Image.fromarray(stored), "JPEG", quality=95, exif=exif.tobytes())
    decoded = decode_image(data, min_side=200)
    assert decoded.scale == 0.5
    assert (decoded.width, decoded.height) == (400, 512)
    assert decoded.frames[0].shape == (256, 200, 3)
    expected = np.asarray(Image.fromarray(astronaut[:, :400]).resize((200, 256), Image.BOX))
    assert mean_abs_diff(decoded.frames[0], expected) < 4


def test_grayscale_jpeg_reduced(astronaut):
    gray = Image.fromarray(astronaut).convert("L")
    decoded = decode_image(encode(gray, "JPEG", quality=95), min_side=128)
    assert (decoded.scale, decoded.mode) == (0.25, "L")
    assert decoded.frames[0].shape == (128, 128, 3)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_other_formats_decode_full_size(astronaut, fmt):
    decoded = decode_image(encode(Image.fromarray(astronaut), fmt), min_side=64)
    assert decoded.scale == 1.0
    assert decoded.frames[0].shape == (512, 512, 3)


def test_pixel_limit_applies_to_the_stored_size(big_jpeg):
    with pytest.raises(TooManyPixels, match="2048x1536"):
        decode_image(big_jpeg, min_side=100, limits=Limits(max_pixels=2048 * 1536 - 1))


@pytest.mark.parametrize("argument", [{"min_side": 0}, {"max_frames": 0}])
def test_nonsense_arguments(big_jpeg, argument):
    with pytest.raises(ValueError, match=next(iter(argument))):
        decode_image(big_jpeg, **argument)
