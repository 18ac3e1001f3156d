"""HEIC/HEIF through pillow-heif, an optional dependency (its wheels bundle GPL-licensed x265).

Every top-level image of the file is a frame, the primary image first. libheif applies the
file's rotation and mirroring (irot/imir) itself, so frames come out upright.
"""

from __future__ import annotations

import importlib
import io
from types import ModuleType

from consentry.media.color import to_rgb_array
from consentry.media.errors import HeifNotInstalled, TooManyFrames, TooManyPixels
from consentry.media.image import DecodedImage, pillow_guard
from consentry.media.limits import Limits
from consentry.media.pillow import check_pixels
from consentry.media.source import MediaSource


def load_pillow_heif(name: str | None = None) -> ModuleType:
    """The ``pillow_heif`` module, or ``HeifNotInstalled`` saying how to get it."""
    try:
        return importlib.import_module("pillow_heif")
    except ImportError:
        raise HeifNotInstalled(
            "this is a HEIC/HEIF image, and reading those needs the optional pillow-heif "
            "package: pip install 'consentry[heif]'",
            name=name,
        ) from None


def decode_heif(src: MediaSource, *, limits: Limits, max_frames: int | None = None) -> DecodedImage:
    pillow_heif = load_pillow_heif(src.name)
    with pillow_guard(src, limits):
        heif = pillow_heif.open_heif(io.BytesIO(src.data), convert_hdr_to_8bit=True)
        images = [heif[heif.primary_index]]
        images += [image for i, image in enumerate(heif) if i != heif.primary_index]
    if len(images) > limits.max_frames:
        raise TooManyFrames(
            f"the file holds {len(images)} images, more than the limit of {limits.max_frames}",
            name=src.name,
        )
    frames, total = [], 0
    for index, image in enumerate(images[:max_frames]):
        check_pixels(image.size, src.name, limits, what=f"image {index}" if index else "")
        total += image.size[0] * image.size[1]
        if total > limits.max_total_pixels:
            raise TooManyPixels(
                f"its images together exceed {limits.max_total_pixels:,} pixels (the limit)",
                name=src.name,
            )
        with pillow_guard(src, limits):
            pil = image.to_pillow()
        frames.append(to_rgb_array(pil))
    width, height = images[0].size
    return DecodedImage(
        frames=frames, width=width, height=height, format="heif", mode=images[0].mode
    )
