"""Consentry's own CSV: ``type,value,label,note,entry``, one row per fingerprint."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from consentry.exchange.names import from_pytx
from consentry.exchange.records import LineIssue, Record
from consentry.exchange.tabular import Row, read_table
from consentry.store import Entry

COLUMNS = ("type", "value", "label", "note", "entry")


def parse(text: str) -> Iterator[Record | LineIssue]:
    for item in read_table(text, COLUMNS[:2], COLUMNS[2:]):
        yield item if isinstance(item, LineIssue) else _record(item)


def _record(row: Row) -> Record:
    kind = row.fields["type"].strip()
    entry = row.fields.get("entry", "").strip()
    return Record(
        line=row.line,
        type=from_pytx(kind) or kind,
        value=row.fields["value"],
        label=row.fields.get("label") or None,
        note=row.fields.get("note") or None,
        group=f"entry:{entry}" if entry else None,
    )


def write(entries: Iterable[Entry], handle: TextIO) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    for entry in entries:
        for kind, value in entry.fingerprints:
            writer.writerow((kind, value, entry.label or "", entry.note or "", entry.id))
            rows += 1
    return rows
