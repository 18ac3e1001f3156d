"""Helpers for the media tests: benign media generated in memory (nothing is committed)."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np
from PIL import Image


def encode(img: Image.Image, fmt: str, **options: object) -> bytes:
    """``img`` saved by Pillow in ``fmt``, as bytes."""
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def gray3(rgb: np.ndarray) -> np.ndarray:
    """Pillow's own RGB -> L, as (H, W, 3) so it compares to a normalised gray image."""
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    return np.repeat(gray[:, :, None], 3, axis=2)


def make_video(
    frames: list[np.ndarray],
    *,
    codec: str = "libx264",
    container: str = "mp4",
    rate: int | Fraction = 10,
    rotation: int | None = None,
    options: dict[str, str] | None = None,
    path: str | None = None,
) -> bytes:
    """Encode RGB frames into a video with PyAV: in memory, or through ``path`` when the muxer
    must reopen its output (MP4 "faststart")."""
    target = path or io.BytesIO()
    height, width = frames[0].shape[:2]
    with av.open(target, "w", format=container, options=options or {}) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for rgb in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    if path is not None:
        with open(path, "rb") as file:
            return file.read()
    return target.getvalue()


def panning_frames(
    photo: np.ndarray, count: int, size: tuple[int, int] = (96, 128)
) -> list[np.ndarray]:
    """``count`` crops of ``photo`` moving right by 3 pixels a frame."""
    height, width = size
    return [photo[20 : 20 + height, 3 * i : 3 * i + width] for i in range(count)]
