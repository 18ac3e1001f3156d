"""Videos (MP4, MOV, 3GP, WebM, Matroska, AVI) through PyAV, in memory; animated images too.

Frames come out as upright (H, W, 3) uint8 RGB with timestamps in seconds from the start of the
stream. A display matrix rotation (phones record portrait video as rotated landscape) is applied;
display-matrix flips are not (PyAV does not expose them).

Limits: the container's duration and the stream's frame size and frame count are checked before
decoding; while decoding, every frame's timestamp is checked against the duration limit again (a
header can lie), decoded frames against ``max_decoded_frames`` and delivered frames against
``max_frames``.

Animated images (GIF, APNG, WebP, AVIF) and any other image handed in as a "video" are read with
Pillow. Their timestamps add up the frame durations, read as browsers do (a duration of 10 ms or
less shows for 100 ms); frames without any duration (TIFF pages, HEIF images) count 1 second.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from PIL import Image

from consentry.media.errors import TooLong, TooManyFrames, Truncated, UnsupportedFormat
from consentry.media.image import (
    as_source,
    check_container,
    check_frame_count,
    iter_pil_frames,
    open_pillow,
    pillow_guard,
    require_image,
    seek_frame,
)
from consentry.media.limits import DEFAULT_LIMITS, Limits
from consentry.media.pillow import check_pixels, classify_failure
from consentry.media.source import MediaSource, SourceLike
from consentry.media.structure import (
    ISOBMFF_FORMATS,
    check_isobmff,
    ebml_truncated,
    riff_truncated,
)

_DEMUXERS = {"mp4": "mov", "mov": "mov", "3gp": "mov", "webm": "matroska", "mkv": "matroska"}
_DEMUXERS["avi"] = "avi"
_NO_DURATION_SECONDS = 1.0
_BROWSER_MIN_MS, _BROWSER_DEFAULT_MS = 10, 100


@dataclass(frozen=True)
class VideoInfo:
    """What the container says: duration in seconds, frame rate, display size and codec.

    ``width``/``height`` are as displayed (after ``rotation``, in degrees counterclockwise).
    ``frame_count`` is the container's count or, failing that, duration x fps (an estimate).
    """

    duration: float | None
    fps: float | None
    width: int
    height: int
    frame_count: int | None
    codec: str
    format: str
    rotation: int = 0


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame: its index among all decoded frames, its time and its pixels."""

    index: int
    timestamp: float
    rgb: np.ndarray


def probe_video(source: MediaSource | SourceLike, *, limits: Limits = DEFAULT_LIMITS) -> VideoInfo:
    """Read a video's header (and its first frame, for the rotation), within ``limits``."""
    src = as_source(source, limits)
    if src.kind == "image":
        return _probe_animation(src, limits)
    _check_video_container(src, limits)
    with _open_container(src) as container:
        stream = _video_stream(container, src)
        info = _stream_info(container, stream, src)
        _check_info(info, src, limits)
        first = next(_decoded_frames(container, stream, src), None)
    if first is None:
        raise classify_failure(src.data, src.format, src.name, ValueError("no frame decodes"))
    rotation = _rotation(first)
    if rotation in (90, 270):
        info = _replace_size(info, info.height, info.width, rotation)
    return info


