"""Numba kernels behind the protected-photo fingerprint: blur, blob detection, patch bits.

Plain loops (no BLAS: on a busy 2-core machine its thread pool made small products slow).
Images are float32 luma in [0, 1]; coordinates are (x, y) in pixels, pixel k covering
[k, k + 1).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:  # pragma: no cover - compiled
    """Separable Gaussian blur with mirrored edges."""
    radius = max(1, math.ceil(3.0 * sigma))
    taps = np.empty(2 * radius + 1, np.float32)
    for k in range(-radius, radius + 1):
        taps[k + radius] = math.exp(-0.5 * (k / sigma) ** 2)
    taps /= taps.sum()
    height, width = image.shape
    rows = np.empty_like(image)
    for y in range(height):
        for x in range(width):
            total = np.float32(0.0)
            for k in range(-radius, radius + 1):
                total += taps[k + radius] * image[y, _mirror(x + k, width)]
            rows[y, x] = total
    out = np.empty_like(image)
    for y in range(height):
        for x in range(width):
            out[y, x] = 0.0
        for k in range(-radius, radius + 1):
            source = _mirror(y + k, height)
            weight = taps[k + radius]
            for x in range(width):
                out[y, x] += weight * rows[source, x]
    return out


@njit(inline="always")
def _mirror(i: int, n: int) -> int:
    if i < 0:
        i = -i - 1
    if i >= n:
        i = 2 * n - i - 1
    return min(max(i, 0), n - 1)


@njit(cache=True, nogil=True)
def scale_extrema(
    dogs: np.ndarray, threshold: float, edge_ratio: float, border: int
) -> np.ndarray:  # pragma: no cover - compiled
    """Local extrema of a (levels, H, W) difference-of-Gaussians stack over the inner levels.

    Returns (n, 4) float64 rows: x, y, level (each refined by one quadratic step) and the
    interpolated response. Edge-like points (principal curvature ratio above ``edge_ratio``)
    are dropped: they slide along the edge from one copy of the image to the next.
    """
    levels, height, width = dogs.shape
    out = np.empty((1024, 4))
    found = 0
    edge_limit = (edge_ratio + 1.0) ** 2 / edge_ratio
    for s in range(1, levels - 1):
        for y in range(border, height - border):
            for x in range(border, width - border):
                value = dogs[s, y, x]
                if abs(value) < threshold or not _is_extremum(dogs, s, y, x, value):
                    continue
                dxx = dogs[s, y, x + 1] + dogs[s, y, x - 1] - 2.0 * value
                dyy = dogs[s, y + 1, x] + dogs[s, y - 1, x] - 2.0 * value
                dxy = 0.25 * (
                    dogs[s, y + 1, x + 1]
                    - dogs[s, y + 1, x - 1]
                    - dogs[s, y - 1, x + 1]
                    + dogs[s, y - 1, x - 1]
                )
                det = dxx * dyy - dxy * dxy
                if det <= 0.0 or (dxx + dyy) ** 2 / det >= edge_limit:
                    continue
                offset_x, offset_y, offset_s, response = _refine(dogs, s, y, x)
                if found == out.shape[0]:
                    grown = np.empty((2 * found, 4))
                    grown[:found] = out
                    out = grown
                out[found, 0] = x + offset_x
                out[found, 1] = y + offset_y
                out[found, 2] = s + offset_s
                out[found, 3] = response
                found += 1
    return out[:found].copy()


@njit(inline="always")
def _is_extremum(dogs: np.ndarray, s: int, y: int, x: int, value: float) -> bool:
    for ds in range(-1, 2):
        for dy in range(-1, 2):
            for dx in range(-1, 2):
                if ds == 0 and dy == 0 and dx == 0:
                    continue
                other = dogs[s + ds, y + dy, x + dx]
                if value > 0 and other >= value:
                    return False
                if value < 0 and other <= value:
                    return False
    return True


@njit(inline="always")
def _refine(dogs: np.ndarray, s: int, y: int, x: int) -> tuple[float, float, float, float]:
    """One Newton step on the 3-D quadratic fit, each offset clipped to half a sample."""
    value = dogs[s, y, x]
    gx = 0.5 * (dogs[s, y, x + 1] - dogs[s, y, x - 1])
    gy = 0.5 * (dogs[s, y + 1, x] - dogs[s, y - 1, x])
    gs = 0.5 * (dogs[s + 1, y, x] - dogs[s - 1, y, x])
    hxx = dogs[s, y, x + 1] + dogs[s, y, x - 1] - 2.0 * value
    hyy = dogs[s, y + 1, x] + dogs[s, y - 1, x] - 2.0 * value
    hss = dogs[s + 1, y, x] + dogs[s - 1, y, x] - 2.0 * value
    ox = -gx / hxx if hxx != 0.0 else 0.0
    oy = -gy / hyy if hyy != 0.0 else 0.0
    os_ = -gs / hss if hss != 0.0 else 0.0
    ox = min(max(ox, -0.5), 0.5)
    oy = min(max(oy, -0.5), 0.5)
    os_ = min(max(os_, -0.5), 0.5)
    return ox, oy, os_, value + 0.5 * (gx * ox + gy * oy + gs * os_)


@njit(cache=True, nogil=True)
def patch_coefficients(
    patches: np.ndarray, basis: np.ndarray, pairs: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """(n, k) DCT-II coefficients ``pairs[j] = (u, v)`` (u horizontal) of each patch.

    ``basis`` is the (frequencies, cells) orthonormal DCT matrix.
    """
    n, cells, _ = patches.shape
    frequencies = basis.shape[0]
    out = np.empty((n, pairs.shape[0]), np.float32)
    rows = np.empty((cells, frequencies))
    for i in range(n):
        for y in range(cells):
            for u in range(frequencies):
                total = 0.0
                for x in range(cells):
                    total += basis[u, x] * patches[i, y, x]
                rows[y, u] = total
        for j in range(pairs.shape[0]):
            u, v = pairs[j, 0], pairs[j, 1]
            total = 0.0
            for y in range(cells):
                total += basis[v, y] * rows[y, u]
            out[i, j] = total
    return out


@njit(cache=True, nogil=True)
def median_bits(coefficients: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """(n,) uint64: bit j set when coefficient j is above the row's median (64 per row)."""
    n, k = coefficients.shape
    out = np.empty(n, np.uint64)
    for i in range(n):
        row = coefficients[i]
        median = np.median(row)
        word = np.uint64(0)
        for j in range(k):
            if row[j] > median:
                word |= np.uint64(1) << np.uint64(j)
        out[i] = word
    return out


