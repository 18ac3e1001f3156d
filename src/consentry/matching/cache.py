"""Saved PDQ indexes, one file per bank in ``home/index/``, keyed by the bank's generation.

Every change to a bank bumps its generation, so a file named for an older generation is
simply never read again (and is deleted on the next save). Bank ids are never reused,
so a file can never be mistaken for another bank's.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from consentry.index import HammingIndex, HammingIndexError
from consentry.store import Bank

_NAME = re.compile(r"pdq-bank(\d+)-gen(\d+)\.npz")


class PdqIndexCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, bank: Bank) -> Path:
        return self.directory / f"pdq-bank{bank.id}-gen{bank.generation}.npz"

    def load(self, bank: Bank) -> HammingIndex | None:
        path = self.path(bank)
        if not path.is_file():
            return None
        try:
            return HammingIndex.load(path)
        except (HammingIndexError, OSError):
            return None  # corrupt or from another version: rebuilt from the store

    def save(self, bank: Bank, index: HammingIndex) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            index.save(self.path(bank))
        except (HammingIndexError, OSError):
            return  # the cache is an optimisation; matching works without it
        self._remove(
            lambda bank_id, generation: bank_id == bank.id and generation != bank.generation
        )

    def prune(self, live_bank_ids: Iterable[int]) -> None:
        """Delete files of banks that no longer exist."""
        live = set(live_bank_ids)
        self._remove(lambda bank_id, _generation: bank_id not in live)

    def _remove(self, doomed: Callable[[int, int], bool]) -> None:
        if not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            found = _NAME.fullmatch(path.name)
            if found and doomed(int(found[1]), int(found[2])):
                with contextlib.suppress(OSError):
                    path.unlink()