def iter_video_frames(
    source: MediaSource | SourceLike,
    *,
    every_seconds: float | None = 1.0,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[VideoFrame]:
    """Decode frames, yielding the first frame at or after each multiple of ``every_seconds``.

    ``every_seconds=None`` yields every decoded frame. ``VideoFrame.index`` counts all decoded
    frames, sampled or not. Errors surface as typed ``MediaError``s while iterating.
    """
    if every_seconds is not None and every_seconds <= 0:
        raise ValueError("every_seconds must be positive or None")
    src = as_source(source, limits)
    if src.kind == "image":
        yield from _animation_frames(src, every_seconds, limits)
        return
    _check_video_container(src, limits)
    with _open_container(src) as container:
        stream = _video_stream(container, src)
        info = _stream_info(container, stream, src)
        _check_info(info, src, limits)
        yield from _sampled_frames(container, stream, src, info, every_seconds, limits)


class _Sampler:
    """Keeps the first frame at or after each grid point start, start + step, start + 2 step..."""

    _SLACK = 1e-6

    def __init__(self, step: float | None) -> None:
        self.step = step
        self.next_at: float | None = None

    def take(self, timestamp: float) -> bool:
        if self.step is None:
            return True
        if self.next_at is None:
            self.next_at = timestamp + self.step
            return True
        if timestamp + self._SLACK < self.next_at:
            return False
        steps = math.floor((timestamp - self.next_at + self._SLACK) / self.step) + 1
        self.next_at += steps * self.step
        return True


def _sampled_frames(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    src: MediaSource,
    info: VideoInfo,
    every_seconds: float | None,
    limits: Limits,
) -> Iterator[VideoFrame]:
    sampler = _Sampler(every_seconds)
    start = _seconds(stream.start_time, stream.time_base) or 0.0
    emitted = 0
    last = -math.inf
    for index, frame in enumerate(_decoded_frames(container, stream, src)):
        if index >= limits.max_decoded_frames:
            raise TooManyFrames(
                f"decoding went past {limits.max_decoded_frames:,} frames (the limit)",
                name=src.name,
            )
        timestamp = _frame_time(frame, start, last, info.fps)
        last = timestamp
        _check_time(timestamp, src, limits)
        if not sampler.take(timestamp):
            continue
        emitted += 1
        if emitted > limits.max_frames:
            raise TooManyFrames(
                f"the video gives more than {limits.max_frames:,} frames (the limit)",
                name=src.name,
            )
        check_pixels((frame.width, frame.height), src.name, limits, what=f"frame {index}")
        yield VideoFrame(index, timestamp, _frame_rgb(frame))


def _frame_time(frame: av.VideoFrame, start: float, last: float, fps: float | None) -> float:
    if frame.time is not None:
        return max(frame.time - start, 0.0)
    if last == -math.inf:
        return 0.0
    return last + (1.0 / fps if fps else 0.0)


def _check_time(timestamp: float, src: MediaSource, limits: Limits) -> None:
    if timestamp > limits.max_duration_seconds:
        raise TooLong(
            f"it runs past {_clock(limits.max_duration_seconds)} (the limit)", name=src.name
        )


def _frame_rgb(frame: av.VideoFrame) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")
    turns = _rotation(frame) // 90
    if turns:
        rgb = np.rot90(rgb, turns)
    return np.ascontiguousarray(rgb)


def _rotation(frame: av.VideoFrame) -> int:
    """Counterclockwise rotation to display the frame upright: 0, 90, 180 or 270."""
    degrees = getattr(frame, "rotation", 0) or 0
    return round(degrees / 90) % 4 * 90


def _check_video_container(src: MediaSource, limits: Limits) -> None:
    if src.format in ISOBMFF_FORMATS:
        check_isobmff(src.data, src.name, limits)
    elif src.format in ("webm", "mkv") and ebml_truncated(src.data):
        raise Truncated("the file is cut short: its Segment runs past the end", name=src.name)
    elif src.format == "avi" and riff_truncated(src.data):
        raise Truncated("the file is cut short: its RIFF chunk runs past the end", name=src.name)


class _open_container:
    """``av.open`` on the bytes in memory, FFmpeg errors mapped to media errors."""

    def __init__(self, src: MediaSource) -> None:
        self.src = src
        self.container: av.container.InputContainer | None = None

    def __enter__(self) -> av.container.InputContainer:
        try:
            self.container = av.open(io.BytesIO(self.src.data), format=_DEMUXERS[self.src.format])
        except (av.FFmpegError, ValueError, OSError) as err:
            raise classify_failure(self.src.data, self.src.format, self.src.name, err) from None
        return self.container

    def __exit__(self, *exc: object) -> None:
        if self.container is not None:
            self.container.close()


def _decoded_frames(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    src: MediaSource,
) -> Iterator[av.VideoFrame]:
    frames = container.decode(stream)
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            return
        except (av.FFmpegError, ValueError, OSError) as err:
            raise classify_failure(src.data, src.format, src.name, err) from None
        yield frame


def _video_stream(
    container: av.container.InputContainer, src: MediaSource
) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise UnsupportedFormat("the file has no video stream", name=src.name)
    stream = container.streams.video[0]
    if stream.codec_context is None:
        raise UnsupportedFormat("its video codec cannot be decoded", name=src.name)
    return stream


def _stream_info(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, src: MediaSource
) -> VideoInfo:
    duration = _seconds(stream.duration, stream.time_base)
    if duration is None and container.duration is not None:
        duration = container.duration / av.time_base
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else None
    count = stream.frames or (round(duration * fps) if duration and fps else None)
    context = stream.codec_context
    return VideoInfo(
        duration=duration,
        fps=fps,
        width=context.width,
        height=context.height,
        frame_count=count,
        codec=context.name,
        format=src.format,
    )


def _check_info(info: VideoInfo, src: MediaSource, limits: Limits) -> None:
    if info.duration is not None and info.duration > limits.max_duration_seconds:
        raise TooLong(
            f"it lasts {_clock(info.duration)}, longer than the limit of "
            f"{_clock(limits.max_duration_seconds)}",
            name=src.name,
        )
    check_pixels((info.width, info.height), src.name, limits, what="video frame")
    if info.frame_count is not None and info.frame_count > limits.max_decoded_frames:
        raise TooManyFrames(
            f"it has {info.frame_count:,} frames, more than the limit of "
            f"{limits.max_decoded_frames:,}",
            name=src.name,
        )


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _replace_size(info: VideoInfo, width: int, height: int, rotation: int) -> VideoInfo:
    return VideoInfo(
        info.duration, info.fps, width, height, info.frame_count, info.codec, info.format, rotation
    )


# --- animated images as videos ---------------------------------------------------------------


def _effective_ms(duration_ms: int | None) -> float:
    if duration_ms is None:
        return _NO_DURATION_SECONDS * 1000
    return _BROWSER_DEFAULT_MS if duration_ms <= _BROWSER_MIN_MS else duration_ms


def _animation_frames(
    src: MediaSource, every_seconds: float | None, limits: Limits
) -> Iterator[VideoFrame]:
    sampler = _Sampler(every_seconds)
    elapsed_ms = 0.0
    for index, (rgb, duration_ms) in enumerate(_image_frames(src, limits)):
        timestamp = elapsed_ms / 1000
        _check_time(timestamp, src, limits)
        elapsed_ms += _effective_ms(duration_ms)
        if sampler.take(timestamp):
            yield VideoFrame(index, timestamp, rgb)


def _image_frames(src: MediaSource, limits: Limits) -> Iterator[tuple[np.ndarray, int | None]]:
    require_image(src)
    check_container(src, limits)
    if src.format == "heif":
        from consentry.media.heif import decode_heif

        for rgb in decode_heif(src, limits=limits).frames:
            yield rgb, None
        return
    with pillow_guard(src, limits):
        img = open_pillow(src)
    with img:
        animated = getattr(img, "is_animated", False) and src.format != "tiff"
        for frame in iter_pil_frames(img, src, limits):
            yield frame.rgb, (frame.duration_ms or 0) if animated else None


def _probe_animation(src: MediaSource, limits: Limits) -> VideoInfo:
    require_image(src)
    check_container(src, limits)
    if src.format == "heif":
        from consentry.media.heif import decode_heif

        decoded = decode_heif(src, limits=limits, max_frames=1)
        return VideoInfo(None, None, decoded.width, decoded.height, 1, "heif", "heif")
    with pillow_guard(src, limits):
        img = open_pillow(src)
    with img:
        check_pixels(img.size, src.name, limits)
        width, height = img.size
        durations = _frame_durations(img, src, limits)
    total = sum(_effective_ms(d) for d in durations) / 1000
    if total > limits.max_duration_seconds:
        raise TooLong(f"the animation lasts {_clock(total)}, longer than the limit", name=src.name)
    fps = len(durations) / total if total else None
    return VideoInfo(total, fps, width, height, len(durations), src.format, src.format)


def _frame_durations(img: Image.Image, src: MediaSource, limits: Limits) -> list[int | None]:
    """Per-frame durations, seeking through the frames' headers without decoding pixels."""
    animated = getattr(img, "is_animated", False) and src.format != "tiff"
    durations: list[int | None] = []
    while not durations or seek_frame(img, len(durations), src, limits):
        check_frame_count(len(durations), src, limits)
        value = img.info.get("duration") if animated else None
        durations.append(round(value) if isinstance(value, int | float) else None)
    return durations
