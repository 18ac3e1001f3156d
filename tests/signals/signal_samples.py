"""Benign test pictures for the signals tests: drawn shapes and encoding helpers."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def drawn_picture() -> np.ndarray:
    """A deterministic drawing: colour ramps, a disc and a rectangle (300x400)."""
    y, x = np.mgrid[0:300, 0:400]
    r = ((x * 255) // 399).astype(np.uint8)
    g = ((y * 255) // 299).astype(np.uint8)
    b = np.where((x - 250) ** 2 + (y - 120) ** 2 < 60**2, 230, 40).astype(np.uint8)
    b[200:260, 40:160] = 140
    return np.dstack([r, g, b])


def encode(rgb: np.ndarray, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg_roundtrip(rgb: np.ndarray, quality: int = 90) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(encode(rgb, "JPEG", quality=quality))).convert("RGB"))


def grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.dstack([grey] * 3))
