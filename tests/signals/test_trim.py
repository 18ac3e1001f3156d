"""Border removal: bars around a photo are found and the inner hash matches the photo."""

from __future__ import annotations

import numpy as np
import pytest
from signal_samples import jpeg_roundtrip

from consentry.signals.pdq import hamming, pdq_from_rgb
from consentry.signals.trim import crop, find_content_box

COLOURS = {"black": (0, 0, 0), "white": (255, 255, 255), "blue": (30, 120, 200)}


def _pad(rgb: np.ndarray, colour, rows: int, cols: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    out = np.empty((h + 2 * rows, w + 2 * cols, 3), np.uint8)
    out[:] = colour
    out[rows : rows + h, cols : cols + w] = rgb
    return out


@pytest.mark.parametrize("colour", sorted(COLOURS))
@pytest.mark.parametrize("layout", ["frame", "letterbox", "pillarbox"])
def test_bars_are_trimmed_and_hash_recovers(astronaut, colour: str, layout: str) -> None:
    h, w = astronaut.shape[:2]
    rows = 0 if layout == "pillarbox" else h // 5
    cols = 0 if layout == "letterbox" else w // 5
    padded = jpeg_roundtrip(_pad(astronaut, COLOURS[colour], rows, cols), quality=88)
    original = pdq_from_rgb(astronaut).hash
    assert hamming(original, pdq_from_rgb(padded).hash) > 60  # the bars do hurt PDQ
    box = find_content_box(padded)
    assert box is not None
    assert abs(box.top - rows) <= 2 and abs(box.left - cols) <= 2
    assert abs(box.height - h) <= 3 and abs(box.width - w) <= 3
    assert hamming(original, pdq_from_rgb(crop(padded, box)).hash) <= 10


def test_different_bar_colours_on_each_side(astronaut) -> None:
    padded = _pad(astronaut, (0, 0, 0), 60, 0)
    padded[-60:] = 255
    box = find_content_box(padded)
    assert box is not None
    assert (box.top, box.bottom) == (60, 60 + astronaut.shape[0])


def test_windowbox_with_differently_coloured_bars(astronaut) -> None:
    inner = _pad(astronaut, (255, 255, 255), 0, 80)
    outer = _pad(inner, (0, 0, 0), 70, 0)
    box = find_content_box(outer)
    assert box is not None
    assert (box.top, box.left) == (70, 80)
    assert (box.height, box.width) == astronaut.shape[:2]


def test_nothing_to_trim(photos) -> None:
    # "camera" is left out: its top 12% is a clear, flat sky, which is indistinguishable
    # from a bar and is trimmed (an extra variant; the main hash is unaffected).
    for name, rgb in photos.items():
        if name == "camera":
            continue
        assert find_content_box(rgb) is None, name
        assert find_content_box(jpeg_roundtrip(rgb)) is None, name


def test_thin_border_is_not_worth_a_variant(astronaut) -> None:
    assert find_content_box(_pad(astronaut, (0, 0, 0), 1, 1)) is None


def test_uniform_and_tiny_images_give_no_box() -> None:
    assert find_content_box(np.zeros((100, 100, 3), np.uint8)) is None
    assert find_content_box(np.full((100, 100, 3), 77, np.uint8)) is None
    assert find_content_box(np.zeros((5, 5, 3), np.uint8)) is None


def test_sliver_of_content_is_not_a_picture() -> None:
    image = np.zeros((400, 400, 3), np.uint8)
    image[:, 200:205] = 255  # a 5 px line: 1% of the width
    assert find_content_box(image) is None
