"""Bulk reads for the live index: bank settings, and a whole bank's indexable entries.

These are read-only queries on the store's tables, streamed so that a bank of a million
entries is read in one pass (the per-entry store API would take thousands of round trips).
Suspended entries are never indexed.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from consentry.matching.live_bank import BankSettings, LiveEntry
from consentry.store import Store
from consentry.store.models import BankRow, EntryRow, FingerprintRow

STREAM_ROWS = 20_000


def read_bank_settings(store: Store) -> dict[str, BankSettings]:
    """Every bank's matching settings, by name: one small query, cheap enough to poll."""
    action = getattr(BankRow, "action", None)
    columns = [BankRow.id, BankRow.name, BankRow.radius, BankRow.enabled]
    if action is not None:
        columns.append(action)
    with store.engine.connect() as connection:
        rows = connection.execute(select(*columns)).all()
    settings = {}
    for row in rows:
        bank_action = row[4] if action is not None and row[4] else "block"
        settings[row[1]] = BankSettings(row[0], row[1], row[2], bool(row[3]), bank_action)
    return settings


def iter_bank_entries(store: Store, bank_id: int) -> Iterator[LiveEntry]:
    """The bank's entries that are not suspended, with their fingerprints, in id order."""
    query = (
        select(EntryRow.id, EntryRow.label, FingerprintRow.type, FingerprintRow.value)
        .join(FingerprintRow, FingerprintRow.entry_id == EntryRow.id)
        .where(EntryRow.bank_id == bank_id)
        .order_by(EntryRow.id, FingerprintRow.id)
    )
    suspended = getattr(EntryRow, "suspended", None)
    if suspended is not None:
        query = query.where(suspended.is_(False))
    with store.engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(
            query
        )
        current: int | None = None
        label: str | None = None
        fingerprints: list[tuple[str, str]] = []
        for entry_id, entry_label, kind, value in result:
            if entry_id != current:
                if current is not None:
                    yield LiveEntry(current, label, fingerprints)
                current, label, fingerprints = entry_id, entry_label, []
            fingerprints.append((kind, value))
        if current is not None:
            yield LiveEntry(current, label, fingerprints)
