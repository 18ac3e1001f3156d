"""Helpers for the live index tests: random PDQ hashes and hashes at a chosen distance."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image


def random_pdq(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def flipped(pdq: str, bits: int, rng: random.Random | None = None) -> str:
    """``pdq`` with ``bits`` distinct bits flipped (distance exactly ``bits``)."""
    chooser = rng or random.Random(bits)
    value = int(pdq, 16)
    for bit in chooser.sample(range(256), bits):
        value ^= 1 << bit
    return f"{value:064x}"


def rgb(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.stack([image] * 3, axis=-1) if image.ndim == 2 else image)


def encode(image: np.ndarray, format: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format, **options)
    return buffer.getvalue()


def animation(photos: dict[str, np.ndarray], names: list[str], side: int = 256) -> bytes:
    """An animated GIF showing each (benign sample) photo for one second."""
    frames = [Image.fromarray(photos[name]).resize((side, side)) for name in names]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=1000, loop=0)
    return buffer.getvalue()
