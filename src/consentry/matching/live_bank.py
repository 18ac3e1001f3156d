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
from consentry.matching.bank_index import DIGEST_TYPES, VpdqThresholds
from consentry.matching.queries import PdqQuery
from consentry.matching.result import Hit
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
    labels: dict[int, str | None] = field(default_factory=dict)  # the indexed entries
    digests: dict[Fingerprint, list[int]] = field(default_factory=dict)
    entry_digests: dict[int, list[Fingerprint]] = field(default_factory=dict)
    videos: dict[int, list[list[VpdqFrame]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def nbytes(self) -> int:
        return self.pdq.nbytes + self.frames.nbytes

    # -- changes ----------------------------------------------------------------------

    def put(self, entries: Iterable[LiveEntry], *, replace: bool = True) -> int:
        """Index entries; an entry already indexed is replaced (``replace=False``: the caller
        guarantees none is). Returns how many entries were indexed."""
        batch = list(entries)
        if replace:
            self.drop([entry.id for entry in batch if entry.id in self.labels])
        pdq_ids: list[int] = []
        pdq_values: list[str] = []
        frame_ids: list[int] = []
        frame_values: list[str] = []
        for entry in batch:
            self.labels[entry.id] = entry.label
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
        if pdq_ids:
            self.pdq.add(np.asarray(pdq_ids, dtype=np.int64), hashes_from_hex(pdq_values))
        if frame_ids:
            self.frames.add(np.asarray(frame_ids, dtype=np.int64), hashes_from_hex(frame_values))
        return len(batch)

    def drop(self, entry_ids: Iterable[int]) -> int:
        """Remove entries (ids not indexed are ignored); returns how many were indexed."""
        present = [entry for entry in dict.fromkeys(entry_ids) if entry in self.labels]
        if not present:
            return 0
        ids = np.asarray(present, dtype=np.int64)
        self.pdq.remove(ids)
        videos = [entry for entry in present if entry in self.videos]
        if videos:
            self.frames.remove(np.asarray(videos, dtype=np.int64))
        for entry in present:
            del self.labels[entry]
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
        if not len(self.pdq):
            return [[] for _ in queries]
        results = self.pdq.search(hashes_from_hex([q.pdq for q in queries]), self.settings.radius)
        per_query = []
        for rank, (query, (ids, distances)) in enumerate(zip(queries, results, strict=True)):
            per_query.append(
                [
                    Hit(entry, distance, query.transform, "pdq", rank)
                    for entry, distance in zip(ids.tolist(), distances.tolist(), strict=True)
                ]
            )
        return per_query

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
