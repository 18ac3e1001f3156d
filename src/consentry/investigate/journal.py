"""The investigation's journal: one ItemResult per line, appended as each item is finished.

``out/work/items.jsonl`` starts with a header line holding the settings the results depend on
(banks, policy, --known-only). A rerun with the same settings skips every item already in it;
with other settings it starts over, since the old results would no longer be right. A line cut
short by a crash is dropped. The journal holds fingerprints and decisions only, never media.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from consentry.errors import ConsentryError
from consentry.investigate.records import ItemResult

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

JOURNAL_VERSION = 1
Identity = tuple[int, int]


def journal_path(out: Path) -> Path:
    return out / "work" / "items.jsonl"


class Journal:
    """Items finished by earlier runs (``done``) and an ``append`` for new ones."""

    def __init__(self, handle: IO[str], done: dict[Identity, ItemResult], restarted: bool):
        self._handle = handle
        self.done = done
        self.restarted = restarted  # an earlier journal was dropped: its settings differ

    def append(self, item: ItemResult) -> None:
        self._handle.write(json.dumps(item.to_json(), ensure_ascii=False) + "\n")
        self._handle.flush()


@contextmanager
def open_journal(path: Path, settings: dict[str, Any]) -> Iterator[Journal]:
    """Load the journal at ``path`` (kept when its settings equal ``settings``), locked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with open(fd, "r+", encoding="utf-8") as handle:
        _lock(handle, path)
        header, items, damaged = _read(handle)
        restarted = header is not None and header != _header(settings)
        if header is None or restarted:
            items = {}
        if header is None or restarted or damaged:
            _rewrite(handle, settings, items)
        handle.seek(0, os.SEEK_END)
        yield Journal(handle, items, restarted)


def _header(settings: dict[str, Any]) -> dict[str, Any]:
    return {"journal": JOURNAL_VERSION, "settings": settings}


def _lock(handle: IO[str], path: Path) -> None:
    if fcntl is None:  # pragma: no cover
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise ConsentryError(
            f"another investigation is writing {path}; wait for it or choose another --out",
            code="investigation-busy",
        ) from None


def _read(handle: IO[str]) -> tuple[dict[str, Any] | None, dict[Identity, ItemResult], bool]:
    """The header, the items by identity, and whether any line was damaged."""
    handle.seek(0)
    header: dict[str, Any] | None = None
    items: dict[Identity, ItemResult] = {}
    damaged = False
    for number, line in enumerate(handle):
        try:
            data = json.loads(line)
            if number == 0:
                header = data if isinstance(data, dict) and "journal" in data else None
                damaged = header is None
                continue
            item = ItemResult.from_json(data)
        except (ValueError, KeyError, TypeError):
            damaged = True
            continue
        items[item.identity] = item
    return header, items, damaged


def _rewrite(handle: IO[str], settings: dict[str, Any], items: dict[Identity, ItemResult]) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps(_header(settings)) + "\n")
    for item in items.values():
        handle.write(json.dumps(item.to_json(), ensure_ascii=False) + "\n")
    handle.flush()
