"""Shared CSV reading: rows with their line numbers, bad lines reported, BOM/CRLF tolerant."""

from __future__ import annotations

import csv
import io
from _csv import Reader
from collections.abc import Iterator
from dataclasses import dataclass

from consentry.exchange.records import LineIssue
from consentry.exchange.text import line_problem


@dataclass(frozen=True)
class Row:
    line: int
    fields: dict[str, str]


def _allow_long_fields(text: str) -> None:
    # vPDQ values of long videos exceed csv's 128 KiB default; only ever raised, never lowered.
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(len(text) + 1)


def read_table(
    text: str, required: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[Row | LineIssue]:
    """Rows keyed by lowercased header names; a bad header stops with one issue on line 1."""
    _allow_long_fields(text)
    reader = csv.reader(io.StringIO(text, newline=""))
    header, header_line = _header(reader)
    if header is None:
        yield LineIssue(header_line or 1, "empty-file", "the file has no header and no rows")
        return
    names = [name.strip().lower() for name in header]
    missing = [name for name in required if name not in names]
    if missing:
        yield LineIssue(
            header_line,
            "missing-columns",
            f"the header lacks column(s) {', '.join(missing)}; expected "
            f"{','.join(required + optional)}",
        )
        return
    yield from _rows(reader, names, header_line)


def _header(reader: Reader) -> tuple[list[str] | None, int]:
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                return fields, reader.line_num
    except csv.Error:
        return None, reader.line_num
    return None, reader.line_num


def _rows(reader: Reader, names: list[str], after: int) -> Iterator[Row | LineIssue]:
    previous_end = after
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield LineIssue(reader.line_num, "malformed-line", f"unreadable CSV: {error}")
            previous_end = reader.line_num
            continue
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        yield _row(line, fields, names)


def _row(line: int, fields: list[str], names: list[str]) -> Row | LineIssue:
    problem = next((p for p in map(line_problem, fields) if p), None)
    if problem:
        return LineIssue(line, "not-text", problem)
    if len(fields) > len(names):
        return LineIssue(
            line, "malformed-line", f"{len(fields)} fields but the header has {len(names)}"
        )
    padded = fields + [""] * (len(names) - len(fields))
    return Row(line, dict(zip(names, padded, strict=True)))
