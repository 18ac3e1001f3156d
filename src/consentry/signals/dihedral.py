"""The eight rotations/flips of an image (the dihedral group), on pixels and on PDQ's DCT.

Names follow Pillow's ``Image.Transpose``: ``rotate90`` turns the image 90 degrees
counter-clockwise (like ``numpy.rot90``), ``flip-horizontal`` mirrors left-right,
``transpose`` swaps rows and columns, ``transverse`` mirrors across the anti-diagonal.
A hash variant named after a transform is the hash of the image with that transform applied.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TRANSFORMS: tuple[str, ...] = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip-horizontal",
    "flip-vertical",
    "transpose",
    "transverse",
)

_PIXEL_TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "original": lambda a: a,
    "rotate90": lambda a: np.rot90(a, 1),
    "rotate180": lambda a: np.rot90(a, 2),
    "rotate270": lambda a: np.rot90(a, 3),
    "flip-horizontal": lambda a: a[:, ::-1],
    "flip-vertical": lambda a: a[::-1],
    "transpose": lambda a: np.swapaxes(a, 0, 1),
    "transverse": lambda a: np.swapaxes(a, 0, 1)[::-1, ::-1],
}


def apply_transform(image: np.ndarray, transform: str) -> np.ndarray:
    """Return ``image`` (H, W[, C]) with the named transform applied, C-contiguous."""
    try:
        func = _PIXEL_TRANSFORMS[transform]
    except KeyError:
        raise ValueError(f"unknown transform {transform!r}; expected one of {TRANSFORMS}") from None
    return np.ascontiguousarray(func(image))
