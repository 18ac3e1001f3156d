"""Videos through PyAV: containers and codecs, timestamps, sampling, rotation, broken files."""

from __future__ import annotations

import io
import itertools
import random
import struct
from fractions import Fraction

import av
import numpy as np
import pytest

from consentry.media import (
    Corrupt,
    Limits,
    TooDeeplyNested,
    TooLong,
    TooManyFrames,
    TooManyPixels,
    Truncated,
    UnsupportedFormat,
    iter_video_frames,
    probe_video,
    read_source,
)
from consentry.media import video as video_module

from .helpers import make_video, mean_abs_diff, panning_frames

CONTAINERS = [
    ("libx264", "mp4", "mp4"),
    ("mpeg4", "mp4", "mp4"),
    ("libx264", "mov", "mov"),
    ("libvpx", "webm", "webm"),
    ("libvpx-vp9", "webm", "webm"),
    ("libx264", "matroska", "mkv"),
    ("mpeg4", "avi", "avi"),
]


@pytest.mark.parametrize(("codec", "container", "fmt"), CONTAINERS)
def test_formats_decode_every_frame(photo, codec, container, fmt):
    source_frames = panning_frames(photo, 12)
    src = read_source(make_video(source_frames, codec=codec, container=container))
    assert (src.kind, src.format) == ("video", fmt)
    frames = list(iter_video_frames(src, every_seconds=None))
    assert [f.index for f in frames] == list(range(12))
    assert [f.timestamp for f in frames] == pytest.approx([i / 10 for i in range(12)])
    for frame, expected in zip(frames, source_frames, strict=True):
        assert frame.rgb.shape == (96, 128, 3)
        assert frame.rgb.dtype == np.uint8
        assert frame.rgb.flags.c_contiguous
        assert mean_abs_diff(frame.rgb, expected) < 12


def test_timestamps_strictly_increase(clip):
    stamps = [f.timestamp for f in iter_video_frames(clip, every_seconds=None)]
    assert len(stamps) == 30
    assert all(b > a for a, b in itertools.pairwise(stamps))


@pytest.mark.parametrize(
    ("every", "indices"),
    [(1.0, [0, 10, 20]), (0.5, [0, 5, 10, 15, 20, 25]), (2.0, [0, 20]), (0.1, list(range(30)))],
)
def test_every_seconds_sampling(clip, every, indices):
    frames = list(iter_video_frames(clip, every_seconds=every))
    assert [f.index for f in frames] == indices
    assert [f.timestamp for f in frames] == pytest.approx([i / 10 for i in indices])


def test_sampling_does_not_drift_at_ntsc_rates(photo):
    # 29.97 fps: frame k is at k * 1001 / 30000 s; one frame per second, no drift after 4 s.
    frames = [photo[:32, i % 90 : i % 90 + 48] for i in range(130)]
    data = make_video(frames, rate=Fraction(30000, 1001))
    frames = list(iter_video_frames(data, every_seconds=1.0))
    assert [f.index for f in frames] == [0, 30, 60, 90, 120]


def test_every_seconds_must_be_positive(clip):
    with pytest.raises(ValueError, match="every_seconds"):
        list(iter_video_frames(clip, every_seconds=0))


def test_probe(clip):
    info = probe_video(read_source(clip, name="clip.mp4"))
    assert (info.width, info.height, info.codec, info.format) == (128, 96, "h264", "mp4")
    assert info.duration == pytest.approx(3.0)
    assert info.fps == pytest.approx(10.0)
    assert info.frame_count == 30
    assert info.rotation == 0


def test_display_rotation_is_applied(photo):
    upright = np.ascontiguousarray(photo[:128, :96])  # portrait 96 wide x 128 high
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # as a phone sensor records it
    # Displaying needs a 90 degree clockwise turn, i.e. -90 counterclockwise.
    data = make_video([stored] * 3, rotation=-90)
    info = probe_video(data)
    assert (info.width, info.height, info.rotation) == (96, 128, 270)
    frame = next(iter_video_frames(data))
    assert frame.rgb.shape == (128, 96, 3)
    assert frame.rgb.flags.c_contiguous
    assert mean_abs_diff(frame.rgb, upright) < 12


def test_generator_can_be_abandoned(clip):
    frames = iter_video_frames(clip, every_seconds=None)
    assert next(frames).index == 0
    frames.close()  # closes the container without error


# --- limits ------------------------------------------------------------------------------------


