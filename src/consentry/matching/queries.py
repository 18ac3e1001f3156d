"""The hashes of a file's fingerprint that are good enough to search with."""

from __future__ import annotations

from dataclasses import dataclass

from consentry.signals import FileFingerprint
from consentry.signals.pdq import is_low_quality
from consentry.signals.vpdq import VpdqFrame, prepare


@dataclass(frozen=True)
class PdqQuery:
    transform: str
    pdq: str


def pdq_queries(fp: FileFingerprint, *, use_low_quality: bool = False) -> list[PdqQuery]:
    """Main hash first, then variants; low-quality hashes are left out unless asked."""
    queries: list[PdqQuery] = []
    if fp.pdq and (use_low_quality or not fp.low_quality):
        queries.append(PdqQuery("original", fp.pdq))
    for variant in fp.variants:
        if use_low_quality or not is_low_quality(variant.quality):
            queries.append(PdqQuery(variant.transform, variant.pdq))
    return queries


def vpdq_queries(fp: FileFingerprint) -> list[VpdqFrame]:
    """The frames vPDQ compares: first of each distinct hash, quality >= 50."""
    return prepare(fp.vpdq) if fp.vpdq else []
