"""The sync feed: the ``changes`` log, a page at a time, as partners see it.

Each item is an entry that appeared (``"add"``, with its fingerprints and label) or went
away (``"remove"``: deleted, withdrawn by the person, or suspended). An "add" is resolved
against the entry as it is *now*: an entry deleted or suspended since is skipped, because
a "remove" for it follows later in the log. An "add" for an entry already sent means its
fingerprints changed: the client replaces its copy.

Items never carry case ids, notes or anything about who registered an entry.

The cursor is opaque to clients: ``base64url("v1:<seq>")`` of the last change read.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from consentry.store import Store
from consentry.sync.errors import InvalidCursor, InvalidLimit

DEFAULT_FEED_LIMIT = 1000
MAX_FEED_LIMIT = 5000
MAX_CURSOR_CHARS = 64
_CURSOR_TEXT = re.compile(r"v1:(0|[1-9][0-9]{0,18})")


@dataclass(frozen=True)
class FeedPage:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str = ""
    more: bool = False

    def to_json(self) -> dict[str, Any]:
        """The HTTP body: ``{"items": [...], "cursor": "...", "more": bool}``."""
        return {"items": self.items, "cursor": self.next_cursor, "more": self.more}


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The seq a cursor stands for; ``None`` or ``""`` is the start of the log."""
    if cursor is None or cursor == "":
        return 0
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidCursor("invalid cursor: pass back the cursor of the previous page")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        text = ""
    found = _CURSOR_TEXT.fullmatch(text)
    if found is None or int(found[1]) >= 2**63:
        raise InvalidCursor("invalid cursor: pass back the cursor of the previous page")
    return int(found[1])


def check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_FEED_LIMIT:
        raise InvalidLimit(f"invalid limit {limit!r}: a whole number from 1 to {MAX_FEED_LIMIT}")
    return limit


def feed_page(
    store: Store,
    *,
    cursor: str | None,
    limit: int = DEFAULT_FEED_LIMIT,
    banks: Iterable[str] | None = None,
) -> FeedPage:
    """Up to ``limit`` changes after ``cursor`` (optionally only of some banks).

    ``more`` is true when the page is full (ask again with ``next_cursor``); the cursor
    moves past skipped "add" items too, so a client never reads them again.
    """
    after = decode_cursor(cursor)
    limit = check_limit(limit)
    wanted = None if banks is None else sorted(set(banks))
    changes = store.changes_since(after, limit=limit, banks=wanted)
    adds: dict[str, set[int]] = defaultdict(set)
    for change in changes:
        if change.op == "add":
            adds[change.bank].add(change.entry_id)
    entries = {bank: store.entries_by_ids(bank, ids) for bank, ids in adds.items()}
    items: list[dict[str, Any]] = []
    for change in changes:
        if change.op == "remove":
            items.append(_item(change.seq, "remove", change.bank, change.entry_id, [], None))
            continue
        entry = entries[change.bank].get(change.entry_id)
        if entry is None or entry.suspended:
            continue  # gone or suspended since: its "remove" comes later in the log
        fingerprints = [{"type": kind, "value": value} for kind, value in entry.fingerprints]
        items.append(_item(change.seq, "add", change.bank, entry.id, fingerprints, entry.label))
    last = changes[-1].seq if changes else after
    return FeedPage(items=items, next_cursor=encode_cursor(last), more=len(changes) == limit)


def _item(
    seq: int,
    op: str,
    bank: str,
    entry: int,
    fingerprints: list[dict[str, str]],
    label: str | None,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "op": op,
        "bank": bank,
        "entry": entry,
        "fingerprints": fingerprints,
        "label": label,
    }
