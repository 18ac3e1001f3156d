"""Decode still and animated images in memory to upright RGB uint8 arrays.

Frames: every frame of an animated GIF, APNG, WebP or AVIF sequence (with durations); every page
of a multi-page TIFF and every top-level image of a HEIF file (primary first, no durations);
only the primary image of a JPEG (the extra images of an MPO file are previews). EXIF orientation
is applied to each frame. Colour modes are normalised as described in ``consentry.media.color``;
transparency is alpha-composited over white.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops, features

from consentry.media.color import to_rgb_array
from consentry.media.errors import TooManyFrames, TooManyPixels, UnsupportedFormat
from consentry.media.limits import DEFAULT_LIMITS, Limits
from consentry.media.pillow import check_pixels, decoder_errors, pillow_pixel_limit
from consentry.media.source import MediaSource, SourceLike, read_source
from consentry.media.structure import ISOBMFF_FORMATS, check_isobmff, check_tiff

PIL_FORMATS: dict[str, tuple[str, ...]] = {
    "jpeg": ("JPEG", "MPO"),
    "png": ("PNG",),
    "gif": ("GIF",),
    "webp": ("WEBP",),
    "bmp": ("BMP",),
    "tiff": ("TIFF",),
    "avif": ("AVIF",),
}
ANIMATED_FORMATS = frozenset({"gif", "png", "webp", "avif"})
_SINGLE_FRAME_FORMATS = frozenset({"jpeg", "bmp"})

_EXIF_ORIENTATION = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass
class DecodedImage:
    """Decoded frames plus what the file said about them.

    ``frames``: (H, W, 3) uint8 C-contiguous RGB arrays, upright. They may be read-only (the
    decoder's buffer is not copied again): copy before writing to them.
    ``width``/``height``: full-resolution size of the first frame after orientation, even when
    ``scale`` < 1 (a reduced-scale JPEG decode; ``scale`` = decoded width / full width).
    ``mode``: the Pillow mode the file was stored in ("RGB", "CMYK", "P", "I;16"...).
    ``durations_ms``: per-frame display durations of animated images, else None.
    """

    frames: list[np.ndarray]
    width: int
    height: int
    format: str
    mode: str
    scale: float = 1.0
    durations_ms: list[int] | None = None

    @property
    def animated(self) -> bool:
        return self.durations_ms is not None


@dataclass(frozen=True)
class PilFrame:
    rgb: np.ndarray
    duration_ms: int | None
    orientation: int


def decode_image(
    source: MediaSource | SourceLike,
    *,
    min_side: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    max_frames: int | None = None,
) -> DecodedImage:
    """Decode an image in memory to upright RGB frames.

    ``min_side``: a JPEG may be decoded at 1/2, 1/4 or 1/8 scale (DCT scaling), the largest
    reduction that keeps both sides >= ``min_side``; other formats decode at full size.
    ``max_frames``: decode at most this many frames (e.g. 1 for the first frame only); the file
    is refused only when decoding would go past ``limits.max_frames``.
    """
    if min_side is not None and min_side < 1:
        raise ValueError("min_side must be at least 1 or None")
    if max_frames is not None and max_frames < 1:
        raise ValueError("max_frames must be at least 1 or None")
    src = as_source(source, limits)
    require_image(src)
    check_container(src, limits)
    if src.format == "heif":
        from consentry.media.heif import decode_heif

        return decode_heif(src, limits=limits, max_frames=max_frames)
    with pillow_guard(src, limits):
        img = open_pillow(src)
    with img:
        full_size = img.size
        check_pixels(full_size, src.name, limits)  # the stored size, before any reduction
        if min_side is not None and src.format == "jpeg":
            img.draft("RGB" if img.mode == "RGB" else None, (min_side, min_side))
        scale = img.size[0] / full_size[0]
        mode = img.mode  # before iterating: later GIF frames come out as RGB
        decoded = iter_pil_frames(img, src, limits, max_frames)
        frames = list(within_total_pixels(decoded, src, limits))
        animated = src.format in ANIMATED_FORMATS and getattr(img, "is_animated", False)
    width, height = full_size
    if frames[0].orientation in (5, 6, 7, 8):
        width, height = height, width
    return DecodedImage(
        frames=[frame.rgb for frame in frames],
        width=width,
        height=height,
        format=src.format,
        mode=mode,
        scale=scale,
        durations_ms=[frame.duration_ms or 0 for frame in frames] if animated else None,
    )


def as_source(source: MediaSource | SourceLike, limits: Limits) -> MediaSource:
    if isinstance(source, MediaSource):
        return source
    return read_source(source, limits=limits)


def require_image(src: MediaSource) -> None:
    if src.kind != "image":
        raise UnsupportedFormat(
            f"this is a video ({src.format}), not an image: read it as a video", name=src.name
        )
    if src.format == "avif" and not features.check("avif"):
        raise UnsupportedFormat(
            "AVIF needs Pillow built with AVIF support (Pillow >= 11.2 wheels have it)",
            name=src.name,
        )


def check_container(src: MediaSource, limits: Limits) -> None:
    """Structural checks (nesting, page/item counts, truncation) before decoding."""
    if src.format in ISOBMFF_FORMATS:
        check_isobmff(src.data, src.name, limits)
    elif src.format == "tiff":
        check_tiff(src.data, src.name, limits)


@contextmanager
def pillow_guard(src: MediaSource, limits: Limits) -> Iterator[None]:
    """Around each Pillow call: per-call pixel limit, exceptions mapped to media errors."""
    with pillow_pixel_limit(limits.max_pixels), decoder_errors(src.data, src.format, src.name):
        yield


def open_pillow(src: MediaSource) -> Image.Image:
    """Parse the header only, with the plugin for the sniffed format."""
    return Image.open(io.BytesIO(src.data), formats=PIL_FORMATS[src.format])


def iter_pil_frames(
    img: Image.Image, src: MediaSource, limits: Limits, max_frames: int | None = None
) -> Iterator[PilFrame]:
    """Decode the frames of an open Pillow image one at a time, within ``limits``."""
    check_pixels(img.size, src.name, limits)
    index = 0
    while max_frames is None or index < max_frames:
        if index > 0 and not seek_frame(img, index, src, limits):
            return
        check_frame_count(index, src, limits)
        check_pixels(img.size, src.name, limits, what=f"frame {index}")
        with pillow_guard(src, limits):
            img.load()
        orientation = _orientation(img)
        yield PilFrame(_upright_rgb(img, src.format, orientation), _duration(img), orientation)
        index += 1


def seek_frame(img: Image.Image, index: int, src: MediaSource, limits: Limits) -> bool:
    """Move to frame ``index``; False when there is no such frame."""
    if src.format in _SINGLE_FRAME_FORMATS:
        return False
    with pillow_guard(src, limits):
        try:
            img.seek(index)
        except EOFError:
            return False
    return True


def check_frame_count(index: int, src: MediaSource, limits: Limits) -> None:
    """Refuse frame number ``index`` (0-based) when it is past ``limits.max_frames``."""
    if index >= limits.max_frames:
        raise TooManyFrames(
            f"the image has more than {limits.max_frames} frames (the limit)", name=src.name
        )


def within_total_pixels(
    frames: Iterator[PilFrame], src: MediaSource, limits: Limits
) -> Iterator[PilFrame]:
    total = 0
    for frame in frames:
        total += frame.rgb.shape[0] * frame.rgb.shape[1]
        if total > limits.max_total_pixels:
            raise TooManyPixels(
                f"its frames together exceed {limits.max_total_pixels:,} pixels (the limit); "
                "decode fewer frames or read it as a video",
                name=src.name,
            )
        yield frame


def _orientation(img: Image.Image) -> int:
    try:
        value = img.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a broken EXIF block must not stop decoding the pixels
        return 1
    return value if value in _TRANSPOSE else 1


def _duration(img: Image.Image) -> int | None:
    value = img.info.get("duration")
    return round(value) if isinstance(value, int | float) else None


def _upright_rgb(img: Image.Image, fmt: str, orientation: int) -> np.ndarray:
    if fmt == "jpeg" and img.mode == "CMYK" and "adobe" not in img.info:
        # Pillow reads every CMYK JPEG in Adobe's inverted convention; without an Adobe APP14
        # marker the writer used plain CMYK, so undo Pillow's inversion.
        img = ImageChops.invert(img)
    if orientation in _TRANSPOSE:
        img = img.transpose(_TRANSPOSE[orientation])
    return to_rgb_array(img)
