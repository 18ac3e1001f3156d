"""vPDQ values between Consentry's canonical text and python-threatexchange's.

pytx 1.2.17 (``threatexchange.extensions.vpdq``) writes a vPDQ signal as a JSON list
with one ``"<pdq hex>,<quality>,<timestamp>"`` string per frame, in frame order:
``["f8f8...,100,0.000", "f8f0...,98,1.000"]``. There is no frame index, so on import
the position in the list becomes the index.
"""

from __future__ import annotations

import json

from consentry.signals.base import InvalidFingerprint
from consentry.signals.vpdq import VpdqFrame, frames_from_text, frames_to_text


def vpdq_to_pytx(value: str) -> str:
    frames = frames_from_text(value)
    return json.dumps([f"{f.pdq},{f.quality},{f.timestamp:.3f}" for f in frames])


def vpdq_from_pytx(value: str) -> str:
    """Canonical text for a pytx JSON list; other forms are left to ``VPDQ.parse``."""
    text = value.strip()
    if not text.startswith("["):
        return value
    try:
        items = json.loads(text)
    except ValueError as error:
        raise InvalidFingerprint(f"not a valid vpdq JSON list: {error}") from None
    if not isinstance(items, list) or not items:
        raise InvalidFingerprint("not a valid vpdq JSON list: expected a non-empty list")
    return frames_to_text([_frame(index, item) for index, item in enumerate(items)])


def _frame(index: int, item: object) -> VpdqFrame:
    parts = item.split(",") if isinstance(item, str) else []
    try:
        pdq, quality, timestamp = parts
        frame = VpdqFrame(index, float(timestamp), pdq.strip().lower(), int(quality))
    except ValueError:
        raise InvalidFingerprint(
            f"not a valid vpdq frame {index}: {str(item)[:90]!r}, "
            "expected '<64 hex>,<quality>,<timestamp>'"
        ) from None
    if not 0 <= frame.quality <= 100 or frame.timestamp < 0:
        raise InvalidFingerprint(
            f"not a valid vpdq frame {index}: quality or timestamp out of range"
        )
    return frame
