"""PDQ's arithmetic in numpy, for images decoded at reduced scale.

Meta's PDQ blurs the full-resolution luma with two passes of a box filter per axis
(the "Jarosz" tent filter, window ceil(N/128)) and then samples 64x64 points. Both steps
are linear, so each of the 64 samples along an axis is a fixed weighted sum of that axis's
pixels. We build those weights for the *full* size and, for an image decoded at reduced
scale (JPEG DCT scaling averages blocks of pixels), sum them over the block each decoded
pixel stands for. The 64x64 buffer then comes from two small matrix products instead of
four passes over every full-resolution pixel. From the 64x64 buffer on, this module
follows PDQ exactly: 16x16 DCT, bits above the median, gradient quality metric.

``pdqhash`` (Meta's C++) remains the reference for full-size pixels; this module is the
fast path, measured against it in bench/hashing.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from consentry.signals.dihedral import TRANSFORMS
from consentry.signals.pdq_kernels import (
    block_weights,
    full_axis_weights,
    weighted_cols,
    weighted_rgb_rows,
    weighted_rows,
)

MIN_HASHABLE_SIDE = 5  # PDQ hashes anything smaller as all zeros, quality 0
ZERO_HASH = "0" * 64
_LUMA = (0.299, 0.587, 0.114)
_LUMA_WEIGHTS = np.array(_LUMA)


@dataclass(frozen=True)
class AxisWeights:
    """The 64 sample weights along one axis, with each sample's nonzero span [lo, hi)."""

    matrix: np.ndarray  # (64, n) float64
    lo: np.ndarray  # (64,) int64
    hi: np.ndarray  # (64,) int64

    def mirrored(self) -> AxisWeights:
        """Weights for the axis reversed (the image mirrored along it)."""
        n = self.matrix.shape[1]
        return AxisWeights(np.ascontiguousarray(self.matrix[:, ::-1]), n - self.hi, n - self.lo)


@lru_cache(maxsize=64)
def axis_weights(decoded: int, full: int) -> AxisWeights:
    """Weights over ``decoded`` pixels standing for ``full`` pixels along one axis."""
    matrix = full_axis_weights(full)
    if decoded != full:
        matrix = block_weights(matrix, _block_edges(decoded, full))
    nonzero = matrix != 0
    lo = np.argmax(nonzero, axis=1).astype(np.int64)
    hi = (matrix.shape[1] - np.argmax(nonzero[:, ::-1], axis=1)).astype(np.int64)
    return AxisWeights(np.ascontiguousarray(matrix), lo, hi)


def _block_edges(decoded: int, full: int) -> np.ndarray:
    """Full-resolution boundaries of each decoded pixel's block."""
    factor = round(full / decoded)
    if factor >= 1 and math.ceil(full / factor) == decoded:
        # libjpeg scaled decode: blocks of `factor` pixels, the last one partial.
        return np.minimum(np.arange(decoded + 1) * factor, full).astype(np.float64)
    return np.arange(decoded + 1) * (full / decoded)


