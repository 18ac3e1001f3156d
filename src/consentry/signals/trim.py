"""Find the picture inside uniform borders: letterbox, pillarbox, added frames.

PDQ moves ~24 bits for a 1% crop, so a copy re-posted with bars (or a bar-free copy of
a barred original) would not match. We detect near-uniform edge rows/columns and hash
the content inside them as an extra variant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

COLOUR_TOLERANCE = 16  # per channel: JPEG noise and ringing in a flat bar stay within this
ROW_SHARE = 0.98  # share of a line's pixels that must be bar-coloured (allows specks/logos)
MIN_TRIM_SHARE = 0.01  # trims under 1% of a side are not worth a second hash
MIN_CONTENT_SHARE = 0.1  # a "picture" thinner than this is the bar itself


@dataclass(frozen=True)
class Box:
    """Content rows [top, bottom) and columns [left, right)."""

    top: int
    bottom: int
    left: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left


def find_content_box(rgb: np.ndarray) -> Box | None:
    """The box inside uniform borders, or None when there is nothing significant to trim."""
    height, width = rgb.shape[:2]
    if height < 8 or width < 8:
        return None
    box = Box(0, height, 0, width)
    for _ in range(2):  # a second round catches bars only uniform once the others are gone
        before = box
        box = _trim_rows(rgb, box)
        box = _transpose(_trim_rows(np.swapaxes(rgb, 0, 1), _transpose(box)))
        if box == before:
            break
    if box.height < height * MIN_CONTENT_SHARE or box.width < width * MIN_CONTENT_SHARE:
        return None
    removed = max(box.top, height - box.bottom, box.left, width - box.right)
    if removed < 2 or removed < MIN_TRIM_SHARE * min(height, width):
        return None
    return box


def crop(rgb: np.ndarray, box: Box) -> np.ndarray:
    return np.ascontiguousarray(rgb[box.top : box.bottom, box.left : box.right])


def _transpose(box: Box) -> Box:
    return Box(box.left, box.right, box.top, box.bottom)


def _trim_rows(rgb: np.ndarray, box: Box) -> Box:
    region = rgb[box.top : box.bottom, box.left : box.right]
    if region.shape[0] < 2 or region.shape[1] < 1:
        return box
    top = _count_bar_lines(region)
    bottom = _count_bar_lines(region[::-1])
    if top + bottom >= region.shape[0]:
        return box  # uniform all the way through: no picture to find
    return Box(box.top + top, box.bottom - bottom, box.left, box.right)


def _count_bar_lines(region: np.ndarray) -> int:
    """Leading rows of ``region`` that are (almost all) the colour of its first row."""
    # The mean, not the median: a 2% speck moves it by a few levels at most, and it is cheap.
    reference = region[0].reshape(-1, region.shape[2]).mean(axis=0).round().astype(np.int16)
    return leading_bar_rows(region, reference, COLOUR_TOLERANCE, ROW_SHARE)


@njit(cache=True, nogil=True)
def leading_bar_rows(
    region: np.ndarray, reference: np.ndarray, tolerance: int, share: float
) -> int:  # pragma: no cover - compiled
    """Rows from the top in which at least ``share`` of pixels are within ``tolerance``
    (per channel) of ``reference``; stops at the first row that is not, so a picture
    without bars costs one row."""
    height, width, channels = region.shape
    for y in range(height):
        close = 0
        for x in range(width):
            near = True
            for c in range(channels):
                if abs(np.int16(region[y, x, c]) - reference[c]) > tolerance:
                    near = False
                    break
            if near:
                close += 1
        if close / width < share:
            return y
    return height
