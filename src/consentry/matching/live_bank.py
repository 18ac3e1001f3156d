"""One bank's fingerprints in memory, changed entry by entry (the live index's building block).

Unlike :class:`~consentry.matching.bank_index.BankIndex` (a snapshot rebuilt on change), a
``LiveBank`` takes ``put`` (add or replace an entry) and ``drop`` (remove entries) while it
lives. Everything is keyed by entry id, so removing an entry removes every hash it held:
its PDQ hashes, its vPDQ frames and its digests.

Not thread-safe on its own: :class:`~consentry.matching.live.LiveMatcher` holds a
readers-writer lock around it.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from consentry.index import HammingIndex, hashes_from_hex
from consentry.index.regions import RegionIndex
from consentry.matching.bank_index import DIGEST_TYPES, VpdqThresholds
from consentry.matching.derived import REGIONS, derived_hits, parsed_rows
from consentry.matching.entry_labels import EntryLabels
from consentry.matching.queries import PdqQuery
from consentry.matching.result import Hit
from consentry.signals.regions import RegionFingerprint
from consentry.signals.vpdq import VpdqFrame, frames_from_text, prepare, vpdq_match

Fingerprint = tuple[str, str]


@dataclass(frozen=True)
class BankSettings:
    """What matching needs to know about a bank (read from the ``banks`` table each poll)."""

    id: int
    name: str
    radius: int
    enabled: bool
    action: str = "block"


@dataclass(frozen=True)
class LiveEntry:
    """An entry to index: its id, label and fingerprints (canonical ``(type, value)``)."""

    id: int
    label: str | None
    fingerprints: Sequence[Fingerprint]


@dataclass
class LiveBank:
    settings: BankSettings
    pdq: HammingIndex = field(default_factory=HammingIndex)
    frames: HammingIndex = field(default_factory=HammingIndex)  # ids: entry ids
    labels: EntryLabels = field(default_factory=EntryLabels)  # the indexed entries
    digests: dict[Fingerprint, list[int]] = field(default_factory=dict)
    entry_digests: dict[int, list[Fingerprint]] = field(default_factory=dict)
    videos: dict[int, list[list[VpdqFrame]]] = field(default_factory=dict)
    regions: RegionIndex = field(default_factory=RegionIndex)  # protected photos

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def nbytes(self) -> int:
        return self.pdq.nbytes + self.frames.nbytes + self.labels.nbytes

    # -- changes ----------------------------------------------------------------------

    def put(self, entries: Iterable[LiveEntry], *, replace: bool = True) -> int:
        """Index entries; an entry already indexed is replaced (``replace=False``: the caller
        guarantees none is). Returns how many entries were indexed."""
        batch = list(entries)
        if replace:
            self.drop([entry.id for entry in batch])
        pdq, frames = self._take(batch)
        _add(self.pdq, [pdq])
        _add(self.frames, [frames])
        return len(batch)

    @property
    def has_regions(self) -> bool:
        return len(self.regions) > 0

    def load(self, chunks: Iterable[Sequence[LiveEntry]]) -> int:
        """Index a whole bank read in chunks (none indexed yet), building each hash index
        once at the end rather than merging as it grows. Returns how many entries."""
        pdq: list[_Rows] = []
        frames: list[_Rows] = []
        count = 0
        for chunk in chunks:
            chunk_pdq, chunk_frames = self._take(chunk)
            pdq.append(chunk_pdq)
            frames.append(chunk_frames)
            count += len(chunk)
        _add(self.pdq, pdq)
        _add(self.frames, frames)
        return count

    def _take(self, batch: Sequence[LiveEntry]) -> tuple[_Rows, _Rows]:
        """Record labels, digests and videos; return the (ids, hashes) rows to index for
        PDQ and for vPDQ frames."""
        self.labels.put((entry.id, entry.label) for entry in batch)
        pdq_ids: list[int] = []
        pdq_values: list[str] = []
        frame_ids: list[int] = []
        frame_values: list[str] = []
        regions: list[tuple[int, str]] = []
        for entry in batch:
            for kind, value in entry.fingerprints:
                if kind == "pdq":
                    pdq_ids.append(entry.id)
                    pdq_values.append(value)
                elif kind in DIGEST_TYPES:
                    self.digests.setdefault((kind, value), []).append(entry.id)
                    self.entry_digests.setdefault(entry.id, []).append((kind, value))
                elif kind == "vpdq":
                    frames = prepare(frames_from_text(value))
                    self.videos.setdefault(entry.id, []).append(frames)
                    frame_ids.extend([entry.id] * len(frames))
                    frame_values.extend(frame.pdq for frame in frames)
                elif kind == REGIONS:
                    regions.append((entry.id, value))
        if regions:
            self._add_regions(regions)
        return _rows(pdq_ids, pdq_values), _rows(frame_ids, frame_values)

    def _add_regions(self, rows: list[tuple[int, str]]) -> None:
        ids, fingerprints = parsed_rows(rows)
        if ids:
            self.regions.add(ids, fingerprints)

    def drop(self, entry_ids: Iterable[int]) -> int:
        """Remove entries (ids not indexed are ignored); returns how many were indexed."""
        present = self.labels.drop(entry_ids)
        if not present:
            return 0
        ids = np.asarray(present, dtype=np.int64)
        self.pdq.remove(ids)
        if self.has_regions:
            self.regions.remove(present)
        videos = [entry for entry in present if entry in self.videos]
        if videos:
            self.frames.remove(np.asarray(videos, dtype=np.int64))
        for entry in present:
            self.videos.pop(entry, None)
            for key in self.entry_digests.pop(entry, []):
                holders = [held for held in self.digests.get(key, []) if held != entry]
                if holders:
                    self.digests[key] = holders
                else:
                    self.digests.pop(key, None)
        return len(present)

    # -- search -----------------------------------------------------------------------

    def search_pdq(self, queries: list[PdqQuery]) -> list[list[Hit]]:
        """Per query, the hits within the bank's radius (an entry may appear more than once)."""
        if not queries:
            return []
        found = self.pdq_hits(hashes_from_hex([q.pdq for q in queries]))
        per_query: list[list[Hit]] = [[] for _ in queries]
        for position, hits in found.items():
            query = queries[position]
            per_query[position] = [
                Hit(hit.entry, hit.distance, query.transform, "pdq", position) for hit in hits
            ]
        return per_query

    def pdq_hits(self, hashes: np.ndarray) -> dict[int, list[Hit]]:
        """Hits of each (n, 32) uint8 query hash within the bank's radius, keyed by query
        row; rows that find nothing are absent (the common case in a large batch)."""
        if not len(self.pdq) or not len(hashes):
            return {}
        found = self.pdq.search_hits(hashes, self.settings.radius)
        per_query: dict[int, list[Hit]] = defaultdict(list)
        for row, entry, distance in zip(
            found.query_of.tolist(), found.ids.tolist(), found.distances.tolist(), strict=True
        ):
            per_query[row].append(Hit(entry, distance, "original", "pdq"))
        return per_query

    def search_regions(self, query: RegionFingerprint | None) -> list[Hit]:
        return derived_hits(self.regions, query)

    def search_digest(self, kind: str, value: str | None) -> list[Hit]:
        if not value:
            return []
        return [Hit(entry, 0, "original", kind) for entry in self.digests.get((kind, value), [])]

    def search_vpdq(self, frames: list[VpdqFrame], thresholds: VpdqThresholds) -> list[Hit]:
        if not frames or not len(self.frames):
            return []
        radius = self.settings.radius
        results = self.frames.search(hashes_from_hex([f.pdq for f in frames]), radius)
        closest: dict[int, list[int]] = defaultdict(list)  # entry -> per matched query frame
        for ids, distances in results:
            best: dict[int, int] = {}
            for entry, distance in zip(ids.tolist(), distances.tolist(), strict=True):
                best.setdefault(entry, distance)  # results come sorted by distance
            for entry, distance in best.items():
                closest[entry].append(distance)
        hits = []
        for entry, distances in closest.items():
            for video in self.videos.get(entry, []):
                query_pct, target_pct = vpdq_match(frames, video, distance=radius)
                if (
                    query_pct >= thresholds.query_percent
                    and target_pct >= thresholds.target_percent
                ):
                    median = round(statistics.median(distances))
                    hits.append(Hit(entry, median, "original", "vpdq", 0, query_pct, target_pct))
                    break
        return hits


_Rows = tuple[np.ndarray, np.ndarray]


def _rows(ids: list[int], values: list[str]) -> _Rows:
    return np.asarray(ids, dtype=np.int64), hashes_from_hex(values)


def _add(index: HammingIndex, parts: list[_Rows]) -> None:
    parts = [part for part in parts if len(part[0])]
    if len(parts) == 1:
        index.add(*parts[0])
    elif parts:
        index.add(np.concatenate([i for i, _ in parts]), np.concatenate([h for _, h in parts]))
