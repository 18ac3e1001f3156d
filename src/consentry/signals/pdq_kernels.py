"""The two weighted sums behind PDQ's 64x64 downsample, compiled with numba.

Plain loops over each sample's nonzero span: no BLAS call, so no BLAS thread pool
(which, on a busy 2-core machine, made these small products 10-30x slower).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def weighted_rows(
    lum: np.ndarray, weights: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """(64, W): row i is the sum over rows r in [lo[i], hi[i]) of weights[i, r] * lum[r]."""
    out = np.zeros((weights.shape[0], lum.shape[1]))
    for i in range(weights.shape[0]):
        for r in range(lo[i], hi[i]):
            w = weights[i, r]
            for x in range(lum.shape[1]):
                out[i, x] += w * lum[r, x]
    return out


@njit(cache=True, nogil=True)
def weighted_cols(
    reduced: np.ndarray, weights: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """(64, 64): out[i, j] = sum over c in [lo[j], hi[j]) of reduced[i, c] * weights[j, c]."""
    out = np.zeros((reduced.shape[0], weights.shape[0]))
    for i in range(reduced.shape[0]):
        for j in range(weights.shape[0]):
            total = 0.0
            for c in range(lo[j], hi[j]):
                total += reduced[i, c] * weights[j, c]
            out[i, j] = total
    return out
