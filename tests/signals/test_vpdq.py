"""vPDQ: frame selection, text forms and Meta's matching rule on crafted frame lists."""

from __future__ import annotations

import json

import numpy as np
import pytest

from consentry.signals import VPDQ, InvalidFingerprint, VpdqFrame, vpdq_match
from consentry.signals.vpdq import (
    frame_step,
    frames_from_text,
    frames_to_pytx_json,
    frames_to_text,
    hash_frame,
    prepare,
)

RNG = np.random.default_rng(7)


def _random_hash() -> str:
    return RNG.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def _flip_bits(hex_hash: str, count: int) -> str:
    value = int(hex_hash, 16)
    for bit in range(count):
        value ^= 1 << (bit * 7 % 256)
    return f"{value:064x}"


def _frames(hashes: list[str], quality: int = 100) -> list[VpdqFrame]:
    return [VpdqFrame(i, float(i), h, quality) for i, h in enumerate(hashes)]


def test_frame_step_follows_vpdq() -> None:
    assert frame_step(30.0) == 30
    assert frame_step(29.97) == 29
    assert frame_step(0.5) == 1
    assert frame_step(25.0, seconds_per_hash=2) == 50


def test_identical_videos_match_fully() -> None:
    frames = _frames([_random_hash() for _ in range(5)])
    assert vpdq_match(frames, frames) == (100.0, 100.0)


def test_distance_threshold_is_inclusive_at_31() -> None:
    base = _random_hash()
    assert vpdq_match(_frames([base]), _frames([_flip_bits(base, 31)])) == (100.0, 100.0)
    assert vpdq_match(_frames([base]), _frames([_flip_bits(base, 32)])) == (0.0, 0.0)
    assert vpdq_match(_frames([base]), _frames([_flip_bits(base, 10)]), distance=9) == (0.0, 0.0)


def test_query_inside_longer_target() -> None:
    target = [_random_hash() for _ in range(10)]
    query = target[2:6]
    assert vpdq_match(_frames(query), _frames(target)) == (100.0, 40.0)
    assert vpdq_match(_frames(target), _frames(query)) == (40.0, 100.0)


def test_repeated_hashes_count_once() -> None:
    a, b, c = _random_hash(), _random_hash(), _random_hash()
    query = _frames([a, a, a, b])  # a still scene repeated: one frame, as vpdq dedupes
    target = _frames([a, c])
    assert vpdq_match(query, target) == (50.0, 50.0)
    assert [f.index for f in prepare(_frames([a, b, a, c, b]))] == [0, 1, 3]


def test_low_quality_frames_are_ignored() -> None:
    a, b = _random_hash(), _random_hash()
    query = [VpdqFrame(0, 0.0, a, 100), VpdqFrame(1, 1.0, b, 49)]
    target = [VpdqFrame(0, 0.0, a, 50), VpdqFrame(1, 1.0, b, 100)]
    assert vpdq_match(query, target) == (100.0, 50.0)
    assert vpdq_match(query, target, quality=0) == (100.0, 100.0)


def test_nothing_left_after_filter_is_no_match() -> None:
    low = [VpdqFrame(0, 0.0, _random_hash(), 10)]
    good = _frames([_random_hash()])
    assert vpdq_match(low, good) == (0.0, 0.0)
    assert vpdq_match([], good) == (0.0, 0.0)


def test_hash_frame_of_flat_frame_is_low_quality() -> None:
    frame = hash_frame(30, 1.0, np.full((120, 160, 3), 90, np.uint8))
    assert frame == VpdqFrame(30, 1.0, frame.pdq, 0)


def test_text_round_trip() -> None:
    frames = [VpdqFrame(0, 0.0, _random_hash(), 100), VpdqFrame(30, 1.0, _random_hash(), 63)]
    text = frames_to_text(frames)
    assert frames_from_text(text) == frames
    assert VPDQ.parse(text.upper().replace(";", " ; ")) == text
    assert VPDQ.distance(text, text) == 0


def test_pytx_json_list_round_trips_with_positions_as_indexes() -> None:
    frames = [VpdqFrame(0, 0.0, _random_hash(), 100), VpdqFrame(1, 1.0, _random_hash(), 80)]
    as_json = frames_to_pytx_json(frames)
    assert json.loads(as_json)[1] == f"{frames[1].pdq},80,1.000"
    assert frames_from_text(as_json) == frames
    assert VPDQ.parse(as_json) == frames_to_text(frames)


def test_older_pytx_json_object_is_accepted() -> None:
    frames = [VpdqFrame(0, 0.0, _random_hash(), 100), VpdqFrame(25, 1.0, _random_hash(), 80)]
    as_json = json.dumps(
        {
            str(f.index): {"quality": f.quality, "hash": f.pdq, "timestamp": f.timestamp}
            for f in frames
        }
    )
    assert frames_from_text(as_json) == frames


def test_signal_distance_uses_lower_percentage() -> None:
    target = [_random_hash() for _ in range(4)]
    assert VPDQ.distance(frames_to_text(_frames(target[:1])), frames_to_text(_frames(target))) == 75


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "0,100,0.000",
        "0,100,0.000," + "0" * 63,
        "0,101,0.000," + "0" * 64,
        "x,100,0.000," + "0" * 64,
        "0,100,0.000," + "0" * 64 + ";",
        "{}",
        "{not json",
        '{"0": {"quality": 100, "hash": "zz", "timestamp": 0}}',
        "[]",
        "[not json",
        '["' + "0" * 64 + ',100"]',
        '["' + "0" * 64 + ',101,0.0"]',
        '["' + "0" * 63 + ',100,0.0"]',
        '{"0": {"hash": "' + "0" * 64 + '"}}',
        "[1, 2]",
    ],
)
def test_invalid_vpdq_text(bad: str) -> None:
    with pytest.raises(InvalidFingerprint) as info:
        VPDQ.parse(bad)
    assert info.value.code == "invalid-fingerprint"