@njit(cache=True, nogil=True)
def rotated_cells(
    images: np.ndarray,
    shapes: np.ndarray,
    factors: np.ndarray,
    levels: np.ndarray,
    centres: np.ndarray,
    sides: np.ndarray,
    angles: np.ndarray,
    cells: int,
) -> np.ndarray:  # pragma: no cover - compiled
    """(n, cells, cells) patch means on a grid rotated by ``angles`` (radians).

    Patch i is read from ``images[levels[i]]`` (whose pixels are ``factors`` pixels of the
    coordinates' image); each cell averages 2x2 bilinear samples.
    """
    n = centres.shape[0]
    out = np.empty((n, cells, cells), np.float32)
    for i in range(n):
        level = levels[i]
        scale = factors[level]
        height, width = shapes[level, 0], shapes[level, 1]
        step = sides[i] / cells
        cos_a, sin_a = math.cos(angles[i]), math.sin(angles[i])
        for row in range(cells):
            for col in range(cells):
                total = 0.0
                for sy in range(2):
                    for sx in range(2):
                        u = (col + 0.25 + 0.5 * sx) * step - 0.5 * sides[i]
                        v = (row + 0.25 + 0.5 * sy) * step - 0.5 * sides[i]
                        x = centres[i, 0] + cos_a * u - sin_a * v
                        y = centres[i, 1] + sin_a * u + cos_a * v
                        total += _bilinear(images[level], height, width, x / scale, y / scale)
                out[i, row, col] = 0.25 * total
    return out


@njit(inline="always")
def _bilinear(image: np.ndarray, height: int, width: int, x: float, y: float) -> float:
    """Sample at continuous (x, y), pixel k covering [k, k + 1); edges clamped."""
    x = min(max(x - 0.5, 0.0), width - 1.0)
    y = min(max(y - 0.5, 0.0), height - 1.0)
    x0 = min(int(x), width - 2) if width > 1 else 0
    y0 = min(int(y), height - 2) if height > 1 else 0
    fx = x - x0
    fy = y - y0
    x1 = min(x0 + 1, width - 1)
    y1 = min(y0 + 1, height - 1)
    top = image[y0, x0] * (1.0 - fx) + image[y0, x1] * fx
    bottom = image[y1, x0] * (1.0 - fx) + image[y1, x1] * fx
    return top * (1.0 - fy) + bottom * fy
