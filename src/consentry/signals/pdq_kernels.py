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
def weighted_rgb_rows(
    rgb: np.ndarray, weights: np.ndarray, lo: np.ndarray, hi: np.ndarray, luma_weights: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """As weighted_rows, over the luma of (H, W, 3) uint8 pixels computed on the fly.

    The luma is PDQ's: float64 products summed, then rounded to float32, as pdqhash does;
    each pixel row feeds about one output row, so this saves a whole pass and buffer.
    """
    out = np.zeros((weights.shape[0], rgb.shape[1]))
    r_w, g_w, b_w = luma_weights[0], luma_weights[1], luma_weights[2]
    for i in range(weights.shape[0]):
        for r in range(lo[i], hi[i]):
            w = weights[i, r]
            for x in range(rgb.shape[1]):
                lum = np.float32(rgb[r, x, 0] * r_w + rgb[r, x, 1] * g_w + rgb[r, x, 2] * b_w)
                out[i, x] += w * lum
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


@njit(cache=True, nogil=True)
def box_window(position: int, length: int, full: int, half: int) -> tuple[int, int]:
    """[lo, hi) of PDQ's box filter window at ``position`` (clipped at the edges)."""
    return max(position - (full - half), 0), min(position + half, length)


@njit(cache=True, nogil=True)
def full_axis_weights(length: int) -> np.ndarray:  # pragma: no cover - compiled
    """(64, length): sample i of PDQ's box filter applied twice along an axis.

    The second pass at sample i's centre averages first-pass outputs o in its window;
    each of those averages the input over o's window, so 1/(n_centre * n_o) is spread
    over it (as +share / -share marks, then a running sum along the row).
    """
    full = (length + 2 * 64 - 1) // (2 * 64)
    half = (full + 2) // 2
    weights = np.zeros((64, length + 1))
    for i in range(64):
        centre = int(((i + 0.5) * length) / 64)
        c_lo, c_hi = box_window(centre, length, full, half)
        for o in range(c_lo, c_hi):
            o_lo, o_hi = box_window(o, length, full, half)
            share = 1.0 / ((c_hi - c_lo) * (o_hi - o_lo))
            weights[i, o_lo] += share
            weights[i, o_hi] -= share
        # Outside the outermost windows the weight is zero; the running sum would leave
        # rounding residue there (1e-17), which would make every span the whole axis.
        span_lo = box_window(c_lo, length, full, half)[0]
        span_hi = box_window(c_hi - 1, length, full, half)[1]
        total = 0.0
        for x in range(span_lo, span_hi):
            total += weights[i, x]
            weights[i, x] = total
        weights[i, span_hi] = 0.0
    return weights[:, :length]


@njit(cache=True, nogil=True)
def block_weights(full_weights: np.ndarray, edges: np.ndarray) -> np.ndarray:  # pragma: no cover
    """(64, len(edges) - 1): full-size weights summed over each decoded pixel's block.

    ``edges`` are the blocks' full-resolution boundaries, possibly fractional: the
    running sum of the weights is read linearly within a pixel.
    """
    length = full_weights.shape[1]
    blocks = edges.shape[0] - 1
    out = np.empty((64, blocks))
    running = np.zeros(length + 1)
    for i in range(64):
        for x in range(length):
            running[x + 1] = running[x] + full_weights[i, x]
        previous = _running_at(running, edges[0])
        for b in range(blocks):
            current = _running_at(running, edges[b + 1])
            out[i, b] = current - previous
            previous = current
    return out


@njit(cache=True, nogil=True)
def _running_at(running: np.ndarray, position: float) -> float:  # pragma: no cover - compiled
    last = running.shape[0] - 1
    floor = min(int(np.floor(position)), last)
    upper = min(floor + 1, last)
    frac = position - floor
    return running[floor] * (1 - frac) + running[upper] * frac
