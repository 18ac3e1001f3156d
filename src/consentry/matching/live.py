"""The live index: every bank in memory, following the store's ``changes`` table.

    live = LiveMatcher(store)
    live.start()                      # read every bank, then follow changes in a thread
    live.match_values([("pdq", "f8f8...")])   # -> [[Match, ...]] per input
    live.stop()

Every entry insert, delete, suspension and unsuspension writes a row to ``changes`` in the
same transaction (see :mod:`consentry.store`). The follower thread polls that table every
``poll_seconds`` and applies what it finds to the in-memory indexes, so an addition or a
withdrawal takes effect in every process running a ``LiveMatcher`` within about
``poll_seconds`` plus the time to apply (milliseconds), well under a second.

A change is applied by looking at the entry *now*: an entry that exists and is not
suspended is (re)indexed with its current fingerprints and label, any other is dropped.
That makes applying a change idempotent and order-independent, so a change seen twice
(the start-up snapshot overlaps the first changes read) or late does no harm.

Following by ``seq`` relies on the store's guarantee that change rows become visible in
``seq`` order (writers are serialised: SQLite's write lock, an advisory lock on
PostgreSQL), so a follower that has read seq N never later finds a smaller one.

Bank settings (radius, enabled, action) are read from the ``banks`` table on every poll
(one small query); a bank that appears, or is deleted and created again under the same
name, is read in full.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from consentry.errors import ConsentryError
from consentry.index import hashes_from_hex
from consentry.matching.bank_index import DIGEST_TYPES, VpdqThresholds
from consentry.matching.derived import REGIONS, query_fingerprint
from consentry.matching.live_bank import BankSettings, LiveBank, LiveEntry
from consentry.matching.live_load import iter_bank_entries, read_bank_settings
from consentry.matching.matcher import _best_per_entry
from consentry.matching.queries import pdq_queries, vpdq_queries
from consentry.matching.result import Hit, Match
from consentry.matching.rwlock import ReadWriteLock
from consentry.signals import FileFingerprint
from consentry.signals.vpdq import frames_from_text, prepare
from consentry.store import Store, UnknownBank

logger = logging.getLogger(__name__)

CHANGES_PAGE = 1000
LOAD_CHUNK = 100_000


class InvalidQueryFingerprint(ConsentryError):
    """Input ``position`` of a batch is not a valid fingerprint; ``detail`` says why."""

    code = "invalid-fingerprint"

    def __init__(self, position: int, detail: str) -> None:
        super().__init__(f"fingerprint {position}: {detail}")
        self.position = position
        self.detail = detail


class LiveMatcher:
    """Matches against in-memory indexes of every bank, kept current from ``changes``.

    Searches may run from many threads at once; applying changes takes a write lock
    (writers first, so a flood of searches cannot hold a withdrawal back).
    """

    def __init__(
        self,
        store: Store,
        *,
        poll_seconds: float = 0.2,
        vpdq_thresholds: VpdqThresholds = VpdqThresholds(),
        use_low_quality: bool = False,
    ) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self.vpdq_thresholds = vpdq_thresholds
        self.use_low_quality = use_low_quality
        self.last_seq = 0
        self.ready = False
        self.last_refresh: float | None = None  # time.monotonic() of the last good refresh
        self.last_error: str | None = None  # class name of the last refresh failure
        self._banks: dict[str, LiveBank] = {}
        self._lock = ReadWriteLock()
        self._refreshing = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------

    def start(self, *, wait: bool = True) -> None:
        """Start following the store. ``wait``: read every bank before returning
        (else ``ready`` turns true once the follower thread has)."""
        if self._thread is not None:
            return
        if wait:
            self.refresh()
        self._stop.clear()
        self._thread = threading.Thread(target=self._follow, name="consentry-live", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> LiveMatcher:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _follow(self) -> None:
        while True:
            try:
                self.refresh()
            except Exception as error:  # the database may be away for a while: keep trying
                name = type(error).__name__
                if name != self.last_error:  # messages may quote SQL parameters: not logged
                    logger.warning("live index refresh failed (%s); retrying", name)
                self.last_error = name
            if self._stop.wait(self.poll_seconds):
                return

    # -- following the store ----------------------------------------------------------

    def refresh(self) -> int:
        """Apply pending changes now; returns how many changes were applied (on the first
        call: how many entries were read)."""
        with self._refreshing:
            if not self.ready:
                count = self._load_all()
            else:
                self._follow_settings(read_bank_settings(self.store))
                count = self._apply_new_changes()
            self.last_refresh = time.monotonic()
            self.last_error = None
            return count

    def _load_all(self) -> int:
        start_seq = self.store.last_change_seq()  # before the snapshot: overlap is harmless
        banks = {
            name: _loaded_bank(self.store, settings)
            for name, settings in read_bank_settings(self.store).items()
        }
        with self._lock.writing():
            self._banks = banks
            self.last_seq = max(self.last_seq, start_seq)
        self.ready = True
        loaded = sum(len(bank) for bank in banks.values())
        return loaded + self._apply_new_changes()

    def _follow_settings(self, settings: dict[str, BankSettings]) -> None:
        """New banks and banks created again under an old name are read in full; deleted
        banks are dropped; radius/enabled/action changes apply at once."""
        fresh = {
            name: _loaded_bank(self.store, wanted)
            for name, wanted in settings.items()
            if name not in self._banks or self._banks[name].settings.id != wanted.id
        }
        with self._lock.writing():
            for name in [name for name in self._banks if name not in settings]:
                del self._banks[name]
            self._banks.update(fresh)
            for name, bank in self._banks.items():
                bank.settings = settings[name]

    def _apply_new_changes(self) -> int:
        applied = 0
        while True:
            changes = self.store.changes_since(self.last_seq, limit=CHANGES_PAGE)
            if not changes:
                return applied
            applied += self._apply(changes)
            with self._lock.writing():
                self.last_seq = max(self.last_seq, max(change.seq for change in changes))
            if len(changes) < CHANGES_PAGE:
                return applied

    def _apply(self, changes: Sequence[Any]) -> int:
        """Reconcile every entry named by ``changes`` with its current state in the store."""
        by_bank: dict[str, set[int]] = defaultdict(set)
        for change in changes:
            if change.bank is not None:
                by_bank[change.bank].add(int(change.entry_id))
        unknown = [name for name in by_bank if name not in self._banks]
        if unknown:
            self._follow_settings(read_bank_settings(self.store))
        for name, ids in by_bank.items():
            if name not in self._banks:
                continue  # deleted since: its entries went with it
            try:
                found = self.store.entries_by_ids(name, sorted(ids))
            except UnknownBank:
                found = {}
            keep = [
                LiveEntry(entry.id, entry.label, list(entry.fingerprints))
                for entry in found.values()
                if not getattr(entry, "suspended", False)
            ]
            kept = {entry.id for entry in keep}
            with self._lock.writing():
                bank = self._banks.get(name)
                if bank is not None:
                    bank.drop(ids - kept)
                    bank.put(keep)
        return len(changes)

    # -- matching ---------------------------------------------------------------------

    def match_values(
        self, fingerprints: Sequence[tuple[str, str]], *, banks: Iterable[str] | None = None
    ) -> list[list[Match]]:
        """Per input ``(type, value)``, every entry it matches, closest first: PDQ within each
        bank's radius, MD5/SHA-256 exactly, vPDQ by the frame-share rule. Disabled banks and
        suspended entries never match. Raises InvalidQueryFingerprint for a bad input."""
        queries = [_parsed(position, pair) for position, pair in enumerate(fingerprints)]
        pdq_positions = [position for position, (kind, _) in enumerate(queries) if kind == "pdq"]
        pdq_hashes = hashes_from_hex([queries[position][1] for position in pdq_positions])
        others = [  # parsed once here, not once per bank
            (position, kind, _prepared(kind, value))
            for position, (kind, value) in enumerate(queries)
            if kind != "pdq"
        ]
        results: list[list[Match]] = [[] for _ in queries]
        with self._lock.reading():
            for bank in self._selected(banks):
                per_input: dict[int, list[Hit]] = defaultdict(list)
                for row, hits in bank.pdq_hits(pdq_hashes).items():
                    per_input[pdq_positions[row]] += hits
                for position, kind, query in others:
                    per_input[position] += self._search_other(bank, kind, query)
                for position, hits in per_input.items():
                    results[position] += _labelled(bank, hits)
        return [sorted(matches, key=_match_order) if matches else matches for matches in results]

    def _search_other(self, bank: LiveBank, kind: str, query: Any) -> list[Hit]:
        """``query`` as :func:`_prepared` made it for ``kind``."""
        if kind in DIGEST_TYPES:
            return bank.search_digest(kind, query)
        if kind == REGIONS:
            return bank.search_regions(query)
        return bank.search_vpdq(query, self.vpdq_thresholds)

    def match_fingerprint(
        self, fp: FileFingerprint, *, banks: Iterable[str] | None = None
    ) -> list[Match]:
        """A file's fingerprint (main hash, variants, digests, vPDQ frames): as ``Matcher``."""
        pdq = pdq_queries(fp, use_low_quality=self.use_low_quality)
        frames = vpdq_queries(fp)
        regions = query_fingerprint(fp.regions)
        matches: list[Match] = []
        with self._lock.reading():
            for bank in self._selected(banks):
                hits = bank.search_digest("sha256", fp.sha256)
                hits += bank.search_digest("md5", fp.md5)
                for query_hits in bank.search_pdq(pdq):
                    hits += query_hits
                hits += bank.search_vpdq(frames, self.vpdq_thresholds)
                hits += bank.search_regions(regions)
                matches += _labelled(bank, hits)
        return sorted(matches, key=_match_order)

    def _selected(self, names: Iterable[str] | None) -> list[LiveBank]:
        if names is None:
            chosen = list(self._banks.values())
        else:
            chosen = []
            for name in dict.fromkeys(names):
                if name not in self._banks:
                    raise UnknownBank(f"no bank named {name!r}")
                chosen.append(self._banks[name])
        return [bank for bank in chosen if bank.settings.enabled]

    # -- introspection (health, metrics) ----------------------------------------------

    def bank_settings(self) -> dict[str, BankSettings]:
        with self._lock.reading():
            return {name: bank.settings for name, bank in self._banks.items()}

    def bank_action(self, name: str) -> str:
        """The bank's action hint ("block", "review", "allow"), "block" if unknown."""
        bank = self._banks.get(name)
        return bank.settings.action if bank is not None else "block"

    @property
    def has_regions(self) -> bool:
        """True when some bank holds protected photos (queries then need regions)."""
        with self._lock.reading():
            return any(bank.has_regions for bank in self._banks.values())

    @property
    def size(self) -> int:
        """Entries indexed, over every bank."""
        with self._lock.reading():
            return sum(len(bank) for bank in self._banks.values())

    @property
    def nbytes(self) -> int:
        with self._lock.reading():
            return sum(bank.nbytes for bank in self._banks.values())


