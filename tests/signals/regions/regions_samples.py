"""Benign test pictures for the protected-photo tests: edits of sample photos and drawings."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from consentry.index.regions import RegionIndex
from consentry.signals.regions import region_fingerprint

IDS = {"astronaut": 1, "coffee": 2, "chelsea": 3, "rocket": 4, "camera": 5}  # registered ids


def matched_ids(index: RegionIndex, rgb: np.ndarray) -> list[int]:
    """Ids of the registered photos the picture is found to show, best first."""
    return [hit.id for hit in index.search(region_fingerprint(rgb, dense=True))]


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def crop(rgb: np.ndarray, share: float) -> np.ndarray:
    """Remove ``share`` of the width and of the height, split between both sides."""
    height, width = rgb.shape[:2]
    dh, dw = round(height * share), round(width * share)
    return np.ascontiguousarray(
        rgb[dh // 3 : height - dh + dh // 3, dw // 2 : width - dw + dw // 2]
    )


def pad(rgb: np.ndarray, share: float, colour: tuple[int, int, int] = (30, 200, 90)) -> np.ndarray:
    """Add ``share`` of the width and of the height as a flat border."""
    height, width = rgb.shape[:2]
    dh, dw = round(height * share), round(width * share)
    out = np.empty((height + dh, width + dw, 3), np.uint8)
    out[:] = colour
    out[dh // 2 : dh // 2 + height, dw // 3 : dw // 3 + width] = rgb
    return out


def rotate(rgb: np.ndarray, degrees: float) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).rotate(degrees, Image.BICUBIC))


def resize(rgb: np.ndarray, factor: float) -> np.ndarray:
    height, width = rgb.shape[:2]
    size = (round(width * factor), round(height * factor))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.LANCZOS))


def with_text(rgb: np.ndarray) -> np.ndarray:
    image = Image.fromarray(rgb)
    height, width = rgb.shape[:2]
    font = ImageFont.load_default(size=height // 9)
    draw = ImageDraw.Draw(image)
    draw.text((width // 20, height // 30), "SAMPLE TEXT", fill=(255, 255, 255), font=font)
    draw.text((width // 20, 4 * height // 5), "MORE WORDS", fill=(255, 255, 0), font=font)
    return np.asarray(image)


def replace_lower(rgb: np.ndarray, share: float, fill: str, seed: int = 0) -> np.ndarray:
    """Replace the lower ``share`` of the picture (an ellipse-topped band) with ``fill``:
    flat colour, noise, a texture (stripes and dots) or a blurred copy."""
    rng = np.random.default_rng(seed)
    height, width = rgb.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width]
    bump = 0.08 * height * np.cos(np.pi * (xx / width - 0.5))
    mask = yy >= (1 - share) * height - bump + 0.04 * height
    out = rgb.copy()
    if fill == "flat":
        out[mask] = (200, 120, 160)
    elif fill == "noise":
        out[mask] = rng.integers(0, 256, (int(mask.sum()), 3))
    elif fill == "texture":
        stripes = (127 + 100 * np.sin(xx / 5.0 + yy / 9.0)).astype(np.uint8)
        out[mask] = np.dstack([stripes, 255 - stripes, stripes // 2])[mask]
    else:
        blurred = Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(max(height, width) / 30))
        out[mask] = np.asarray(blurred)[mask]
    return out


def drawn_scene(seed: int, size: tuple[int, int] = (420, 320)) -> np.ndarray:
    """Unrelated picture: coloured shapes on a gradient, slightly blurred."""
    rng = np.random.default_rng(seed)
    width, height = size
    ramp = np.linspace(0, 1, width)[None, :, None] * rng.integers(0, 256, 3)
    image = Image.fromarray(np.broadcast_to(ramp, (height, width, 3)).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(20):
        left, top = (int(v) for v in rng.integers(0, [width, height]))
        side = int(rng.integers(10, 120))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape([left, top, left + side, top + int(side * rng.uniform(0.5, 2))], fill=colour)
    return np.asarray(image.filter(ImageFilter.GaussianBlur(1)))


def noise_texture(seed: int, size: tuple[int, int] = (360, 360)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(coarse).resize(size, Image.BICUBIC))
