"""Videos fingerprinted in the browser (static/js/hashing/video.js via index.js): MD5 and
SHA-256 always; vPDQ where Chromium decodes the codec, on the same frames as the server's
consentry.signals.vpdq (every int(fps)-th frame, timestamp index / fps).

The videos are made by the test with PyAV from a scikit-image sample photo (a slow pan)."""

from __future__ import annotations

from typing import Any

import pytest
from hashing_helpers import (
    HashingPage,
    encode_video,
    fingerprint_value,
    hamming,
    panning_frames,
    sample_photos,
    shared_hashing_page,
)

from consentry.signals.fingerprint import fingerprint
from consentry.signals.vpdq import VPDQ, frames_from_text, vpdq_match

# Chromium's and FFmpeg's YUV -> RGB conversions differ by a level here and there.
FRAME_DISTANCE_MAX = 10


@pytest.fixture(scope="module")
def videos() -> dict[str, bytes]:
    photo = sample_photos()["astronaut"]
    five_seconds = panning_frames(photo, 50)
    return {
        "pan.mp4": encode_video(five_seconds, "mp4", 10, "libx264"),
        "pan.webm": encode_video(five_seconds, "webm", 10, "libvpx-vp9"),
        "pan30.mp4": encode_video(panning_frames(photo, 360), "mp4", 30, "libx264"),
        "pan.avi": encode_video(five_seconds, "avi", 10, "mpeg4"),
    }


@pytest.fixture
def hashing(page: Any, server: Any) -> HashingPage:
    return HashingPage(page, server.url).open()


@pytest.fixture(scope="module")
def results(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, videos: dict[str, bytes]
) -> dict[str, dict[str, Any]]:
    with shared_hashing_page(browser, tmp_path_factory.mktemp("videos")) as hashing:
        return hashing.fingerprint(videos)


@pytest.mark.parametrize("name", ["pan.mp4", "pan.webm", "pan30.mp4"])
def test_vpdq_matches_the_server_frame_for_frame(
    results: dict[str, dict[str, Any]], videos: dict[str, bytes], name: str
) -> None:
    ours = results[name]
    server = fingerprint(videos[name])
    assert ours["kind"] == "video"
    assert (ours["width"], ours["height"]) == (server.width, server.height)
    assert fingerprint_value(ours, "md5") == server.md5
    assert fingerprint_value(ours, "sha256") == server.sha256
    text = fingerprint_value(ours, "vpdq")
    assert text is not None and VPDQ.parse(text) == text  # the server's canonical form
    frames = frames_from_text(text)
    assert server.vpdq is not None
    assert [(f.index, f.timestamp) for f in frames] == [(f.index, f.timestamp) for f in server.vpdq]
    distances = [hamming(a.pdq, b.pdq) for a, b in zip(frames, server.vpdq, strict=True)]
    assert max(distances) <= FRAME_DISTANCE_MAX, distances
    assert vpdq_match(frames, server.vpdq) == (100.0, 100.0)
    assert ours["warnings"] == []
    assert ours["progress"][-1] == 1 and ours["progress"] == sorted(ours["progress"])


def test_codec_the_browser_cannot_decode_still_gets_digests(
    results: dict[str, dict[str, Any]], videos: dict[str, bytes]
) -> None:
    ours = results["pan.avi"]  # MPEG-4 Part 2 in AVI: the server reads it, Chromium does not
    server = fingerprint(videos["pan.avi"])
    assert ours["kind"] == "video"
    assert fingerprint_value(ours, "md5") == server.md5
    assert fingerprint_value(ours, "sha256") == server.sha256
    assert fingerprint_value(ours, "vpdq") is None
    assert ours["warnings"] == ["vpdq-unavailable"]


def test_damaged_video_is_an_error_not_a_partial_result(hashing: HashingPage) -> None:
    damaged = b"\0\0\0\x18ftypisom\0\0\0\0isomiso2" + b"\x13\x37" * 4000
    result = hashing.fingerprint({"damaged.mp4": damaged})["damaged.mp4"]
    assert result["code"] == "unreadable-video"
    assert "fingerprints" not in result
