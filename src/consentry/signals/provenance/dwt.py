"""A one-level 2-D Haar wavelet transform (orthonormal, as PyWavelets' ``'haar'``), in numpy.

For each 2x2 block ``[[a, b], [c, d]]`` of an array with even sides:
``LL = (a+b+c+d)/2``, ``LH = (a+b-c-d)/2``, ``HL = (a-b+c-d)/2``, ``HH = (a-b-c+d)/2``; the
inverse recovers the block exactly. The watermark decoder needs only ``LL``.
"""

from __future__ import annotations

import numpy as np


def haar_approximation(channel: np.ndarray) -> np.ndarray:
    """The LL band of a 2-D array (odd trailing rows/columns are dropped)."""
    rows, cols = channel.shape[0] // 2 * 2, channel.shape[1] // 2 * 2
    x = channel[:rows, :cols].astype(np.float64, copy=False)
    return (x[0::2, 0::2] + x[0::2, 1::2] + x[1::2, 0::2] + x[1::2, 1::2]) * 0.5


def haar_forward(
    channel: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """LL, LH, HL, HH bands of a 2-D array with even sides."""
    x = channel.astype(np.float64, copy=False)
    a, b, c, d = x[0::2, 0::2], x[0::2, 1::2], x[1::2, 0::2], x[1::2, 1::2]
    return (
        (a + b + c + d) * 0.5,
        (a + b - c - d) * 0.5,
        (a - b + c - d) * 0.5,
        (a - b - c + d) * 0.5,
    )


def haar_inverse(ll: np.ndarray, lh: np.ndarray, hl: np.ndarray, hh: np.ndarray) -> np.ndarray:
    """The array whose ``haar_forward`` bands are the given ones."""
    out = np.empty((ll.shape[0] * 2, ll.shape[1] * 2), dtype=np.float64)
    out[0::2, 0::2] = (ll + lh + hl + hh) * 0.5
    out[0::2, 1::2] = (ll + lh - hl - hh) * 0.5
    out[1::2, 0::2] = (ll - lh + hl - hh) * 0.5
    out[1::2, 1::2] = (ll - lh - hl + hh) * 0.5
    return out