def test_too_long_from_the_header(clip):
    limits = Limits(max_duration_seconds=2)
    with pytest.raises(TooLong) as info:
        probe_video(read_source(clip, name="clip.mp4"), limits=limits)
    assert info.value.code == "too-long"
    assert info.value.message == ("clip.mp4: it lasts 0:00:03, longer than the limit of 0:00:02")
    with pytest.raises(TooLong):
        list(iter_video_frames(clip, limits=limits))


def test_too_long_while_decoding_when_the_header_lies(clip, monkeypatch):
    monkeypatch.setattr(video_module, "_check_info", lambda *args: None)
    frames = iter_video_frames(clip, every_seconds=None, limits=Limits(max_duration_seconds=1))
    stamps = []
    with pytest.raises(TooLong, match="runs past 0:00:01"):
        for frame in frames:
            stamps.append(frame.timestamp)
    assert max(stamps) <= 1.0


def test_too_many_delivered_frames(clip):
    with pytest.raises(TooManyFrames):
        list(iter_video_frames(clip, every_seconds=None, limits=Limits(max_frames=10)))
    assert len(list(iter_video_frames(clip, limits=Limits(max_frames=3)))) == 3


def test_too_many_decoded_frames(clip):
    with pytest.raises(TooManyFrames):
        probe_video(clip, limits=Limits(max_decoded_frames=20))


def test_too_many_pixels(clip):
    with pytest.raises(TooManyPixels, match="128x96"):
        probe_video(clip, limits=Limits(max_pixels=128 * 96 - 1))


# --- broken files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("container", "codec", "options"),
    [
        ("mp4", "libx264", {}),  # media data first, index (moov) at the end
        ("mp4", "libx264", {"movflags": "+faststart"}),  # index first
        ("webm", "libvpx", {}),
        ("matroska", "libx264", {}),
        ("avi", "mpeg4", {}),
    ],
)
@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_truncated(photo, tmp_path, container, codec, options, keep):
    path = str(tmp_path / f"clip.{container}")
    frames = panning_frames(photo, 20)
    data = make_video(frames, codec=codec, container=container, options=options, path=path)
    if options:
        assert data.index(b"moov") < data.index(b"mdat")
    cut = data[: int(len(data) * keep)]
    with pytest.raises(Truncated) as info:
        list(iter_video_frames(read_source(cut, name="cut.video"), every_seconds=None))
    assert "cut.video" in info.value.message
    with pytest.raises(Truncated):
        probe_video(cut)


def test_cut_inside_the_last_box_header(clip):
    with pytest.raises(Truncated, match="inside a box header"):
        probe_video(clip + b"\x00\x00\x01")


def test_vendor_trailer_after_the_last_box_is_not_truncation(clip):
    trailer = b"\x00\x01\x02\x03" + random.Random(9).randbytes(200) + b"SEFT"
    assert len(list(iter_video_frames(clip + trailer))) == 3


def test_mp4_header_followed_by_noise_is_corrupt(clip):
    data = clip[:32] + random.Random(6).randbytes(4000)
    data = data[:32] + struct.pack(">I", len(data) - 32) + b"free" + data[40:]
    with pytest.raises(Corrupt):
        probe_video(data)


def test_webm_header_followed_by_noise_is_an_error(photo):
    data = make_video(panning_frames(photo, 5), codec="libvpx", container="webm")
    noisy = data[:60] + random.Random(8).randbytes(len(data) - 60)
    with pytest.raises((Corrupt, Truncated)):
        list(iter_video_frames(noisy, every_seconds=None))


def test_matroska_with_only_audio():
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="matroska") as out:
        stream = out.add_stream("pcm_s16le", rate=8000)
        silence = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16")
        silence.sample_rate = 8000
        for packet in [*stream.encode(silence), *stream.encode()]:
            out.mux(packet)
    with pytest.raises(UnsupportedFormat) as info:
        probe_video(read_source(buffer.getvalue(), name="talk.mkv"))
    assert info.value.message == "talk.mkv: the file has no video stream"


def test_deeply_nested_mp4_boxes():
    inner = struct.pack(">I", 8) + b"free"
    for _ in range(30):
        inner = struct.pack(">I", 8 + len(inner)) + b"trak" + inner
    data = struct.pack(">I", 16) + b"ftypisom\x00\x00\x02\x00" + inner
    with pytest.raises(TooDeeplyNested):
        probe_video(read_source(data))
