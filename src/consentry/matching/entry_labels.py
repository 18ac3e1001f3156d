"""Which entries a live bank holds, and each one's label, in a few bytes per entry.

A dict of entry id -> label costs ~150 bytes per entry in Python objects (the int, the
label string read from each database row, the slot); at ten million entries that is
gigabytes per service worker. Here an entry costs 12 bytes: its id in a sorted int64 array
and a label code in an int32 array, with each distinct label text stored once.

Entry ids grow (the store never reuses one), so new entries almost always append; removal
marks a tombstone and the arrays are compacted when a quarter of them are dead.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

DEAD = -1
COMPACT_DEAD_SHARE = 0.25
MIN_CAPACITY = 1024


class EntryLabels:
    """A set of entry ids, each with a label (text or None)."""

    def __init__(self) -> None:
        self._ids = np.empty(MIN_CAPACITY, dtype=np.int64)
        self._codes = np.empty(MIN_CAPACITY, dtype=np.int32)
        self._fill = 0  # slots in use, dead ones included
        self._dead = 0
        self._texts: list[str | None] = []
        self._code_of: dict[str | None, int] = {}

    def __len__(self) -> int:
        return self._fill - self._dead

    def __contains__(self, entry: object) -> bool:
        return isinstance(entry, int | np.integer) and self._slot(int(entry)) is not None

    def __getitem__(self, entry: int) -> str | None:
        slot = self._slot(entry)
        if slot is None:
            raise KeyError(entry)
        return self._texts[self._codes[slot]]

    def get_many(self, entries: Iterable[int]) -> dict[int, str | None]:
        """The label of each entry held; entries not held are left out."""
        ids = np.unique(np.fromiter((int(e) for e in entries), dtype=np.int64))
        if not len(ids) or not self._fill:
            return {}
        slots, held = self._held(ids)
        texts = self._texts
        return {
            entry: texts[code]
            for entry, code in zip(
                ids[held].tolist(), self._codes[slots[held]].tolist(), strict=True
            )
        }

    @property
    def nbytes(self) -> int:
        return self._ids.nbytes + self._codes.nbytes

    def put(self, entries: Iterable[tuple[int, str | None]]) -> None:
        """Add entries, or relabel ones already held (the last label given wins)."""
        latest = {int(entry): self._code(label) for entry, label in entries}
        if not latest:
            return
        ids = np.fromiter(latest.keys(), dtype=np.int64, count=len(latest))
        codes = np.fromiter(latest.values(), dtype=np.int32, count=len(latest))
        order = np.argsort(ids)
        ids, codes = ids[order], codes[order]
        fill = self._fill
        if fill == 0 or ids[0] > self._ids[fill - 1]:  # the usual case: newer entries
            self._append(ids, codes)
            return
        slots, held = self._held(ids)
        self._codes[slots[held]] = codes[held]
        if not held.all():
            fresh_ids, fresh_codes = ids[~held], codes[~held]
            self._replace(np.concatenate([self._ids[:fill], fresh_ids]), fresh_codes)

    def drop(self, entries: Iterable[int]) -> list[int]:
        """Remove entries; returns the ids that were held (ascending)."""
        ids = np.unique(np.fromiter((int(e) for e in entries), dtype=np.int64))
        if not len(ids) or not self._fill:
            return []
        slots, held = self._held(ids)
        self._codes[slots[held]] = DEAD
        self._dead += int(held.sum())
        if self._dead > COMPACT_DEAD_SHARE * self._fill:
            self._compact()
        return ids[held].tolist()

    def _held(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(slot, is held) for sorted ``ids``."""
        fill = self._fill
        slots = np.minimum(np.searchsorted(self._ids[:fill], ids), max(fill - 1, 0))
        held = (self._ids[slots] == ids) & (self._codes[slots] != DEAD) if fill else ids < 0
        return slots, held

    def _slot(self, entry: int) -> int | None:
        ids = self._ids[: self._fill]
        slot = int(np.searchsorted(ids, entry))
        if slot < self._fill and ids[slot] == entry and self._codes[slot] != DEAD:
            return slot
        return None

    def _code(self, label: str | None) -> int:
        code = self._code_of.get(label)
        if code is None:
            code = self._code_of[label] = len(self._texts)
            self._texts.append(label)
        return code

    def _append(self, ids: np.ndarray, codes: np.ndarray) -> None:
        fill = self._fill
        self._reserve(fill + len(ids))
        self._ids[fill : fill + len(ids)] = ids
        self._codes[fill : fill + len(ids)] = codes
        self._fill += len(ids)

    def _replace(self, ids: np.ndarray, new_codes: np.ndarray) -> None:
        """Merge entries not held into the arrays; ``ids`` = held slots then the new ids.
        A dead slot may carry a new entry's id: the stable sort puts the new one last."""
        codes = np.concatenate([self._codes[: self._fill], new_codes])
        order = np.argsort(ids, kind="stable")
        ids, codes = ids[order], codes[order]
        last = np.ones(len(ids), dtype=bool)
        last[:-1] = ids[1:] != ids[:-1]
        keep = last & (codes != DEAD)
        self._set(ids[keep], codes[keep])

    def _compact(self) -> None:
        keep = self._codes[: self._fill] != DEAD
        self._set(self._ids[: self._fill][keep], self._codes[: self._fill][keep])

    def _set(self, ids: np.ndarray, codes: np.ndarray) -> None:
        capacity = max(MIN_CAPACITY, len(ids) + len(ids) // 2)
        self._ids = np.empty(capacity, dtype=np.int64)
        self._codes = np.empty(capacity, dtype=np.int32)
        self._ids[: len(ids)] = ids
        self._codes[: len(ids)] = codes
        self._fill, self._dead = len(ids), 0

    def _reserve(self, needed: int) -> None:
        if needed <= len(self._ids):
            return
        capacity = max(needed, len(self._ids) + len(self._ids) // 2)
        self._ids = np.resize(self._ids, capacity)
        self._codes = np.resize(self._codes, capacity)
