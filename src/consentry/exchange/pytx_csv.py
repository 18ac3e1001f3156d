"""The CSV of ``threatexchange dataset -P --csv``: signal_type,signal_str,collab,category,tags."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from consentry.exchange.names import from_pytx, to_pytx
from consentry.exchange.records import LineIssue, Record
from consentry.exchange.tabular import Row, read_table
from consentry.signals.vpdq import frames_from_text, frames_to_pytx_json
from consentry.store import Entry

COLUMNS = ("signal_type", "signal_str", "collab", "category", "tags")
# Opinion categories that say matching content belongs in the collaboration.
IMPORTED_CATEGORIES = frozenset({"", "POSITIVE_CLASS", "INVESTIGATION_SEED"})


def parse(text: str) -> Iterator[Record | LineIssue]:
    for item in read_table(text, COLUMNS[:2], COLUMNS[2:]):
        yield item if isinstance(item, LineIssue) else _record(item)


def _record(row: Row) -> Record | LineIssue:
    category = row.fields.get("category", "").strip().upper()
    if category not in IMPORTED_CATEGORIES:
        return LineIssue(
            row.line, "skipped-category", f"category {category} does not mark matching content"
        )
    name = row.fields["signal_type"].strip()
    kind = from_pytx(name)
    if kind is None:
        return LineIssue(row.line, "unknown-type", f"unsupported signal type {name[:40]!r}")
    collab = row.fields.get("collab", "").strip()
    return Record(
        line=row.line,
        type=kind,
        value=row.fields["signal_str"],
        label=row.fields.get("tags", "").strip() or None,
        note=f"pytx collaboration: {collab}" if collab else None,
    )


def write(entries: Iterable[Entry], handle: TextIO, collab: str) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    for entry in entries:
        for kind, value in entry.fingerprints:
            text = frames_to_pytx_json(frames_from_text(value)) if kind == "vpdq" else value
            writer.writerow((to_pytx(kind), text, collab, "POSITIVE_CLASS", entry.label or ""))
            rows += 1
    return rows
