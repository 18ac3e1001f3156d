"""vPDQ: a video as PDQ hashes of one frame per second, and Meta's rule to compare two.

Frames: as Meta's ``vpdq`` (seconds_per_hash=1), every ``int(fps)``-th decoded frame,
with timestamp ``index / fps``. Matching, as ``vpdq``'s brute matcher: drop repeated
hashes (keeping the first), drop frames of quality below 50, then the share of query
frames within distance 31 of some target frame and the share of target frames within
31 of some query frame.

Text form (canonical): frames joined by ``;``, each ``index,quality,timestamp,hash``
with the timestamp in seconds to 3 decimals. python-threatexchange's JSON form is
accepted by ``parse`` and converted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from consentry.signals.base import Content, InvalidFingerprint, SignalType
from consentry.signals.pdq import MATCH_DISTANCE, PDQ, hamming
from consentry.signals.pdq_math import pdq_from_pixels

QUALITY_THRESHOLD = 50
_FRAME = re.compile(r"(\d+),(\d{1,3}),(\d+(?:\.\d+)?),([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class VpdqFrame:
    index: int  # frame number in decode order
    timestamp: float  # seconds
    pdq: str
    quality: int


def frame_step(fps: float, seconds_per_hash: float = 1.0) -> int:
    """Hash every n-th frame: n = int(seconds_per_hash * fps), at least 1 (as vpdq)."""
    return max(int(seconds_per_hash * fps), 1)


def hash_frame(index: int, timestamp: float, rgb: np.ndarray) -> VpdqFrame:
    result = pdq_from_pixels(rgb)
    return VpdqFrame(index, round(timestamp, 3), result.hash, result.quality)


def vpdq_from_frames(frames: Iterable[tuple[int, float, np.ndarray]]) -> list[VpdqFrame]:
    """Hash already-selected frames given as (index, timestamp, rgb)."""
    return [hash_frame(index, timestamp, rgb) for index, timestamp, rgb in frames]


def prepare(frames: list[VpdqFrame], quality: int = QUALITY_THRESHOLD) -> list[VpdqFrame]:
    """vpdq's preparation: first of each distinct hash, then only quality >= threshold."""
    seen: set[str] = set()
    unique = []
    for frame in frames:
        if frame.pdq not in seen:
            seen.add(frame.pdq)
            unique.append(frame)
    return [frame for frame in unique if frame.quality >= quality]


def vpdq_match(
    query: list[VpdqFrame],
    target: list[VpdqFrame],
    *,
    distance: int = MATCH_DISTANCE,
    quality: int = QUALITY_THRESHOLD,
) -> tuple[float, float]:
    """(percent of query frames matched in target, percent of target frames matched in query)."""
    q_frames, t_frames = prepare(query, quality), prepare(target, quality)
    if not q_frames or not t_frames:
        return 0.0, 0.0
    q_bits = _bits(q_frames)
    t_bits = _bits(t_frames)
    distances = _pairwise_hamming(q_bits, t_bits)
    close = distances <= distance
    query_pct = 100.0 * close.any(axis=1).sum() / len(q_frames)
    target_pct = 100.0 * close.any(axis=0).sum() / len(t_frames)
    return float(query_pct), float(target_pct)


def _bits(frames: list[VpdqFrame]) -> np.ndarray:
    raw = np.frombuffer(b"".join(bytes.fromhex(f.pdq) for f in frames), np.uint8)
    return np.unpackbits(raw.reshape(len(frames), 32), axis=1)


def _pairwise_hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a_i = a.astype(np.int32)
    b_i = b.astype(np.int32)
    same_ones = a_i @ b_i.T
    return a_i.sum(1)[:, None] + b_i.sum(1)[None, :] - 2 * same_ones


def frames_to_text(frames: list[VpdqFrame]) -> str:
    return ";".join(f"{f.index},{f.quality},{f.timestamp:.3f},{f.pdq}" for f in frames)


