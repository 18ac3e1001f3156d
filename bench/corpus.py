"""Benign JPEG corpus for the benchmarks: scikit-image sample photos, cropped, resized,
jittered (brightness, contrast, noise), saved at JPEG quality 85-92 under bench/.work/corpus.

Deterministic per (size, index): re-running reuses existing files.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance
from skimage import data

SIZES = ((640, 480), (1280, 960), (1920, 1080), (4000, 3000))
_PHOTOS = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "camera",
    "immunohistochemistry",
    "hubble_deep_field",
    "retina",
    "cat",
    "colorwheel",
    "page",
    "text",
    "moon",
    "brick",
    "grass",
    "gravel",
)


def _photo(name: str) -> np.ndarray:
    image = getattr(data, name)()
    if image.ndim == 2:
        image = np.dstack([image] * 3)
    return np.ascontiguousarray(image[:, :, :3])


def make_jpeg(size: tuple[int, int], index: int) -> bytes:
    rng = np.random.default_rng([size[0], size[1], index])
    photo = _photo(_PHOTOS[index % len(_PHOTOS)])
    h, w = photo.shape[:2]
    keep = rng.uniform(0.6, 1.0)
    ch, cw = int(h * keep), int(w * keep)
    top, left = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
    image = Image.fromarray(photo[top : top + ch, left : left + cw]).resize(size, Image.BICUBIC)
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.85, 1.15))
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.85, 1.15))
    pixels = np.asarray(image, dtype=np.float32)
    noise = rng.normal(0, rng.uniform(2, 6), pixels.shape[:2])[:, :, None]
    pixels = np.clip(pixels + noise, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=int(rng.integers(85, 93)))
    return buffer.getvalue()


def build_corpus(root: Path, per_size: int, sizes=SIZES) -> dict[tuple[int, int], list[Path]]:
    corpus = {}
    for size in sizes:
        folder = root / f"{size[0]}x{size[1]}"
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for index in range(per_size):
            path = folder / f"{index:05d}.jpg"
            if not path.exists():
                path.write_bytes(make_jpeg(size, index))
            paths.append(path)
        corpus[size] = paths
    return corpus
