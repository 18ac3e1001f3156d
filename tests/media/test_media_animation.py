"""Animated GIF, WebP and PNG: frames, durations, and reading them as videos."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from consentry.media import (
    Limits,
    TooLong,
    TooManyFrames,
    decode_image,
    iter_video_frames,
    probe_video,
    read_source,
)

from .helpers import encode, mean_abs_diff

DURATIONS = [100, 200, 300, 400]


def _frames(photo: np.ndarray, count: int = 4) -> list[np.ndarray]:
    """Distinct 150x100 frames: the photo, halved, shifted by a different amount each time."""
    small = photo[::2, ::2]
    return [np.ascontiguousarray(np.roll(small, 20 * i, axis=1)) for i in range(count)]


def _animation(photo: np.ndarray, fmt: str, durations=DURATIONS, **options) -> bytes:
    images = [Image.fromarray(frame) for frame in _frames(photo, len(durations))]
    return encode(
        images[0], fmt, save_all=True, append_images=images[1:], duration=durations, **options
    )


@pytest.mark.parametrize(
    ("fmt", "options", "tolerance"),
    [("GIF", {"loop": 0}, 10.0), ("WEBP", {"lossless": True}, 0.0), ("PNG", {}, 0.0)],
)
def test_frames_and_durations(photo, fmt, options, tolerance):
    decoded = decode_image(read_source(_animation(photo, fmt, **options)))
    assert decoded.animated
    assert decoded.durations_ms == DURATIONS
    assert len(decoded.frames) == 4
    for got, expected in zip(decoded.frames, _frames(photo), strict=True):
        assert got.shape == (100, 150, 3)
        assert mean_abs_diff(got, expected) <= tolerance
    assert mean_abs_diff(decoded.frames[0], decoded.frames[1]) > 20  # really different frames


def test_gif_mode_is_the_stored_one(photo):
    assert decode_image(_animation(photo, "GIF")).mode == "P"


def test_first_frame_only(photo):
    decoded = decode_image(_animation(photo, "GIF"), max_frames=1)
    assert len(decoded.frames) == 1
    assert decoded.durations_ms == [100]


def test_single_frame_gif_is_not_animated(photo):
    decoded = decode_image(encode(Image.fromarray(photo), "GIF"))
    assert not decoded.animated
    assert decoded.durations_ms is None


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_as_a_video_every_frame(photo, fmt):
    frames = list(iter_video_frames(_animation(photo, fmt), every_seconds=None))
    assert [f.index for f in frames] == [0, 1, 2, 3]
    assert [f.timestamp for f in frames] == pytest.approx([0.0, 0.1, 0.3, 0.6])


def test_as_a_video_sampled(photo):
    frames = list(iter_video_frames(_animation(photo, "GIF"), every_seconds=0.25))
    # Grid 0, 0.25, 0.5: first frame at or after each -> t = 0, 0.3 (covers 0.25), 0.6.
    assert [f.index for f in frames] == [0, 2, 3]


def test_default_one_frame_per_second(photo):
    data = _animation(photo, "GIF", durations=[400] * 8)  # 3.2 s
    frames = list(iter_video_frames(data))
    assert [f.timestamp for f in frames] == pytest.approx([0.0, 1.2, 2.0])  # grid 0, 1, 2


def test_zero_durations_count_like_browsers(photo):
    data = _animation(photo, "GIF", durations=[0, 0, 0])
    frames = list(iter_video_frames(data, every_seconds=None))
    assert [f.timestamp for f in frames] == pytest.approx([0.0, 0.1, 0.2])


def test_still_image_as_a_video_is_one_frame(photo):
    frames = list(iter_video_frames(encode(Image.fromarray(photo), "PNG")))
    assert len(frames) == 1
    assert frames[0].timestamp == 0.0
    assert np.array_equal(frames[0].rgb, photo)


def test_probe_animation(photo):
    info = probe_video(_animation(photo, "GIF"))
    assert (info.width, info.height, info.frame_count, info.format) == (150, 100, 4, "gif")
    assert info.duration == pytest.approx(1.0)
    assert info.fps == pytest.approx(4.0)


def test_animation_too_long(photo):
    data = _animation(photo, "GIF")
    with pytest.raises(TooLong):
        probe_video(data, limits=Limits(max_duration_seconds=0.5))
    with pytest.raises(TooLong):
        list(iter_video_frames(data, limits=Limits(max_duration_seconds=0.5)))


def test_animation_too_many_frames(photo):
    data = _animation(photo, "GIF")
    with pytest.raises(TooManyFrames):
        probe_video(data, limits=Limits(max_frames=3))
    with pytest.raises(TooManyFrames):
        list(iter_video_frames(data, every_seconds=None, limits=Limits(max_frames=3)))
