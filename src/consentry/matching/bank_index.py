"""One bank's fingerprints in memory, ready to search."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from consentry.index import HammingIndex, hashes_from_hex
from consentry.index.regions import RegionIndex
from consentry.matching.cache import PdqIndexCache
from consentry.matching.derived import REGIONS, derived_hits, region_index
from consentry.matching.queries import PdqQuery
from consentry.matching.result import Hit
from consentry.signals.regions import RegionFingerprint
from consentry.signals.vpdq import VpdqFrame, frames_from_text, prepare, vpdq_match
from consentry.store import Bank, Store

DIGEST_TYPES = ("md5", "sha256")


@dataclass(frozen=True)
class VpdqThresholds:
    """vPDQ: both shares of matched frames must reach these percentages."""

    query_percent: float = 80.0
    target_percent: float = 80.0


@dataclass
class Video:
    entry: int
    frames: list[VpdqFrame]


@dataclass
class BankIndex:
    bank: Bank
    pdq: HammingIndex
    digests: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    videos: list[Video] = field(default_factory=list)
    frames: HammingIndex = field(default_factory=HammingIndex)  # ids: positions in `videos`
    regions: RegionIndex | None = None  # protected photos' region fingerprints

    @classmethod
    def build(cls, store: Store, bank: Bank, cache_dir: Path | None) -> BankIndex:
        """``bank`` must have been read before the fingerprints (its generation keys the cache)."""
        cache = PdqIndexCache(cache_dir) if cache_dir is not None else None
        pdq = cache.load(bank) if cache is not None else None
        wanted = (*DIGEST_TYPES, "vpdq", REGIONS) if pdq is not None else None
        rows = list(store.iter_fingerprints(bank.name, types=wanted))
        if pdq is None:
            pdq = _pdq_index([(entry, value) for entry, kind, value in rows if kind == "pdq"])
            if cache is not None:
                cache.save(bank, pdq)
        index = cls(bank=bank, pdq=pdq)
        for entry, kind, value in rows:
            if kind in DIGEST_TYPES:
                index.digests.setdefault((kind, value), []).append(entry)
            elif kind == "vpdq":
                index.videos.append(Video(entry, prepare(frames_from_text(value))))
        index.frames = _frame_index(index.videos)
        regions = [(entry, value) for entry, kind, value in rows if kind == REGIONS]
        index.regions = region_index(regions) if regions else None
        return index

    def search_regions(self, query: RegionFingerprint | None) -> list[Hit]:
        return derived_hits(self.regions, query)

    def search_pdq(self, queries: list[PdqQuery]) -> list[Hit]:
        if not queries or not len(self.pdq):
            return []
        results = self.pdq.search(hashes_from_hex([q.pdq for q in queries]), self.bank.radius)
        hits = []
        for rank, (query, (ids, distances)) in enumerate(zip(queries, results, strict=True)):
            for entry, distance in zip(ids.tolist(), distances.tolist(), strict=True):
                hits.append(Hit(entry, distance, query.transform, "pdq", rank))
        return hits

    def search_digests(self, md5: str | None, sha256: str | None) -> list[Hit]:
        hits = []
        for kind, value in (("sha256", sha256), ("md5", md5)):
            for entry in self.digests.get((kind, value or ""), []):
                hits.append(Hit(entry, 0, "original", kind))
        return hits

    def search_vpdq(self, frames: list[VpdqFrame], thresholds: VpdqThresholds) -> list[Hit]:
        if not frames or not len(self.frames):
            return []
        radius = self.bank.radius
        results = self.frames.search(hashes_from_hex([f.pdq for f in frames]), radius)
        closest: dict[int, list[int]] = defaultdict(list)  # video -> per matched query frame
        for ids, distances in results:
            best: dict[int, int] = {}
            for video, distance in zip(ids.tolist(), distances.tolist(), strict=True):
                best.setdefault(video, distance)  # results come sorted by distance
            for video, distance in best.items():
                closest[video].append(distance)
        hits = []
        for position, distances in closest.items():
            video = self.videos[position]
            query_pct, target_pct = vpdq_match(frames, video.frames, distance=radius)
            if query_pct >= thresholds.query_percent and target_pct >= thresholds.target_percent:
                median = round(statistics.median(distances))
                hits.append(Hit(video.entry, median, "original", "vpdq", 0, query_pct, target_pct))
        return hits


def _pdq_index(rows: list[tuple[int, str]]) -> HammingIndex:
    index = HammingIndex()
    if rows:
        ids = np.fromiter((entry for entry, _ in rows), dtype=np.int64, count=len(rows))
        index.add(ids, hashes_from_hex([value for _, value in rows]))
    return index


def _frame_index(videos: list[Video]) -> HammingIndex:
    index = HammingIndex()
    ids = [position for position, video in enumerate(videos) for _ in video.frames]
    if ids:
        hashes = [frame.pdq for video in videos for frame in video.frames]
        index.add(np.asarray(ids, dtype=np.int64), hashes_from_hex(hashes))
    return index
