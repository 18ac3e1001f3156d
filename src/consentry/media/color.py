"""Turn a decoded Pillow image of any mode into an (H, W, 3) uint8 RGB array.

Transparency is alpha-composited over a white background (LA, RGBA, PA, La, RGBa and palette or
colour-key transparency), so a transparent logo hashes like it looks on a white page rather than
by whatever colour hides behind alpha 0.

High bit depths are scaled to 0..255: 16-bit modes divide by 257 (65535 -> 255); mode "I"
(32-bit integers) is taken as 8-bit when its values fit 0..255, as 16-bit when they fit
0..65535, otherwise stretched from its minimum to its maximum; mode "F" (floats) is taken as
0..1 when it fits, as 0..255 when it fits, otherwise stretched; NaN counts as 0 and values are
clipped.

CMYK is converted with Pillow's formula (R = (255 - C) * (255 - K) / 255 ...); the caller
un-inverts JPEGs whose CMYK is not in Adobe's inverted convention (see ``image.py``).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

_WHITE = (255, 255, 255)
_ALPHA_MODES = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})
_UINT16_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})


def to_rgb_array(img: Image.Image) -> np.ndarray:
    """An (H, W, 3) uint8 C-contiguous RGB array of ``img``; may be read-only (no extra copy)."""
    mode = img.mode
    if mode == "RGB" and "transparency" not in img.info:
        return np.asarray(img)
    if mode in _ALPHA_MODES or "transparency" in img.info:
        return np.asarray(composite_on_white(img))
    if mode in _UINT16_MODES:
        return _gray_to_rgb(_scale_uint16(np.asarray(img)))
    if mode == "I":
        return _gray_to_rgb(_scale_int(np.asarray(img)))
    if mode == "F":
        return _gray_to_rgb(_scale_float(np.asarray(img)))
    return np.asarray(img.convert("RGB"))


def composite_on_white(img: Image.Image) -> Image.Image:
    """``img`` alpha-composited over a white background, as an RGB image."""
    if img.mode == "La":  # Pillow converts premultiplied grey only to LA
        img = img.convert("LA")
    rgba = img.convert("RGBA")
    background = Image.new("RGB", rgba.size, _WHITE)
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[:, :, np.newaxis], 3, axis=2)


def _scale_uint16(values: np.ndarray) -> np.ndarray:
    return ((values.astype(np.uint32) + 128) // 257).astype(np.uint8)


def _scale_int(values: np.ndarray) -> np.ndarray:
    low, high = (int(values.min()), int(values.max())) if values.size else (0, 0)
    if low >= 0 and high <= 255:
        return values.astype(np.uint8)
    if low >= 0 and high <= 65535:
        return _scale_uint16(values)
    return _stretch(values.astype(np.float64), low, high)


def _scale_float(values: np.ndarray) -> np.ndarray:
    values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if low >= 0.0 and high <= 1.0:
        return np.rint(values * 255.0).astype(np.uint8)
    if low >= 0.0 and high <= 255.0:
        return np.rint(values).astype(np.uint8)
    return _stretch(values, low, high)


def _stretch(values: np.ndarray, low: float, high: float) -> np.ndarray:
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (values - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
