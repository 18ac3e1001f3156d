"""Derived matches: fakes made from a protected photo, found by its region fingerprint.

A protected bank's entries carry a "regions" fingerprint (``consentry.signals.regions``); a
query's denser region fingerprint is looked up in a :class:`RegionIndex`, and each photo
whose tiles agree geometrically with the query's becomes a "derived" hit with a score (the
share of the photo's tiles found) and the region of the query where they were found.
"""

from __future__ import annotations

from collections.abc import Iterable

from consentry.index.regions import RegionIndex
from consentry.matching.result import DERIVED, Hit, derived_distance
from consentry.signals.base import InvalidFingerprint
from consentry.signals.regions import RegionFingerprint

REGIONS = "regions"


def parsed_rows(rows: Iterable[tuple[int, str]]) -> tuple[list[int], list[RegionFingerprint]]:
    """(entry ids, fingerprints) of (entry id, regions text) rows; unreadable values are
    skipped (the store validated them on the way in: this only guards a newer format)."""
    ids: list[int] = []
    fingerprints: list[RegionFingerprint] = []
    for entry, value in rows:
        try:
            fingerprints.append(RegionFingerprint.from_text(value))
        except InvalidFingerprint:
            continue
        ids.append(entry)
    return ids, fingerprints


def region_index(rows: Iterable[tuple[int, str]]) -> RegionIndex:
    index = RegionIndex()
    ids, fingerprints = parsed_rows(rows)
    if ids:
        index.add(ids, fingerprints)
    return index


def query_fingerprint(text: str | None) -> RegionFingerprint | None:
    """A query's regions text parsed once for every bank; None when there is none."""
    if not text:
        return None
    return RegionFingerprint.from_text(text)


def derived_hits(index: RegionIndex | None, query: RegionFingerprint | None) -> list[Hit]:
    if index is None or query is None or not len(index):
        return []
    return [
        Hit(
            hit.id,
            derived_distance(hit.score),
            "mirrored" if hit.mirrored else "original",
            REGIONS,
            0,
            kind=DERIVED,
            score=hit.score,
            region=hit.region,
        )
        for hit in index.search(query)
    ]