def dihedral_buffers(
    pixels: np.ndarray, full_height: int, full_width: int, transforms: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """64x64 buffers of the image with each transform applied to its pixels.

    ``pixels``: (H, W) luma, or (H, W, 3) uint8 RGB whose luma is taken on the fly.
    The pixels are never moved: mirroring an axis reverses that axis's weights, and
    transposing the image transposes the buffer (each axis's weights depend only on
    its length), so all eight need two passes over the rows at most.
    """
    reduce_rows = _row_reducer(pixels)
    rows = axis_weights(pixels.shape[0], full_height)
    cols = axis_weights(pixels.shape[1], full_width)
    reduced: dict[bool, np.ndarray] = {}
    buffers: dict[tuple[bool, bool], np.ndarray] = {}
    out = {}
    for name in transforms:
        row_flip, col_flip, transposed = _TRANSFORM_RECIPES[name]
        if row_flip not in reduced:
            r = rows.mirrored() if row_flip else rows
            reduced[row_flip] = reduce_rows(r)
        if (row_flip, col_flip) not in buffers:
            c = cols.mirrored() if col_flip else cols
            buffers[row_flip, col_flip] = weighted_cols(reduced[row_flip], c.matrix, c.lo, c.hi)
        result = buffers[row_flip, col_flip]
        out[name] = result.T if transposed else result
    return out


def _row_reducer(pixels: np.ndarray) -> Callable[[AxisWeights], np.ndarray]:
    if pixels.ndim == 3:
        rgb = np.ascontiguousarray(pixels)
        return lambda r: weighted_rgb_rows(rgb, r.matrix, r.lo, r.hi, _LUMA_WEIGHTS)
    lum = np.ascontiguousarray(pixels, dtype=np.float32)
    return lambda r: weighted_rows(lum, r.matrix, r.lo, r.hi)


# transform -> (mirror rows, mirror columns, then transpose the buffer)
_TRANSFORM_RECIPES = {
    "original": (False, False, False),
    "flip-horizontal": (False, True, False),
    "flip-vertical": (True, False, False),
    "rotate180": (True, True, False),
    "transpose": (False, False, True),
    "rotate90": (False, True, True),
    "rotate270": (True, False, True),
    "transverse": (True, True, True),
}
_ROW_FLIPPED = {name for name, recipe in _TRANSFORM_RECIPES.items() if recipe[0]}


@lru_cache(maxsize=1)
def _dct_matrix() -> np.ndarray:
    scale = math.sqrt(2.0 / 64)
    i = np.arange(1, 17)[:, None]
    j = np.arange(64)[None, :]
    return (
        (scale * np.cos((math.pi / 2 / 64) * i * (2 * j + 1))).astype(np.float32).astype(np.float64)
    )


def dct_16(buffer64: np.ndarray) -> np.ndarray:
    d = _dct_matrix()
    return d @ buffer64 @ d.T


def quality_of(buffer64: np.ndarray) -> int:
    """PDQ's image-domain quality: count of significant gradients, scaled to 0..100."""
    b = buffer64.astype(np.float32)
    total = 0
    for diff in (b[:-1, :] - b[1:, :], b[:, :-1] - b[:, 1:]):
        scaled = (diff * np.float32(100)) / np.float32(255)
        total += int(np.abs(np.trunc(scaled)).astype(np.int64).sum())
    return min(total // 90, 100)


def hex_from_dct(dct16: np.ndarray) -> str:
    """Bits above the (lower) median, in pdqhash / python-threatexchange's hex order."""
    flat = dct16.reshape(256)
    median = np.sort(flat)[127]
    bits = flat > median  # bit k = 16*row + col
    return hex_from_bits(bits[::-1])


def hex_from_bits(bits_high_first: np.ndarray) -> str:
    """64-hex form of a 256-bit vector given most significant bit first (pdqhash's order)."""
    return np.packbits(np.asarray(bits_high_first, dtype=np.uint8)).tobytes().hex()


@dataclass(frozen=True)
class PdqResult:
    hash: str
    quality: int
    variants: dict[str, tuple[str, int]]  # transform name -> (hash, quality), on request


def pdq_from_pixels(
    pixels: np.ndarray,
    full_height: int | None = None,
    full_width: int | None = None,
    *,
    dihedral: bool = False,
) -> PdqResult:
    """PDQ of (H, W) luma or (H, W, 3) uint8 RGB decoded at any scale; ``full_*`` give
    the size it stands for.

    With ``dihedral``, ``variants`` holds the hashes of the seven other rotations/flips
    of the pixels (not PDQ's DCT-sign shortcut, which lands ~15 bits away from them).
    """
    full_height = full_height or pixels.shape[0]
    full_width = full_width or pixels.shape[1]
    transforms = TRANSFORMS if dihedral else TRANSFORMS[:1]
    if min(full_height, full_width) < MIN_HASHABLE_SIDE:
        return PdqResult(ZERO_HASH, 0, {t: (ZERO_HASH, 0) for t in transforms[1:]})
    buffers = dihedral_buffers(pixels, full_height, full_width, transforms)
    hashed = {name: (hex_from_dct(dct_16(b)), quality_of(b)) for name, b in buffers.items()}
    original = hashed.pop("original")
    return PdqResult(original[0], original[1], hashed)
