"""``--to-bank``: the flagged items' fingerprints added to a bank, so that platforms matching
against it catch the same images. Videos go in by their digests (the journal keeps no vPDQ
frames)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from consentry.investigate.records import ItemResult
from consentry.signals.pdq import is_low_quality

if TYPE_CHECKING:
    from consentry.store import Store

PUSH_NOTE = "consentry investigate"


def push_to_bank(store: Store, bank: str, items: Sequence[ItemResult]) -> int:
    """Add each flagged image or video (once per SHA-256) the bank does not hold yet."""
    from consentry.store import NewEntry

    entries: dict[str, NewEntry] = {}
    for item in items:
        if not item.flagged or not item.sha256 or item.sha256 in entries:
            continue
        if store.find_fingerprint(bank, "sha256", item.sha256):
            continue
        entries[item.sha256] = NewEntry(bank_fingerprints(item), note=PUSH_NOTE)
    return len(store.add_entries(bank, list(entries.values()))) if entries else 0


def bank_fingerprints(item: ItemResult) -> list[tuple[str, str]]:
    """PDQ (when not low quality), MD5 and SHA-256: what a bank entry keeps of an item."""
    pairs: list[tuple[str, str]] = []
    if item.pdq and not is_low_quality(item.pdq_quality):
        pairs.append(("pdq", item.pdq))
    pairs += [
        (kind, value) for kind, value in (("md5", item.md5), ("sha256", item.sha256)) if value
    ]
    return pairs