def frames_from_text(text: str) -> list[VpdqFrame]:
    """Parse the canonical form or python-threatexchange's JSON; raises InvalidFingerprint.

    python-threatexchange 1.2.17 writes a JSON list, one ``"<pdq hex>,<quality>,<timestamp>"``
    string per frame in frame order (no frame index: the position becomes the index);
    earlier releases wrote an object keyed by frame index. Both are read.
    """
    if not isinstance(text, str):
        raise InvalidFingerprint(f"vpdq must be text, got {type(text).__name__}")
    stripped = text.strip()
    if stripped.startswith("["):
        return _frames_from_pytx_list(stripped)
    if stripped.startswith("{"):
        return _frames_from_pytx_json(stripped)
    if not stripped:
        raise InvalidFingerprint("not a valid vpdq hash: empty")
    frames = []
    for position, part in enumerate(stripped.split(";")):
        match = _FRAME.fullmatch(part.strip())
        if not match or int(match[2]) > 100:
            raise InvalidFingerprint(
                f"not a valid vpdq hash: frame {position} is {part.strip()[:90]!r}, "
                "expected 'index,quality,timestamp,<64 hex>'"
            )
        frames.append(VpdqFrame(int(match[1]), float(match[3]), match[4].lower(), int(match[2])))
    return frames


def frames_to_pytx_json(frames: list[VpdqFrame]) -> str:
    """python-threatexchange 1.2.17's VideoVPDQSignal text form (frame indexes are dropped)."""
    return json.dumps([f"{f.pdq},{f.quality},{f.timestamp:.3f}" for f in frames])


def _frames_from_pytx_list(text: str) -> list[VpdqFrame]:
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise InvalidFingerprint(f"not a valid vpdq JSON list: {exc}") from None
    if not isinstance(items, list) or not items:
        raise InvalidFingerprint("not a valid vpdq JSON list: expected a non-empty list")
    return [_pytx_list_frame(index, item) for index, item in enumerate(items)]


def _pytx_list_frame(index: int, item: object) -> VpdqFrame:
    try:
        pdq, quality, timestamp = item.split(",") if isinstance(item, str) else ()
        frame = VpdqFrame(index, float(timestamp), PDQ.parse(pdq.strip()), int(quality))
    except (ValueError, InvalidFingerprint):
        raise InvalidFingerprint(
            f"not a valid vpdq frame {index}: {str(item)[:90]!r}, "
            "expected '<64 hex>,<quality>,<timestamp>'"
        ) from None
    if not 0 <= frame.quality <= 100 or frame.timestamp < 0:
        raise InvalidFingerprint(
            f"not a valid vpdq frame {index}: quality or timestamp out of range"
        )
    return frame


def _frames_from_pytx_json(text: str) -> list[VpdqFrame]:
    try:
        data = json.loads(text)
        frames = [
            VpdqFrame(
                int(index),
                float(item["timestamp"]),
                PDQ.parse(item["hash"]),
                int(item["quality"]),
            )
            for index, item in data.items()
        ]
    except (ValueError, KeyError, TypeError, AttributeError, InvalidFingerprint) as exc:
        raise InvalidFingerprint(f"not a valid vpdq JSON hash: {exc}") from None
    if not frames:
        raise InvalidFingerprint("not a valid vpdq hash: no frames")
    return sorted(frames, key=lambda f: f.index)


class VpdqSignal(SignalType):
    """vPDQ video hash. distance: 100 minus the lower of the two match percentages."""

    name = "vpdq"
    version = 1

    def parse(self, text: str) -> str:
        return frames_to_text(frames_from_text(text))

    def distance(self, a: str, b: str) -> int:
        query_pct, target_pct = vpdq_match(frames_from_text(a), frames_from_text(b))
        return round(100 - min(query_pct, target_pct))

    def compute(self, content: Content) -> str | None:
        if not content.frames:
            return None
        return frames_to_text(content.frames)


VPDQ = VpdqSignal()

__all__ = [
    "QUALITY_THRESHOLD",
    "VPDQ",
    "VpdqFrame",
    "VpdqSignal",
    "frame_step",
    "frames_from_text",
    "frames_to_pytx_json",
    "frames_to_text",
    "hamming",
    "hash_frame",
    "prepare",
    "vpdq_from_frames",
    "vpdq_match",
]