def _loaded_bank(store: Store, settings: BankSettings) -> LiveBank:
    bank = LiveBank(settings)
    bank.load(_chunks(iter_bank_entries(store, settings.id), LOAD_CHUNK))
    _release_free_memory()
    return bank


def _chunks(items: Iterator[LiveEntry], size: int) -> Iterator[list[LiveEntry]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _release_free_memory() -> None:
    """Hand the heap pages freed after a bulk load back to the system (glibc keeps them,
    which would count against every service worker's memory). Elsewhere: nothing."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _prepared(kind: str, value: str) -> Any:
    """A canonical non-PDQ query value in the form its bank search takes."""
    if kind == "vpdq":
        return prepare(frames_from_text(value))
    if kind == REGIONS:
        return query_fingerprint(value)
    return value


def _parsed(position: int, pair: object) -> tuple[str, str]:
    from consentry.store.validation import canonical_fingerprint

    if not isinstance(pair, tuple | list) or len(pair) != 2:
        raise InvalidQueryFingerprint(position, "expected a (type, value) pair")
    try:
        return canonical_fingerprint(pair[0], pair[1])
    except ConsentryError as error:
        raise InvalidQueryFingerprint(position, error.message) from None


def _labelled(bank: LiveBank, hits: list[Hit]) -> list[Match]:
    name = bank.settings.name
    best = _best_per_entry(hits)
    labels = bank.labels.get_many(hit.entry for hit in best)
    return [hit.labelled(name, labels[hit.entry]) for hit in best if hit.entry in labels]


def _match_order(match: Match) -> tuple[int, str, int]:
    return (match.distance, match.bank, match.entry)
