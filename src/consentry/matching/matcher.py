"""Matching a file's fingerprint against banks."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from consentry.matching.bank_index import BankIndex, VpdqThresholds
from consentry.matching.cache import PdqIndexCache
from consentry.matching.derived import query_fingerprint
from consentry.matching.queries import pdq_queries, vpdq_queries
from consentry.matching.result import Hit, Match
from consentry.signals import FileFingerprint
from consentry.store import Store, UnknownBank

INDEX_DIRNAME = "index"


class Matcher:
    """In-memory indexes of some banks (default: every enabled bank), searched per file.

    The indexes are a snapshot: call :meth:`refresh` to pick up changes made since
    (entries removed since are never reported: labels are read live at match time).
    """

    def __init__(
        self,
        store: Store,
        bank_names: Iterable[str] | None = None,
        *,
        vpdq_thresholds: VpdqThresholds = VpdqThresholds(),
        use_low_quality: bool = False,
        cache: bool = True,
    ) -> None:
        self.store = store
        self.vpdq_thresholds = vpdq_thresholds
        self.use_low_quality = use_low_quality
        self.cache_dir = _cache_dir(store) if cache else None
        self.follow_enabled = bank_names is None
        self.bank_names = [] if bank_names is None else list(dict.fromkeys(bank_names))
        self.indexes: dict[str, BankIndex] = {}
        if not self.follow_enabled:  # named banks must exist: unknown-bank now, not later
            for name in self.bank_names:
                store.get_bank(name)
        self.refresh()
        if self.cache_dir is not None:
            PdqIndexCache(self.cache_dir).prune(bank.id for bank in store.list_banks())

    def refresh(self) -> list[str]:
        """Rebuild the indexes of banks changed since; returns their names.

        Without explicit ``bank_names`` this also follows banks being created, deleted,
        enabled or disabled.
        """
        banks = {bank.name: bank for bank in self.store.list_banks()}
        if self.follow_enabled:
            self.bank_names = [name for name, bank in banks.items() if bank.enabled]
        for name in set(self.indexes) - {n for n in self.bank_names if n in banks}:
            del self.indexes[name]
        rebuilt = []
        for name in self.bank_names:
            bank = banks.get(name)
            current = self.indexes.get(name)
            if bank is not None and (current is None or current.bank.generation != bank.generation):
                self.indexes[name] = BankIndex.build(self.store, bank, self.cache_dir)
                rebuilt.append(name)
        return rebuilt

    @property
    def has_regions(self) -> bool:
        """True when some bank holds protected photos: queries then need their regions
        fingerprint (``fingerprint(..., regions="query")``) to find fakes made from them."""
        return any(index.regions is not None for index in self.indexes.values())

    def match(self, fp: FileFingerprint) -> list[Match]:
        """Every entry within its bank's radius, once, closest first (see :class:`Match`)."""
        pdq = pdq_queries(fp, use_low_quality=self.use_low_quality)
        frames = vpdq_queries(fp)
        regions = query_fingerprint(fp.regions)
        matches: list[Match] = []
        for name, index in self.indexes.items():
            hits = index.search_digests(fp.md5, fp.sha256)
            hits += index.search_pdq(pdq)
            hits += index.search_vpdq(frames, self.vpdq_thresholds)
            hits += index.search_regions(regions)
            matches += self._labelled(name, _best_per_entry(hits))
        return sorted(matches, key=lambda m: (m.distance, m.bank, m.entry))

    def _labelled(self, bank: str, hits: list[Hit]) -> list[Match]:
        if not hits:
            return []
        try:
            labels = self.store.entry_labels(bank, [hit.entry for hit in hits])
        except UnknownBank:
            return []
        return [hit.labelled(bank, labels[hit.entry]) for hit in hits if hit.entry in labels]


def _best_per_entry(hits: list[Hit]) -> list[Hit]:
    best: dict[int, Hit] = {}
    for hit in hits:
        kept = best.get(hit.entry)
        if kept is None or hit.key() < kept.key():
            best[hit.entry] = hit
    return list(best.values())


def _cache_dir(store: Store) -> Path | None:
    return store.home / INDEX_DIRNAME if store.home is not None else None
